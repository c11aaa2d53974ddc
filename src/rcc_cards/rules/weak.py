"""Rules for weak cards, as a card-writing expert rejects them: answers that are a yes or a no, answers the
question already gives, reverse cards that would expect a question as the answer, cloze deletions a learner
can guess from their opposite, and fronts that show another card's answer.

They are warnings: each is a heuristic a real author may have a reason to overrule (a deck can turn one off,
``deck: rules:``), while ``check --strict`` keeps them out of decks that claim the standard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from rcc_cards import cloze, grounding
from rcc_cards.grounding import SourceText
from rcc_cards.kinds import KindSpec, of
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Card, Deck
from rcc_cards.rules.base import NO_HITS, Hit, card_rule, decks_rule

# "Yes" or "No" as the whole answer or before a comma or stop ("No, never"); "No added benefit" is a noun
# phrase, not a no.
_YES_NO = r"(?i)\s*(yes|no)\s*(?:[,.;:!\u2013\u2014]|$)"  # compiled (and cached by re) for the few answers
# that start with a yes or a no
# One-word answers whose opposite is the only other guess.
OPPOSITES = frozenset({
    "higher", "lower", "more", "fewer", "less", "greater", "smaller", "larger", "bigger", "shorter", "longer",
    "increased", "decreased", "increase", "decrease", "better", "worse", "superior", "inferior", "positive",
    "negative", "high", "low", "above", "below", "before", "after", "similar", "different", "earlier", "later",
    "major", "minor", "yes", "no", "true", "false",
})
_WORDS = re.compile(r"\w+")
# Words that say nothing of the answer's content: the source's hedges (which a card must keep) and
# function words.
_HEDGE_WORDS = frozenset(word for form in grounding.HEDGES if not form.startswith("not ") for word in form.split())
_FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "or", "and", "in", "on", "to", "with", "for", "by", "at",
                             "it", "is", "are", "was", "were", "be", "been", "they", "have", "has", "had", "its",
                             "their", "this", "that", "these", "those", "as", "from"})
_UNCOUNTED = _HEDGE_WORDS | _FUNCTION_WORDS


def _words(text: str) -> str:
    """Text as its lowercased words, one space apart, with a space at each end (for whole-word search)."""
    return " " + " ".join(card_words(text)) + " "


def card_words(text: str) -> tuple[str, ...]:
    """A text's words, casefolded, in order: what the rules that compare words compare."""
    return tuple(_WORDS.findall(text.casefold()))


