"""Rules for answers a learner can reach without recalling the fact, as an educator reviewing a deck card by
card finds them (issue 23): an article before a deletion that tells its answer, a comparison whose front
names nothing to compare with, a front that leads to "unknown", and a run of negative answers.

They are warnings: each is a heuristic a real author may overrule (``deck: rules:``), while ``check
--strict`` keeps them out of decks that claim the standard. Each was tuned on the shipped deck, the second
deck under ``tests/`` and decks written from the public-domain passages of ``tests/sources/``: it fires on
none of the cards the review of the shipped deck keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from rcc_cards import cloze
from rcc_cards.grounding import SourceText
from rcc_cards.kinds import KindSpec
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Card, Deck, Kind, Section
from rcc_cards.rules.base import NO_HITS, Hit, card_rule, decks_rule

_WORD = re.compile(r"[\w'’]+")

# -- article-gives-away ------------------------------------------------------------------------------------
# "an" right before a deletion: the answer starts with a vowel sound ("in an {{c1::intermediate}} range"
# against "a low" or "a high"; "an {{c1::8}}%": 8, 11, 18 or 80-something). "a" is not reported: it leaves
# most words and numbers possible (the shipped deck's kept "a {{c1::modest}} impact", "a {{c1::long
# disease-free interval}}").
_ARTICLE = re.compile(r"(?i)(?<![\w-])(an)\s+\{\{c\d+::")


@card_rule("article-gives-away", "warning", applies=lambda spec: spec.answer_key == "cloze")
def article_gives_away(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """The article before a cloze deletion does not tell its answer: "an" promises a vowel sound, often the
    only thing that tells the candidate answers apart ("an" intermediate against "a" low or high). "a" is
    not reported: it leaves most answers possible.

    Fails: `in an {{c1::intermediate}} range` (against "a low" or "a high"), or `an {{c1::8}}% rate`
    Passes: `in the {{c1::intermediate}} range`, `{{c1::an intermediate}} range`, `a {{c1::modest}} impact`
    """
    if not re.search(_ARTICLE, card.text):
        return NO_HITS  # most cards
    deletions = {d.start: d for d in cloze.parse(card.text)[0]}
    hits: list[Hit] = []
    for found in re.finditer(_ARTICLE, card.text):
        deletion = deletions.get(found.start() + found.group().index("{{"))
        if deletion is None:
            continue
        article = found.group(1)
        hits.append((card.loc_of("cloze"), f"card '{card.id}': the article {article!r} before {{{{c{deletion.number}::"
                                           f"{deletion.answer}}}}} tells the learner how its answer starts; write "
                                           "'the', or put the article inside the deletion"))
    return hits


# -- comparator-missing ----------------------------------------------------------------------------------------------
COMPARATIVES = frozenset({
    "higher", "lower", "more", "fewer", "less", "greater", "smaller", "larger", "bigger", "shorter", "longer",
    "better", "worse", "superior", "inferior", "similar", "comparable", "equivalent", "different", "same",
    "increased", "decreased", "reduced", "faster", "slower", "earlier", "later", "stronger", "weaker",
})
# What names the other side of a comparison on a front.
# A controlled or placebo-controlled trial's result is against its control arm.
_COMPARATOR = re.compile(r"(?i)\b(?:than|vs\.?|versus|compared?|comparing|comparison|relative to|unlike|"
                         r"as (?:\w+ ){0,3}as|controlled|placebo)\b")
# After a similarity word, "to"/"with"/"from"/"as" names the other side ("similar … to interferon-alpha").
_LIKENESS = frozenset({"similar", "comparable", "equivalent", "different", "same", "superior", "inferior"})
_LIKENESS_TAIL = re.compile(r"(?i)\b(?:to|with|from|as)\b")


_COMPARATIVE = re.compile(r"(?i)(?<![\w'’])(?:" + "|".join(sorted(COMPARATIVES)) + r")(?![\w'’])")


def _comparative(text: str) -> str:
    """The first comparative word of ``text`` ("" when it has none): one scan, no list of words."""
    found = _COMPARATIVE.search(text)
    return found.group().casefold() if found else ""


def _names_comparator(front: str, word: str, after: str) -> bool:
    """Does a front name the other side of a comparison: anywhere ("than", "vs", "compared with" …), by a
    comparison of its own ("what did the higher dose add?": ``front`` is the text outside deletions), or, for
    a similarity word, by "to"/"with"/"from" in the text after the answer (``after``)?"""
    return bool(_COMPARATOR.search(front)) or bool(_comparative(front)) or \
        (word in _LIKENESS and bool(_LIKENESS_TAIL.search(after)))


def _unanswered_comparisons(card: Card) -> Iterator[tuple[str, str, str]]:
    """(key, answer, comparative word) for each answer of ``card`` that compares while its front names
    nothing to compare with."""
    if card.kind is Kind.CLOZE:
        for deletion in cloze.parse(card.text)[0]:
            word = _comparative(deletion.answer)
            if word:
                front = cloze.substitute(card.text, lambda n, answer, hint: " … ")  # no deletion shown
                after = cloze.substitute(card.text[deletion.start:], lambda n, answer, hint: answer)
                after = after[len(deletion.answer):]
                if not _names_comparator(front, word, after) and not _COMPARATOR.search(deletion.answer):
                    yield "cloze", f"{{{{c{deletion.number}::{deletion.answer}}}}}", word
        return
    word = _comparative(card.back)  # an answer that names its own comparator ("less than 5%") is complete
    if word and not _names_comparator(card.front, word, card.back) and not _COMPARATOR.search(card.back):
        yield "a", repr(card.back), word


@card_rule("comparator-missing", "warning", applies=lambda spec: spec.answer_key in ("a", "cloze"))
def comparator_missing(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """A comparative answer (higher, lower, more, fewer, similar, superior, better, worse, less, greater …)
    has its comparator on the front: said only on the back, two such cards ("similar" to one thing, "higher"
    than another) interfere at recall time.

    Fails: `cloze: high-dose IL-2 is associated with {{c1::higher response rates}}`; `q: How did patients
      with brain metastases fare?` with `a: Similar results`
    Passes: `cloze: compared with lower doses, high-dose IL-2 gives {{c1::higher response rates}}`; `q: How
      does its response rate compare with that of interferon-alpha?` with `a: Similar`; `a {{c1::similar
      overall response rate}} to interferon-alpha`; an answer with its own comparator, `a: Less than 5%`
    """
    if not _comparative(card.back or card.text):
        return NO_HITS  # most cards: no comparative word in any answer
    return [(card.loc_of(key), f"card '{card.id}': the answer {answer} says {word!r}, but its front names nothing "
                               "to compare with; put the comparator on the front ('than …', 'compared with …', "
                               "'vs …'), so the learner knows which comparison is asked")
            for key, answer, word in _unanswered_comparisons(card)]


# -- leading-front ---------------------------------------------------------------------------------------------------
# Answers that say only that nothing is known.
_UNKNOWN_WORDS = frozenset({"unknown", "unclear", "uncertain", "undetermined", "unestablished", "unproven"})
_FILLER = frozenset({"it", "is", "was", "are", "were", "they", "remains", "remain", "still", "as", "yet",
                     "the", "currently", "then", "not", "known", "clear", "certain", "established", "proven",
                     "determined", "been", "has", "have", "had", "its", "their"})
_NOT_KNOWN = re.compile(r"(?i)\b(?:not|never)\s+(?:been\s+)?(?:known|clear|certain|established|determined|proven)\b")
_ASKS_WHAT_IS_KNOWN = re.compile(
    r"(?i)\b(?:what\s+(?:is|was|has\s+been)\s+(?:known|established|shown|clear)|what\s+do(?:es)?\s+(?:we|studies)\s+"
    r"know|is\s+(?:it|\w+)\s+known|how\s+(?:clear|certain|well\s+(?:known|established))|what\s+is\s+the\s+"
    r"(?:status|state\s+of\s+knowledge|evidence))\b")


def _only_not_known(answer: str) -> bool:
    """Does ``answer`` say nothing but that it is not known ("Unknown", "It is unclear", "Not known")?"""
    words = _WORD.findall(answer.casefold())
    if not words:
        return False
    said = [w for w in words if w not in _FILLER]
    return (bool(said) and all(w in _UNKNOWN_WORDS for w in said)) or (not said and bool(_NOT_KNOWN.search(answer)))


@card_rule("leading-front", "warning", applies=lambda spec: spec.answer_key == "a")
def leading_front(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """A question does not lead to "unknown": asked what is known of something, the learner guesses
    "unknown" or "unclear" without recalling anything; asked for a value that the answer says is unknown
    ("What is the optimum dose?" → "Unknown"), the question is a trick.

    Fails: `q: What is known of the survival benefit of outpatient IL-2?` with `a: It is unclear`, or
      `q: What is the optimum dose of IL-2?` with `a: Unknown`
    Passes: a cloze of the sentence that asks what is unclear (`… but {{c1::unclear survival or quality of
      life benefit}}`), or the unknown folded into the card of what is known (`the optimum dose is
      {{c1::unknown}}; high-dose IL-2 gives {{c2::higher response rates}}`)
    """
    if not _only_not_known(card.back):
        return NO_HITS
    why = ("asks what is known and is answered that it is not: the answer can be guessed"
           if _ASKS_WHAT_IS_KNOWN.search(card.front) else
           "asks for something the answer says is not known: a trick question")
    return [(card.loc_of("q"), f"card '{card.id}': the question {why}; ask what the source does state (a cloze of "
                               "the sentence, or fold the unknown into the card of what is known)")]


# -- negative-run ----------------------------------------------------------------------------------------------------
NEGATIVE_RUN = 3  # this many notes answered by a negative ...
NEGATIVE_WINDOW = 4  # ... among this many in a row (one positive answer between does not break the pattern)
_NEGATIONS = frozenset({"no", "not", "never", "none", "nothing", "neither", "nor", "cannot", "without",
                        *_UNKNOWN_WORDS})  # unknown, unclear, unproven, …


def _negative(text: str) -> bool:
    return any(w in _NEGATIONS or w.endswith("n't") for w in _WORD.findall(text.casefold()))


def is_negative(card: Card) -> bool:
    """Is every card of the note answered by a negative? A question's answer counts with its question
    ("What has IL-2 never been shown to do?" asks a negative fact); a cloze card's is its deletion."""
    if card.kind is Kind.CLOZE:
        answers = [d.answer for d in cloze.parse(card.text)[0]]
        return bool(answers) and all(map(_negative, answers))
    return _negative(card.back) or _negative(card.front)


