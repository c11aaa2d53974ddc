"""Card-quality rules (the minimum-information principle): short answers, no lists of more than three
items, no citation brackets or page boilerplate in card text, clozes numbered c1, c2, … without gaps."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rcc_cards import cloze
from rcc_cards.grounding import SourceText
from rcc_cards.kinds import KindSpec
from rcc_cards.model import Card
from rcc_cards.rules.base import NO_HITS, Hit, card_rule

MAX_ANSWER_WORDS = 20
MAX_LIST_ITEMS = 3
# Bounded repeats (a citation is short): an unclosed '[' must not make every later '[' rescan the text.
# (Patterns as text: compiled, and cached by re, only for the cards that need them, not at every start.)
_CITATION = r"(?i)\[(?:\d{1,6}(?:[ ]?[,\u2013-][ ]?\d{1,6}){0,50}|Level of evidence[^\]\n]{0,200})\]"
# Navigation text of web pages that sources are copied from; it is never card material.
BOILERPLATE = ("skip to content", "font size", "today on webmd", "health center", "click here",
               "advertisement", "read more")
_LIST_SPLIT = r"(?i)[,;\n]|\band\b|\bor\b"  # no '\s*' around: a long run of spaces
# would be rescanned from each of its positions; the items are stripped instead


@card_rule("answer-too-long", "warning")
def answer_too_long(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """An answer has at most 20 words.

    Fails: an answer of more than 20 words
    Passes: 20 words or fewer
    """
    return [(card.loc_of(spec.answer_key), f"card '{card.id}': the answer has {words} words (at most "
                                           f"{MAX_ANSWER_WORDS}); split the fact into several cards")
            for words in map(len, map(str.split, spec.answers(card))) if words > MAX_ANSWER_WORDS]


def _separators_at_most(answer: str) -> int:
    """An upper bound of the separators :data:`_LIST_SPLIT` finds (so of the items, minus one)."""
    lowered = answer.lower()
    return (answer.count(",") + answer.count(";") + answer.count("\n") + lowered.count("and")
            + lowered.count("or"))


@card_rule("answer-is-a-list", "warning")
def answer_is_a_list(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """An answer lists at most 3 items.

    Fails: `a: nonbulky, pulmonary, soft tissue and no weight loss` (more than 3 items)
    Passes: one card per item, or at most 3
    """
    hits: list[Hit] = []
    for answer in spec.answers(card):
        if _separators_at_most(answer) < MAX_LIST_ITEMS:
            continue  # at most MAX_LIST_ITEMS items, without splitting (most answers)
        items = [i for i in re.split(_LIST_SPLIT, answer) if i.strip()]
        if len(items) > MAX_LIST_ITEMS:
            hits.append((card.loc_of(spec.answer_key), f"card '{card.id}': the answer lists {len(items)} items "
                                                       f"(at most {MAX_LIST_ITEMS}); make one card per item, "
                                                       "or an ordered cloze"))
    return hits


def _texts(card: Card) -> tuple[tuple[str, str], ...]:
    return (("q", card.front), ("a", card.back), ("cloze", card.text), ("extra", card.extra),
            ("context", card.context))


@card_rule("citation-in-text", "warning")
def citation_in_text(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """Reference numbers go in `refs`, not in the text a learner reads.

    Fails: `a: approximately 15% [11]` or `[Level of evidence: 1iiA]` in q/a/cloze/extra/context
    Passes: put numbers in `refs: ["11"]`
    """
    if "[" not in card.front and "[" not in card.back and "[" not in card.text and "[" not in card.extra \
            and "[" not in card.context:
        return NO_HITS  # most cards: a citation needs a '['
    return [(card.loc_of(key), f"card '{card.id}': '{key}' contains the citation {found.group()!r}; put reference "
                               "numbers in 'refs' and keep card text clean")
            for key, text in _texts(card) if (found := re.search(_CITATION, text))]


@card_rule("boilerplate-in-text", "warning")
def boilerplate_in_text(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """Page navigation text is never card material.

    Fails: page navigation text such as *Today on WebMD*, *Skip to content*
    Passes: source sentences only
    """
    # One look at all the card's text together (a phrase cannot span the NUL between texts) instead of one
    # per text: most cards have none.
    together = "\0".join([card.front, card.back, card.text, card.extra, card.context]).casefold()
    for phrase in BOILERPLATE:
        if phrase in together:
            break
    else:
        return NO_HITS
    return [(card.loc_of(key), f"card '{card.id}': '{key}' contains page boilerplate ({phrase!r}); it is "
                               "navigation text, not source material")
            for key, text in _texts(card) for phrase in BOILERPLATE if phrase in text.casefold()]


@card_rule("cloze-numbering", "warning", applies=lambda spec: spec.answer_key == "cloze")
def cloze_numbering(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """Cloze numbers run c1, c2, … without gaps.

    Fails: `{{c1::…}} … {{c3::…}}` or a lone `{{c2::…}}`
    Passes: `{{c1::…}} … {{c2::…}}`
    """
    numbers = cloze.numbers(cloze.parse(card.text)[0])
    if numbers == list(range(1, len(numbers) + 1)):
        return NO_HITS
    shown = ", ".join(f"c{n}" for n in numbers)
    return [(card.loc_of("cloze"), f"card '{card.id}': cloze numbers {shown} should run c1, c2, … without gaps; "
                                   "renumber them")]
