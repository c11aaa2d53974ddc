"""Counts that describe a build: notes, cards and tags, and the tag tree. No genanki needed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from rcc_cards import tags
from rcc_cards.kinds import card_count
from rcc_cards.model import Card, Deck
from rcc_cards.tags import note_tags


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


def background_cards(decks: Iterable[Deck]) -> int:
    """How many cards are background knowledge (``unsourced``) rather than quoted from a source."""
    return sum(1 for deck in decks for card in deck.cards() if card.unsourced)


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
