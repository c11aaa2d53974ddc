"""``rcc-cards import --source``: the source sentence each imported card restates, as its ``quote``.

The source's sentences (headings never) are ranked by the content words they share with the card's front
and answer (casefolded, function words ignored; a shared number counts :data:`NUMBER_WEIGHT` words), and the
best :data:`CANDIDATES` are tried in that order: a sentence becomes the card's quote only when it shares
enough of the card's answer (all of the answer's numbers, or at least half of its content words) and
of its question (at least half of its other content words, the deck's subject aside: :func:`deck_context`),
so that an unrelated sentence is never attached, and the card, with that quote, passes every grounding rule
(:mod:`rcc_cards.rules.quotes`, the real rules: the quote occurs in the source, every number of the answers,
deletions and ``extra`` is in it, and its hedges are on the card). When the whole sentence fails, its first
clauses are tried, longest first, in the same way (the part a card states, when the rest is hedged); the
report lists those. Pure values in and out, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from rcc_cards import grounding, kinds
from rcc_cards.adopt import Card as AdoptedCard
from rcc_cards.grounding import Sentence, SourceText
from rcc_cards.model import Card, Kind
from rcc_cards.rules import quotes

CANDIDATES = 5  # the best-ranked sentences tried per card
NUMBER_WEIGHT = 3  # a shared number counts as much as this many shared words
SHOWN_CHARS = 70  # of a candidate sentence, in the report

# Words that carry no content of their own: a sentence sharing only these with a card says nothing of it.
_FUNCTION_WORDS = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on
once only or other our out over own same she should so some such than that the their them then there these
they this those through to too under until up very was we were what when where which while who whom why
will with would you your yes one s t
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
_WORD = re.compile(r"\w+")
_BRACKETS = re.compile(r"\s*\[[^\[\]\n]{1,200}\]")  # citation brackets: [4,5,6], [Level of evidence: 1iiA]
_CLAUSE_END = re.compile(r"(?<=\w)[,;] (?=\w)")  # where a first clause may end (not inside "6,000")
_KINDS = {"basic": Kind.BASIC, "reverse": Kind.REVERSE, "cloze": Kind.CLOZE}


class Source(NamedTuple):
    """A source the cards may quote: its key (as cards name it), its text as the rules read it."""

    key: str
    text: SourceText
    file: str  # as the report shows it


class Candidate(NamedTuple):
    source: Source
    sentence: Sentence

    def __str__(self) -> str:
        raw = self.sentence.raw
        short = raw if len(raw) <= SHOWN_CHARS else raw[:SHOWN_CHARS - 1] + "…"
        return f"{self.source.file}:{self.sentence.line} {short!r}"


class Found(NamedTuple):
    """A card's quote and its source key ("" when none passes), and its best candidate (None: no sentence
    shares a content word with it); ``partial``: the quote is only the first part of its sentence."""

    quote: str
    source_key: str
    best: Candidate | None
    partial: bool = False


def source_text(shown: str, raw: str) -> SourceText:
    """A source's text as :func:`rcc_cards.grounding.read_source` makes it, from its characters."""
    split = tuple(grounding.split_sentences(raw))
    return SourceText(shown, grounding.normalize(grounding.source_body(raw)), split, {}, grounding.layout(split))


def content_words(text: str) -> set[str]:
    """The casefolded words of ``text`` that are not function words or numbers."""
    return {w for w in _WORD.findall(grounding.normalize(text).casefold()) if w not in FUNCTION_WORDS
            and not w.isdigit()}


def _numbers(text: str) -> set[str]:
    return set(grounding.numbers(text))


def as_card(card: AdoptedCard, quote: str = "") -> Card:
    """The imported card as the rules see it, quoting ``quote``."""
    kind = _KINDS[card.kind]
    if kind is Kind.CLOZE:
        return Card(card.id, kind, (), (), text=card.front, extra=card.back, quote=quote)
    return Card(card.id, kind, (), (), front=card.front, back=card.back, quote=quote)


