"""Identity rules: a note's identity is its deck key plus its card id, so both must be unique."""

from __future__ import annotations

from collections.abc import Sequence

from rcc_cards.model import Card, Deck, Loc
from rcc_cards.rules.base import Hit, decks_rule


@decks_rule("duplicate-card-id", "error", "decks", fixed=True)
def duplicate_card_id(decks: Sequence[Deck]) -> Sequence[Hit]:
    """Card ids are unique across every file built together: the id is the note's identity.

    Fails: two cards with `id: il2-dose` (in one file or in two decks built together)
    Passes: `id: il2-dose` and `id: il2-dose-range`
    """
    first: dict[str, Card] = {}
    hits: list[Hit] = []
    for deck in decks:
        for card in deck.cards():
            other = first.setdefault(card.id, card)
            if other is not card:
                where = other.loc_of("id")
                hits.append((card.loc_of("id"), f"duplicate card id '{card.id}'; first used at "
                                                f"{where.path}:{where.line}. Card ids must be unique across "
                                                "all decks built together: rename this one"))
    return hits


@decks_rule("duplicate-deck-key", "error", "decks", fixed=True)
def duplicate_deck_key(decks: Sequence[Deck]) -> Sequence[Hit]:
    """Each deck file has its own key: two files with one key would write one package and share note GUIDs.

    Fails: `key: rcc` in two deck files
    Passes: `key: rcc` and `key: rcc_adjuvant`
    """
    first: dict[str, Loc] = {}
    hits: list[Hit] = []
    for deck in decks:
        if deck.key in first:
            other = first[deck.key]
            hits.append((deck.loc, f"deck key '{deck.key}' is already used by {other.path}:{other.line}; "
                                   "each deck file needs its own key (it namespaces note GUIDs)"))
        else:
            first[deck.key] = deck.loc
    return hits
