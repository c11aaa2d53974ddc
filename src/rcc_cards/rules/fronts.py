"""No two cards ask the same thing: a learner could not tell which answer is wanted."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rcc_cards import kinds
from rcc_cards.memo import NO_MEMO, Memo, Same
from rcc_cards.model import Card, Deck
from rcc_cards.rules.base import Hit, decks_rule


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def fronts(card: Card, memo: Memo = NO_MEMO) -> list[str]:
    """What each of the note's cards shows on its front, normalized for comparison (remembered by the text
    that decides them, in the run's memo)."""
    return memo.get_or_compute("fronts", (card.kind, card.front, card.back, card.text),
                               lambda: [_key(front) for front in kinds.of(card.kind).fronts(card)])


@decks_rule("duplicate-front", "error", "clean", fixed=True)
def duplicate_front(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """Two cards must not show the same front (ignoring case and spacing; for clozes, what each card shows).

    Fails: two cards whose fronts read the same (ignoring case and spacing; for clozes, what each card shows,
      hints included)
    Passes: fronts that differ
    """
    seen: dict[str, Card] = {}  # each front's first card, over the decks so far
    hits: list[Hit] = []
    for deck in decks:
        firsts, later = memo.get_or_compute("deck fronts", Same(deck), functools.partial(_deck_fronts, deck, memo))
        common = firsts.keys() & seen.keys()
        hits += [_hit(firsts[front], seen[front]) for front in common]
        hits += [_hit(card, seen.get(front) or firsts[front]) for front, card in later]
        kept = {front: seen[front] for front in common}
        seen.update(firsts)
        seen.update(kept)  # a front's first card is the first of all the decks
    return hits


def _deck_fronts(deck: Deck, memo: Memo) -> tuple[dict[str, Card], list[tuple[str, Card]]]:
    """One deck's fronts: each one's first card, and each later card showing one, in file order (so a watch
    cycle compares only the decks' fronts, not every card again; problems are sorted afterwards)."""
    firsts: dict[str, Card] = {}
    later: list[tuple[str, Card]] = []
    for card in deck.cards():
        if card.to_write and deck.drafts_for:
            continue  # a draft skeleton has no front yet ('draft-pending' says so)
        keys = fronts(card, memo)
        for front in (keys if len(keys) == 1 else dict.fromkeys(keys)):
            if firsts.setdefault(front, card) is not card:
                later.append((front, card))
    return firsts, later


def _hit(card: Card, other: Card) -> Hit:
    return (card.loc_of(kinds.of(card.kind).front_key),
            f"card '{card.id}' asks the same thing as card '{other.id}' ({other.loc.path}:{other.loc.line}); a "
            "learner cannot tell which answer is wanted. Make the fronts differ")