def _runs(cards: Sequence[Card]) -> Iterator[tuple[int, int]]:
    """(start, end) of each stretch of ``cards`` in which every window of :data:`NEGATIVE_WINDOW` cards that
    starts and ends on a negative one holds at least :data:`NEGATIVE_RUN` negatives (stretches merged)."""
    negative = [is_negative(card) for card in cards]
    start = end = -1
    for at in range(len(cards)):
        window = negative[at:at + NEGATIVE_WINDOW]
        if negative[at] and sum(window) >= NEGATIVE_RUN:
            last = at + max(i for i, n in enumerate(window) if n)
            if start >= 0 and at <= end:
                end = max(end, last)
            else:
                if start >= 0:
                    yield start, end
                start, end = at, last
    if start >= 0:
        yield start, end


def _flat(section: Section) -> list[Card]:
    out = list(section.cards)
    for below in section.sections:
        out += _flat(below)
    return out


def _innermost(top: Section, cards: Sequence[Card]) -> Section:
    """The innermost section below (or at) ``top`` that holds every card of ``cards``: the one their section
    paths share (a walk down that path, not a search of the tree)."""
    shared = list(cards[0].section_path)
    for card in cards[1:]:
        while shared and tuple(shared) != card.section_path[:len(shared)]:
            shared.pop()
    section = top
    for key in shared[1:]:
        section = next((s for s in section.sections if s.key == key), section)
    return section


@decks_rule("negative-run", "warning", "clean")
def negative_run(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """Answers in a section are not mostly negatives (never, not, no, unknown, unclear …): after a few,
    learners pick up "the answer is no" and stop recalling. Reported where 3 of any 4 notes in a row (in
    file order, within a top-level section) are answered by a negative, at the section that holds them.

    Fails: four notes in a row answered "not been shown to be superior to …", `Subcutaneous`, `It is unclear`
      and `They have not been better`
    Passes: a contrast or a "which regimen?" card among them, so that no 4 notes in a row hold 3 negatives
    """
    hits: list[Hit] = []
    for deck in decks:
        for top in deck.sections:
            cards = _flat(top)
            for start, end in _runs(cards):
                run = [card for card in cards[start:end + 1] if is_negative(card)]
                section = _innermost(top, run)
                names = ", ".join(f"'{card.id}'" for card in run)
                hits.append((section.loc, f"section '{section.key}': {len(run)} notes close together are answered "
                                          f"by a negative ({names}); learners pick up 'the answer is no'. Ask for "
                                          "what is known, a contrast or 'which …?', or merge the negatives"))
    return hits


RULES = (article_gives_away, comparator_missing, leading_front, negative_run)  # in the registry's order
