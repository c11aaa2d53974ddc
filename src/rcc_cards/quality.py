"""Card-quality rules (the minimum-information principle): short answers, no lists of more than three
items, no citation brackets or page boilerplate, clozes numbered c1, c2, … without gaps, and no two
cards that ask the same thing.
"""

from __future__ import annotations

import re

from rcc_cards import cloze
from rcc_cards.errors import Problem, rule_problem
from rcc_cards.grounding import answers
from rcc_cards.model import Card, Deck, Kind

MAX_ANSWER_WORDS = 20
MAX_LIST_ITEMS = 3
_CITATION = re.compile(r"\[(?:\d+(?:\s*[,\u2013-]\s*\d+)*|Level of evidence[^\]]*)\]", re.IGNORECASE)
# Navigation text of web pages that sources are copied from; it is never card material.
BOILERPLATE = ("skip to content", "font size", "today on webmd", "health center", "click here",
               "advertisement", "read more")
_LIST_SPLIT = re.compile(r"\s*(?:[,;\n]|\band\b|\bor\b)\s*", re.IGNORECASE)


def _answer_key(card: Card) -> str:
    return "cloze" if card.kind is Kind.CLOZE else "a"


def check_answers(card: Card) -> list[Problem]:
    problems = []
    for answer in answers(card):
        words = len(answer.split())
        if words > MAX_ANSWER_WORDS:
            problems.append(rule_problem(
                card.loc_of(_answer_key(card)), f"card '{card.id}': the answer has {words} words (at most "
                f"{MAX_ANSWER_WORDS}); split the fact into several cards",
                "answer-too-long", "warning"))
        if _separators_at_most(answer) < MAX_LIST_ITEMS:
            continue  # at most MAX_LIST_ITEMS items, without splitting (most answers)
        items = [i for i in _LIST_SPLIT.split(answer) if i.strip()]
        if len(items) > MAX_LIST_ITEMS:
            problems.append(rule_problem(
                card.loc_of(_answer_key(card)), f"card '{card.id}': the answer lists {len(items)} items (at "
                f"most {MAX_LIST_ITEMS}); make one card per item, or an ordered cloze",
                "answer-is-a-list", "warning"))
    return problems


def _separators_at_most(answer: str) -> int:
    """An upper bound of the separators :data:`_LIST_SPLIT` finds (so of the items, minus one)."""
    lowered = answer.lower()
    return (answer.count(",") + answer.count(";") + answer.count("\n") + lowered.count("and")
            + lowered.count("or"))


def check_text(card: Card) -> list[Problem]:
    texts = (("q", card.front), ("a", card.back), ("cloze", card.text), ("extra", card.extra),
             ("context", card.context))
    # Most cards have neither a citation nor boilerplate: one look at all their text together (a citation
    # needs a '['; a phrase cannot span the NUL between texts) instead of ten searches.
    together = "\0".join([text for _, text in texts])
    if "[" not in together:
        lowered = together.casefold()
        for phrase in BOILERPLATE:
            if phrase in lowered:
                break
        else:
            return []
    problems = []
    for key, text in texts:
        if not text:
            continue
        citation = _CITATION.search(text)
        if citation:
            problems.append(rule_problem(
                card.loc_of(key), f"card '{card.id}': '{key}' contains the citation "
                f"{citation.group()!r}; put reference numbers in 'refs' and "
                "keep card text clean", "citation-in-text", "warning"))
        lowered = text.casefold()
        for phrase in BOILERPLATE:
            if phrase in lowered:
                problems.append(rule_problem(
                    card.loc_of(key), f"card '{card.id}': '{key}' contains page boilerplate "
                    f"({phrase!r}); it is navigation text, not source "
                    "material", "boilerplate-in-text", "warning"))
    return problems


def check_cloze_numbers(card: Card) -> list[Problem]:
    if card.kind is not Kind.CLOZE:
        return []
    deletions, _ = cloze.parse(card.text)
    numbers = cloze.numbers(deletions)
    if numbers == list(range(1, len(numbers) + 1)):
        return []
    shown = ", ".join(f"c{n}" for n in numbers)
    return [rule_problem(
        card.loc_of("cloze"), f"card '{card.id}': cloze numbers {shown} should run c1, c2, … without "
        "gaps; renumber them", "cloze-numbering", "warning")]


def fronts(card: Card) -> list[str]:
    """What each of the note's cards shows on its front, normalized for comparison."""
    if card.kind is Kind.CLOZE:
        deletions, _ = cloze.parse(card.text)
        return [_key(_cloze_front(card.text, n)) for n in cloze.numbers(deletions)]
    sides = [card.front, card.back] if card.kind is Kind.REVERSE else [card.front]
    return [_key(s) for s in sides]


def _cloze_front(text: str, number: int) -> str:
    """The question side of cloze card ``number``: its deletions hidden, the others shown."""

    def shown(other: int, answer: str, hint: str) -> str:
        return answer if other != number else f"[{hint or '…'}]"

    return cloze.substitute(text, shown)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def check_duplicate_fronts(decks: list[Deck]) -> list[Problem]:
    seen: dict[str, Card] = {}
    problems = []
    for deck in decks:
        for card in deck.cards():
            keys = fronts(card)
            for front in (keys if len(keys) == 1 else dict.fromkeys(keys)):
                other = seen.setdefault(front, card)
                if other is not card:
                    key = "cloze" if card.kind is Kind.CLOZE else "q"
                    problems.append(rule_problem(
                        card.loc_of(key), f"card '{card.id}' asks the same thing as card "
                        f"'{other.id}' ({other.loc.path}:{other.loc.line}); "
                        "a learner cannot tell which answer is wanted. "
                        "Make the fronts differ", "duplicate-front", "error"))
    return problems


def check_card(card: Card) -> list[Problem]:
    return check_answers(card) + check_text(card) + check_cloze_numbers(card)
