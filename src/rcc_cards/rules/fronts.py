"""No two cards ask the same thing: a learner could not tell which answer is wanted."""

from __future__ import annotations

from collections.abc import Sequence

from rcc_cards import kinds
from rcc_cards.memo import NO_MEMO, Memo
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
    seen: dict[str, Card] = {}
    hits: list[Hit] = []
    for deck in decks:
        for card in deck.cards():
            if card.to_write and deck.drafts_for:
                continue  # a draft skeleton has no front yet ('draft-pending' says so)
            keys = fronts(card, memo)
            for front in (keys if len(keys) == 1 else dict.fromkeys(keys)):
                other = seen.setdefault(front, card)
                if other is not card:
                    hits.append((card.loc_of(kinds.of(card.kind).front_key),
                                 f"card '{card.id}' asks the same thing as card '{other.id}' "
                                 f"({other.loc.path}:{other.loc.line}); a learner cannot tell which answer is "
                                 "wanted. Make the fronts differ"))
    return hits
