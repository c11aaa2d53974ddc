"""What each card kind means, in one place.

For every :class:`~rcc_cards.model.Kind`: which keys make a card of that kind, its Anki note type, the
cards its note generates and their order, what each card shows on its front, what the learner must
recall, and which key holds the question and the answer (where problems point). Every other module asks
here (:func:`of`) instead of branching on the kind, so a new kind is added by adding one entry below; a
kind without an entry raises :class:`UnknownKind` instead of silently being treated as another.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Sequence
from typing import NamedTuple

from rcc_cards import cloze, templates
from rcc_cards.model import Card, Deck, Kind
from rcc_cards.templates import NoteType, Template


class UnknownKind(LookupError):
    """A card kind with no entry here: a bug in rcc-cards, never a problem of the input."""


class KindSpec(NamedTuple):
    kind: Kind
    note_type: NoteType
    front_key: str  # the deck key whose value the learner reads first (problems about fronts point here)
    answer_key: str  # the deck key holding what the learner recalls (problems about answers point here)
    sides: Callable[[Card], list[tuple[Template, int]]]  # each generated card: its template, 0-based ordinal
    ords: Callable[[Card], Sequence[int]]  # the same cards' ordinals alone (asked for every card of a build)
    answers: Callable[[Card], list[str]]  # what the learner must recall, per side or deletion
    fronts: Callable[[Card], list[str]]  # the plain text each generated card shows first
    content: Callable[[Card], list[str]]  # the note's own text fields, before the shared ones (templates)
    asks_answer_side: bool = False  # the answer is also shown as a front, to recall the question from


def _qa_sides(card: Card) -> list[tuple[Template, int]]:
    return [(template, i) for i, template in enumerate(of(card.kind).note_type.templates)]


def _cloze_sides(card: Card) -> list[tuple[Template, int]]:
    template = of(card.kind).note_type.templates[0]
    deletions, _ = cloze.parse(card.text)
    return [(template, n - 1) for n in cloze.numbers(deletions)]


def _cloze_ords(card: Card) -> list[int]:
    deletions, _ = cloze.parse(card.text)
    return [n - 1 for n in cloze.numbers(deletions)]


def _cloze_answers(card: Card) -> list[str]:
    deletions, _ = cloze.parse(card.text)
    return [d.answer for d in deletions]


def cloze_front(text: str, number: int) -> str:
    """The question side of cloze card ``number``, as plain text: its deletions hidden, the others shown."""

    def shown(other: int, answer: str, hint: str) -> str:
        return answer if other != number else f"[{hint or '…'}]"

    return cloze.substitute(text, shown)


def _cloze_fronts(card: Card) -> list[str]:
    deletions, _ = cloze.parse(card.text)
    return [cloze_front(card.text, n) for n in cloze.numbers(deletions)]


_SPECS: dict[Kind, KindSpec] = {
    Kind.BASIC: KindSpec(
        Kind.BASIC, templates.BASIC, "q", "a", _qa_sides, lambda card: (0,),
        answers=lambda card: [card.back], fronts=lambda card: [card.front],
        content=lambda card: [card.front, card.back]),
    Kind.REVERSE: KindSpec(
        Kind.REVERSE, templates.REVERSE, "q", "a", _qa_sides, lambda card: (0, 1),
        answers=lambda card: [card.front, card.back], fronts=lambda card: [card.front, card.back],
        content=lambda card: [card.front, card.back], asks_answer_side=True),
    Kind.CLOZE: KindSpec(
        Kind.CLOZE, templates.CLOZE, "cloze", "cloze", _cloze_sides, _cloze_ords,
        answers=_cloze_answers, fronts=_cloze_fronts, content=lambda card: [card.text]),
}


def of(kind: Kind) -> KindSpec:
    """The meaning of ``kind``; :class:`UnknownKind` for a kind this module does not define."""
    try:
        return _SPECS[kind]
    except KeyError:
        raise UnknownKind(f"card kind {kind!r} has no entry in rcc_cards.kinds; define its note type, cards, "
                          "fronts and answers there") from None


def all_kinds() -> list[KindSpec]:
    """Every defined kind, in a fixed order (the order of :class:`~rcc_cards.model.Kind`)."""
    return [of(kind) for kind in Kind]


def card_count(card: Card) -> int:
    """How many Anki cards the note generates."""
    return len(of(card.kind).ords(card))


def card_ords(card: Card) -> Sequence[int]:
    """The template ordinals of the note's cards, as Anki numbers them."""
    return of(card.kind).ords(card)


# 'reverse: true' adds the answer -> question card to a question/answer card.
REVERSE_FLAGS = {"true": Kind.REVERSE, "false": Kind.BASIC}


class KindError(NamedTuple):
    """Why a card's keys make no kind; ``key`` is the key to point at ("" for the card itself)."""

    key: str
    message: str


def classify(keys: Collection[str], reverse: str | None) -> Kind | KindError:
    """The kind of a card with these keys (``reverse`` is its 'reverse' text, if any), or why it has none."""
    if "cloze" in keys:
        clash = [k for k in ("q", "a", "reverse") if k in keys]
        if clash:
            return KindError(clash[0], f"a cloze card cannot also have '{clash[0]}'; use either 'cloze' or "
                                       "'q' and 'a'")
        return Kind.CLOZE
    if "q" not in keys and "a" not in keys:
        return KindError("", "card has no text: write 'q' (question) and 'a' (answer), or 'cloze' (text with "
                             "{{c1::deletions}})")
    if "a" not in keys:
        return KindError("", "question/answer card is missing its answer 'a'")
    if "q" not in keys:
        return KindError("", "question/answer card is missing its question 'q'")
    if reverse is None:
        return Kind.BASIC
    kind = REVERSE_FLAGS.get(reverse)
    if kind is None:
        return KindError("reverse", f"'reverse' must be true or false; found {reverse!r}")
    return kind


def note_type(deck: Deck, card: Card) -> NoteType:
    """The note type ``card`` is written with: the adopted one it names (``note_type:``, kept from Anki by
    ``rcc-cards import``; the loader checks the name), else its kind's (with the deck's ``personal_field``,
    :func:`rcc_cards.templates.with_personal`)."""
    if card.note_type:
        for adopted in deck.note_types:
            if adopted.name == card.note_type:
                return adopted
    if deck.personal_field:
        return _personal(of(card.kind).note_type, deck.personal_field)
    return of(card.kind).note_type


def deck_note_types(deck: Deck) -> tuple[NoteType, ...]:
    """Every note type a card of ``deck`` may be written with besides the kinds' own: its adopted ones, and
    with a ``personal_field`` the kinds' note types with that field."""
    personal = tuple(_personal(spec.note_type, deck.personal_field) for spec in all_kinds()) \
        if deck.personal_field else ()
    return (*deck.note_types, *personal)


@functools.lru_cache(maxsize=64)  # a pure function of two immutable values, asked for every card
def _personal(base: NoteType, field: str) -> NoteType:
    return templates.with_personal(base, field)