def grounding_errors(card: Card, source: SourceText) -> list[str]:
    """What the grounding rules say of ``card`` quoting from ``source`` (empty: it passes every one)."""
    spec = kinds.of(card.kind)
    found: list[str] = []
    for rule in (quotes.quote_stale, quotes.number_not_in_quote, quotes.hedge_dropped):
        found += [f"{message} [{rule.id}]" for _, message in rule.check_card(card, spec, source)]
    return found


def sentence_quote(sentence: Sentence) -> str:
    """The sentence as a quote: as the source writes it, its citation brackets removed."""
    return " ".join(_BRACKETS.sub("", sentence.raw).split())


def deck_context(cards: Sequence[AdoptedCard]) -> frozenset[str]:
    """The words nearly all the cards share (three in four or more, of three cards or more): the deck's
    subject ("Stage IV renal cell cancer: …"), not what a card says."""
    counts: dict[str, int] = {}
    for card in cards:
        for word in content_words(grounding.card_text(as_card(card))):
            counts[word] = counts.get(word, 0) + 1
    return frozenset(w for w, n in counts.items() if 4 * n >= 3 * len(cards)) if len(cards) >= 3 else frozenset()


def find(card: AdoptedCard, sources: Sequence[Source], context: frozenset[str] = frozenset()) -> Found:
    """The sentence ``card`` restates, as its quote, when one passes (see the module's docstring);
    ``context``: the deck's subject words (:func:`deck_context`), which the question need not share."""
    plain = as_card(card)
    spec = kinds.of(plain.kind)
    answers = [*spec.answers(plain), plain.extra]
    answer_words = set().union(*map(content_words, answers))
    answer_numbers = set().union(*map(grounding.quantities, answers))
    wanted = content_words(grounding.card_text(plain))
    question = wanted - answer_words - context
    wanted_numbers = _numbers(grounding.card_text(plain))
    ranked: list[tuple[int, int, Candidate]] = []
    for order, (source, sentence) in enumerate((s, t) for s in sources for t in s.text.sentences):
        if sentence.heading:
            continue
        words = content_words(sentence.text)
        score = len(wanted & words) + NUMBER_WEIGHT * len(wanted_numbers & _numbers(sentence.text))
        if score:
            ranked.append((-score, order, Candidate(source, sentence)))
    ranked.sort(key=lambda item: item[:2])
    for _, _, candidate in ranked[:CANDIDATES]:
        for quote in quotes_of(candidate.sentence):
            words = content_words(quote)
            if _enough(answer_words or wanted, answer_numbers, words, grounding.quantities(quote)) \
                    and _half(question, words) and not grounding_errors(as_card(card, quote), candidate.source.text):
                partial = quote not in (sentence_quote(candidate.sentence), candidate.sentence.raw)
                return Found(quote, candidate.source.key, candidate, partial)
    return Found("", "", ranked[0][2] if ranked else None)


def quotes_of(sentence: Sentence) -> list[str]:
    """The quotes a sentence offers, in the order tried: the whole sentence (citation brackets removed, then
    as written), then its first clauses, longest first (ending before a ', ' or '; ': the part a card states
    when the rest is hedged; a first part keeps any qualifier the sentence starts with)."""
    whole = sentence_quote(sentence)
    cuts = [m.start() for m in _CLAUSE_END.finditer(whole)]
    return [*dict.fromkeys(q for q in (whole, sentence.raw) if q), *(whole[:at] for at in reversed(cuts))]


def _enough(words: set[str], numbers: set[str], sentence_words: set[str], sentence_numbers: set[str]) -> bool:
    """The minimum overlap: every number of the answer (a quantity, not the digits of a name such as IL-2),
    or at least half of its content words."""
    if numbers and numbers <= sentence_numbers:
        return True
    return bool(words) and _half(words, sentence_words)


def _half(words: set[str], sentence_words: set[str]) -> bool:
    """At least half of ``words`` (all of none) are in the sentence."""
    return 2 * len(words & sentence_words) >= len(words)