@card_rule("yes-no-answer", "warning", applies=lambda spec: spec.answer_key == "a")
def yes_no_answer(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """An answer is something to recall, not a yes or a no (a coin toss the learner wins half the time).

    Fails: `q: Has IL-2 been shown in a randomized controlled trial to result in longer survival?` with
      `a: No, never`
    Passes: `q: What has IL-2 never been shown to do in a randomized controlled trial?` with
      `a: result in longer survival`
    """
    if not card.back.lstrip()[:3].casefold().startswith(("yes", "no")) or not re.match(_YES_NO, card.back):
        return NO_HITS
    return [(card.loc_of("a"), f"card '{card.id}': the answer is a yes or a no; ask for what the source states "
                               "instead (what, which, how much), so the learner recalls it")]


@card_rule("answer-in-question", "warning", applies=lambda spec: spec.answer_key == "a")
def answer_in_question(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """The question does not already contain its answer (a leading prompt tests reading, not recall).

    Fails: `q: What survival or quality of life benefit has it shown?` with `a: Unclear survival or quality
      of life benefit` (the answer verbatim in the question, or, for an answer of three content words or
      more, all of them but one; hedges and words such as "of" and "the" do not count)
    Passes: `q: What is known of its survival or quality of life benefit?` with `a: It is unclear`
    """
    if not card.front or not card.back:
        return NO_HITS
    all_words = card_words(card.back)
    words = [w for w in all_words if w not in _UNCOUNTED]
    lowered = card.front.casefold()
    present = sum(1 for w in words if w in lowered)  # as substrings: at least as many as whole words
    if not words or present < len(words) - (1 if len(words) >= 3 else 0):
        return NO_HITS  # most cards: decided without splitting the question into words
    answer, question = " " + " ".join(all_words) + " ", _words(card.front)
    missing = [w for w in words if f" {w} " not in question]
    if not words or (answer not in question and (len(words) < 3 or len(missing) > 1)):
        return NO_HITS
    return [(card.loc_of("a"), f"card '{card.id}': the question already says its answer {card.back!r} (all of "
                               "it, or all but one word); ask without giving it away")]


@card_rule("reverse-on-question", "warning", applies=lambda spec: spec.asks_answer_side)
def reverse_on_question(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """`reverse: true` is for pairs (a term and its meaning), not for questions: reversed, a question
    would be the answer a learner must produce.

    Fails: `q: What is the optimum dose of IL-2?` with `reverse: true`
    Passes: `q: IL-2` with `a: interleukin-2` and `reverse: true`
    """
    if not card.front.rstrip().endswith("?"):
        return NO_HITS
    return [(card.loc_of("reverse"), f"card '{card.id}': 'reverse: true' on a question would show the answer "
                                     "and expect the question back; use reverse only for pairs such as a term "
                                     "and its meaning, or remove it")]


@card_rule("guessable-deletion", "warning", applies=lambda spec: spec.answer_key == "cloze")
def guessable_deletion(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """A cloze deletion is not one word whose opposite is the only other guess (higher/lower, more/fewer …).

    Fails: `{{c2::more}} toxic effects`
    Passes: `more {{c2::toxic effects}}`, or the fact asked as a question with a full answer
    """
    deletions, _ = cloze.parse(card.text)
    return [(card.loc_of("cloze"), f"card '{card.id}': the deletion {{{{c{d.number}::{d.answer}}}}} is one word "
                                   "whose opposite is the only other guess; delete what the learner must recall "
                                   "(the thing compared, or the whole comparison)")
            for d in deletions if d.answer.strip().casefold() in OPPOSITES]


MAX_CARDS_PER_SENTENCE = 50  # compared pairwise; a sentence quoted by more cards is reported, not compared
SUBJECT_SHARE = 0.5  # a word in the text of more than this share of a deck's cards is the deck's subject
SUBJECT_MIN_CARDS = 4  # ... in a deck of at least this many cards (in fewer, a shared word may be a fact)


@decks_rule("front-gives-away", "warning", "clean")
def front_gives_away(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """A card's front does not show the answer of another card on the same source sentence.

    Every front counts: the question, each cloze card's text with its deletion hidden, and the answer of a
    ``reverse: true`` card, which its reverse card shows as a front (the question is then an answer). An
    answer is shown when a front has all of its quantities, or, for an answer without any, of two words or
    more, all of its words in order. The deck's subject gives nothing away: an answer without quantities
    whose words (not counting hedges and words such as "of" and "the") are all subject words is not
    reported. The subject words are those of the deck's name and of its sources' titles, and, in a deck of
    4 cards or more, each word in the text (question, answer, cloze) of more than half of its cards: the
    disease every card names.

    Fails: `q: … gave a survival HR of 0.78; what was its CI?` beside a card whose answer is `HR 0.78`
      (or the answer of a `reverse: true` card that says `HR of 0.78`)
    Passes: `q: … what was the CI of its survival hazard ratio?`; `q: In renal cell cancer, …?` beside a
      card whose answer is `renal cell cancer`, in a deck named `Oncology::Renal cell cancer` (its subject)
    """
    hits: list[Hit] = []
    for deck in decks:
        by_sentence = _cards_by_sentence(deck, memo)
        crowded = [cards for cards in by_sentence.values() if len(cards) > MAX_CARDS_PER_SENTENCE]
        if crowded:
            hits.append((deck.loc, f"deck '{deck.key}': {len(crowded)} source sentence(s) are quoted by more than "
                                   f"{MAX_CARDS_PER_SENTENCE} cards each (up to {max(map(len, crowded))}); their "
                                   "cards are not compared for answers given away. Split such sentences' facts "
                                   "over fewer cards, or turn this rule off for the deck"))
        hits += _given_away(deck, by_sentence, memo)
    return hits


def _cards_by_sentence(deck: Deck, memo: Memo) -> dict[tuple[str, int], list[Card]]:
    """The deck's cards by the source sentence(s) their quote is on (unreadable sources: reported by the card
    rules)."""
    texts, _ = grounding.read_sources(deck, memo)
    by_sentence: dict[tuple[str, int], list[Card]] = {}
    for card in deck.cards():
        key = deck.source_of(card).key
        text = texts.get(key)
        for sentence in text.sentences_of(card.quote) if card.quote and text is not None else ():
            by_sentence.setdefault((key, sentence), []).append(card)
    return by_sentence


def _given_away(deck: Deck, by_sentence: dict[tuple[str, int], list[Card]], memo: Memo) -> list[Hit]:
    """Each card whose front shows another card's answer, once a pair, on the key of the front that shows it."""
    candidates: dict[tuple[str, str], tuple[_Sides, _Sides]] = {}
    for cards in by_sentence.values():
        if 1 < len(cards) <= MAX_CARDS_PER_SENTENCE:
            sides = [_Sides.of(card, memo) for card in cards]
            candidates.update(((c.card.id, o.card.id), (c, o)) for c, o in _pairs(sides, memo))
    subject: frozenset[str] | None = None  # worked out for the first answer of words a front shows
    hits: list[Hit] = []
    for this, other in candidates.values():
        for key, answer, words in this.shown_answers(other, memo):
            if words is not None:
                subject = _subject(deck, memo) if subject is None else subject
                if words <= subject:
                    continue
            hits.append((this.card.loc_of(key), _message(this.card, key, other.card, answer)))
            break
    return hits


def _pairs(sides: list[_Sides], memo: Memo = NO_MEMO) -> Iterator[tuple[_Sides, _Sides]]:
    """Each pair ``(c, o)`` of two cards of ``sides`` where ``c.shows_answer_of(o)``, in the order of a loop
    over every pair (``c``, then ``o``, in the order of ``sides``), found through an :class:`_Index` of the
    answers instead of comparing every pair: the pairs are exactly those of the pairwise loop
    (tests/test_rules_weak.py compares the two)."""
    index = _Index(sides)
    if not index.by_number and not index.by_start:
        return
    for at, this in enumerate(sides):
        shown: set[int] = set()
        for front in this.fronts:
            index.shown_by(front, memo, shown)
        shown.discard(at)
        yield from ((this, sides[other]) for other in sorted(shown))


FEW_STARTS = 8  # phrases' first two words looked for in a front's text before it is split into words


class _Index:
    """The answers of a sentence's cards: those with quantities by the smallest of them, phrases by their
    first two words, then word by word (so a front is read once from each place where a phrase could begin).
    A front is split into words only when some answer is a phrase, and into quantities only when some answer
    has one."""

    def __init__(self, sides: list[_Sides]) -> None:
        self.by_number: dict[str, list[tuple[int, set[str]]]] = {}
        self.by_start: dict[tuple[str, str], _Node] = {}
        for at, side in enumerate(sides):
            for needed in side.numbers:
                self.by_number.setdefault(min(needed), []).append((at, needed))
            for phrase in side.phrases:
                self.by_start.setdefault((phrase[0], phrase[1]), _Node()).later.append((phrase, 2, at))

    def _may_show_a_phrase(self, front: str) -> bool:
        """False when no phrase can be in ``front``: with few first words to look for, a front that has
        neither word of any phrase's first two (as text, casefolded) is not split into words."""
        if len(self.by_start) > FEW_STARTS:
            return True
        folded = front.casefold()
        return any(first in folded and second in folded for first, second in self.by_start)

    def shown_by(self, front: str, memo: Memo, shown: set[int]) -> None:
        """Add to ``shown`` each card (by its place) an answer of which ``front`` shows."""
        if self.by_number:
            quantities = front_quantities(front, memo)
            for number in quantities & self.by_number.keys():
                shown.update(other for other, needed in self.by_number[number] if needed <= quantities)
        if self.by_start and self._may_show_a_phrase(front):
            words = words_of(front, memo)
            starts = self.by_start.keys() & zip(words, words[1:], strict=False)
            for at in range(len(words) - 1) if starts else ():
                if (words[at], words[at + 1]) in starts:
                    self.by_start[words[at], words[at + 1]].collect(words, at + 2, shown)


class _Node:
    """Phrases that go on as the words to here do: the cards whose answer ends here, and the words next
    (made from ``later``, each phrase with how many of its words lead here, when a front first gets here)."""

    __slots__ = ("later", "next", "owners")

    def __init__(self) -> None:
        self.later: list[tuple[tuple[str, ...], int, int]] = []  # phrase, words matched, card
        self.next: dict[str, _Node] = {}
        self.owners: list[int] = []

    def collect(self, words: tuple[str, ...], at: int, found: set[int]) -> None:
        """Add to ``found`` the owners of every phrase that ``words`` go on with from ``at``."""
        node: _Node | None = self
        while node is not None:
            if node.later:
                node._grow()
            found.update(node.owners)
            node = node.next.get(words[at]) if at < len(words) and node.next else None
            at += 1

    def _grow(self) -> None:
        for phrase, matched, owner in self.later:
            if matched == len(phrase):
                self.owners.append(owner)
            else:
                self.next.setdefault(phrase[matched], _Node()).later.append((phrase, matched + 1, owner))
        self.later = []


def words_of(text: str, memo: Memo = NO_MEMO) -> tuple[str, ...]:
    """A card text's words (:func:`card_words`), once per run for each text: a front's for the index, and the
    same for the deck's subject (:func:`_subject`)."""
    return memo.get_or_compute("words", text, lambda: card_words(text))


def front_quantities(front: str, memo: Memo = NO_MEMO) -> set[str]:
    """A front's quantities (:func:`grounding.quantities`), once per run for each front text."""
    return memo.get_or_compute("front quantities", front, lambda: grounding.quantities(front))


def _message(card: Card, key: str, other: Card, answer: str) -> str:
    shown = repr(" ".join(answer.split()))
    if key == of(card.kind).front_key:
        return (f"card '{card.id}': its front shows {shown}, which card '{other.id}' asks for (on the same source "
                "sentence), so one card gives the other away; reword this front, or merge the two cards")
    return (f"card '{card.id}': its answer, which 'reverse: true' shows as a front too, shows {shown}, which "
            f"card '{other.id}' asks for (on the same source sentence), so one card gives the other away; reword "
            "this answer, remove 'reverse: true', or merge the two cards")


def _subject(deck: Deck, memo: Memo = NO_MEMO) -> frozenset[str]:
    """The words of the deck's subject (see :func:`front_gives_away`)."""
    named = set(_WORDS.findall(" ".join([deck.name, *(s.title for s in deck.sources)]).casefold()))
    counts: dict[str, int] = {}
    cards = 0
    for card in deck.cards():
        cards += 1
        for word in set().union(*(words_of(text, memo) for text in of(card.kind).content(card))):
            counts[word] = counts.get(word, 0) + 1
    if cards >= SUBJECT_MIN_CARDS:
        named.update(word for word, count in counts.items() if count > SUBJECT_SHARE * cards)
    return frozenset(named)


class _Sides(NamedTuple):
    """A card's fronts and answers, prepared once for comparing with other cards: the answers split at once
    (an index is made of them), the fronts when an answer on their sentence needs it (:func:`_pairs`)."""

    card: Card
    fronts: list[str]  # the text of each front
    numbers: list[set[str]]  # each answer's quantities (answers that have some)
    phrases: list[tuple[str, ...]]  # each answer without quantities, of two words or more, as words

    @classmethod
    def of(cls, card: Card, memo: Memo) -> _Sides:
        key = (card.kind, card.front, card.back, card.text)  # all that decides them
        return cls(card, *memo.get_or_compute("sides", key, lambda: _prepare(card)))

    def shows_answer_of(self, other: _Sides, memo: Memo = NO_MEMO) -> bool:
        """Does a front of this card show an answer of ``other``: all of its quantities, or (an answer
        without any, of two words or more) all of its words in order?"""
        return any(needed <= front_quantities(front, memo) for front in self.fronts for needed in other.numbers) \
            or any(_has(words_of(front, memo), phrase) for front in self.fronts for phrase in other.phrases)

    def shown_answers(self, other: _Sides, memo: Memo) -> Iterator[tuple[str, str, frozenset[str] | None]]:
        """Each answer of ``other`` a front of this card shows, as written, with that front's key, and, for an
        answer shown by its words, those of them that count (not hedges or function words)."""
        spec = of(self.card.kind)
        with_numbers, as_phrases = _split_answers(other.card)
        for at, front in enumerate(self.fronts):
            key = _front_key(spec, at)
            quantities = front_quantities(front, memo) if other.numbers else set()
            yield from ((key, answer, None) for answer, needed in with_numbers if needed <= quantities)
            words = words_of(front, memo) if other.phrases else ()
            yield from ((key, answer, frozenset(phrase) - _UNCOUNTED) for answer, phrase in as_phrases
                        if _has(words, phrase))


def _has(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Are ``phrase``'s words in ``words``, in order and next to each other?"""
    size = len(phrase)
    return any(words[at:at + size] == phrase for at in range(len(words) - size + 1) if words[at] == phrase[0])


def _prepare(card: Card) -> tuple[list[str], list[set[str]], list[tuple[str, ...]]]:
    with_numbers, as_phrases = _split_answers(card)
    return of(card.kind).fronts(card), [needed for _, needed in with_numbers], [words for _, words in as_phrases]


def _split_answers(card: Card) -> tuple[list[tuple[str, set[str]]], list[tuple[str, tuple[str, ...]]]]:
    """The card's answers that have quantities, with them, and those without any, of two words or more, with
    their words (the others cannot be shown)."""
    with_numbers: list[tuple[str, set[str]]] = []
    as_phrases: list[tuple[str, tuple[str, ...]]] = []
    for answer in of(card.kind).answers(card):
        quantities = grounding.quantities(answer)
        if quantities:
            with_numbers.append((answer, quantities))
        elif len(words := card_words(answer)) >= 2:
            as_phrases.append((answer, words))
    return with_numbers, as_phrases


def _front_key(spec: KindSpec, at: int) -> str:
    """The key of a card's front number ``at``: a kind that asks its answer side shows the question, then the
    answer (:mod:`rcc_cards.kinds`); every other front is written under the kind's front key."""
    return spec.answer_key if spec.asks_answer_side and at > 0 else spec.front_key
