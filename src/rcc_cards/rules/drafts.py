"""Draft rules: cards proposed by ``rcc-cards draft`` are reviewed before learners see them."""

from __future__ import annotations

from collections.abc import Sequence

from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Deck
from rcc_cards.rules.base import Hit, decks_rule


@decks_rule("draft-pending", "warning", "decks", fixed=True)
def draft_pending(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """A drafts file is emptied: each draft reviewed and moved into its deck, or deleted. Drafts are never
    built; `check --strict` fails while one remains, so none reaches learners unreviewed.

    Fails: a card left in `decks/rcc.drafts.yaml` (written by `rcc-cards draft`)
    Passes: the card moved into a section of `decks/rcc.yaml`, and the emptied drafts file deleted
    """
    hits: list[Hit] = []
    for deck in decks:
        if not deck.drafts_for:
            continue
        for card in deck.cards():
            if card.to_write:
                hits.append((card.loc_of("q"), f"draft '{card.id}': its question and answer are still to write "
                                                "(from its quote); then move it into deck "
                                                f"'{deck.drafts_for}', or delete it"))
            else:
                hits.append((card.loc, f"draft '{card.id}': review it against its quote, then move it into "
                                       f"deck '{deck.drafts_for}' (keep its id), or delete it"))
    return hits
