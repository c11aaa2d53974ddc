"""Counts that describe a build: notes, cards and tags, and the tag tree. No genanki needed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from rcc_cards import cloze, tags
from rcc_cards.model import Card, Deck, Kind


def card_count(card: Card) -> int:
    """How many Anki cards the note generates."""
    if card.kind is Kind.CLOZE:
        deletions, _ = cloze.parse(card.text)
        return len(cloze.numbers(deletions))
    return 2 if card.kind is Kind.REVERSE else 1


def note_tags(deck: Deck, card: Card) -> list[str]:
    """The note's tags: its section tag path first, then its topic tags."""
    return [tags.section_tag(deck.key, card.section_path), *card.tags]


class Counts(NamedTuple):
    notes: int
    cards: int
    tags: int

    def __str__(self) -> str:
        return f"{self.notes} notes, {self.cards} cards, {self.tags} tags"


def counts(selection: Iterable[tuple[Deck, Iterable[Card]]]) -> Counts:
    notes = cards = 0
    seen: set[str] = set()
    for deck, deck_cards in selection:
        for card in deck_cards:
            notes += 1
            cards += card_count(card)
            seen.update(note_tags(deck, card))
    return Counts(notes, cards, len({t.casefold() for t in seen}))  # Anki compares tags case-insensitively


def tag_tree(selection: Iterable[tuple[Deck, Iterable[Card]]]) -> list[tuple[str, int]]:
    """Every tag and every ancestor of one, with the number of notes at or below it, sorted."""
    under: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for deck, deck_cards in selection:
        for card in deck_cards:
            reached = set()
            for tag in note_tags(deck, card):
                for level in tags.with_ancestors(tag):
                    shown.setdefault(level.casefold(), level)
                    reached.add(level.casefold())
            under.update(reached)
    return sorted(((shown[k], n) for k, n in under.items()), key=lambda item: item[0].casefold().split("::"))
