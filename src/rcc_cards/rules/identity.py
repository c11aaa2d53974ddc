"""Identity rules: a note's identity is its deck key plus its card id, so both must be unique."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from rcc_cards import lockfile, render
from rcc_cards.lockfile import Lock
from rcc_cards.memo import NO_MEMO, Memo, Same
from rcc_cards.model import Card, Deck, Loc
from rcc_cards.rules.base import NO_HITS, Hit, decks_rule


@decks_rule("duplicate-card-id", "error", "decks", fixed=True)
def duplicate_card_id(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """Card ids are unique across every file built together: the id is the note's identity.

    Fails: two cards with `id: il2-dose` (in one file or in two decks built together)
    Passes: `id: il2-dose` and `id: il2-dose-range`
    """
    first: dict[str, tuple[Deck, Card]] = {}  # each id's first card (and its deck), over the decks so far
    studied = _Studied()
    hits: list[Hit] = []
    for deck in sorted(decks, key=lambda d: bool(d.drafts_for)):  # a draft is the one to rename, never a card
        firsts, later = memo.get_or_compute("deck ids", Same(deck), functools.partial(_deck_ids, deck))
        common = firsts.keys() & first.keys()
        pairs = [(firsts[card_id][1], first[card_id]) for card_id in common]
        pairs += [(card, first.get(card_id, firsts[card_id])) for card_id, card in later]
        for card, (other_deck, other) in pairs:
            if studied(deck, card) and not studied(other_deck, other):
                # the later card is the one learners already have: the earlier one is new, rename that
                hits.append(_rename(other, card, studied.lock_name(deck)))
            else:
                hits.append(_rename(card, other, studied.lock_name(other_deck) if studied(other_deck, other) else ""))
        kept = {card_id: first[card_id] for card_id in common}
        first.update(firsts)
        first.update(kept)  # an id's first card is the first of all the decks
    return hits


def _deck_ids(deck: Deck) -> tuple[dict[str, tuple[Deck, Card]], list[tuple[str, Card]]]:
    """One deck's card ids: each one's first card (with the deck), and each later card with one, in file order
    (so a watch cycle compares the decks' ids, not every card again; problems are sorted afterwards)."""
    firsts: dict[str, tuple[Deck, Card]] = {}
    later: list[tuple[str, Card]] = []
    for card in deck.cards():
        if firsts.setdefault(card.id, (deck, card))[1] is not card:
            later.append((card.id, card))
    return firsts, later


def _rename(new: Card, kept: Card, kept_lock: str) -> Hit:
    where = kept.loc_of("id")
    if kept_lock:
        why = (f"the card at {where.path}:{where.line} has it and is in {kept_lock}, so learners already study "
               "it. Rename this card, which is new (renaming the other would give every learner a duplicate "
               "and lose its review history)")
    else:
        why = (f"first used at {where.path}:{where.line}. Card ids must be unique across all decks built "
               "together: rename this one")
    return new.loc_of("id"), f"duplicate card id '{new.id}'; {why}"


class _Studied:
    """Is a card the one its deck's lock file records (so learners already study it)? Of two cards with
    one id in one deck, only the one whose content matches the lock's entry; read each lock once."""

    def __init__(self) -> None:
        self.locks: dict[int, Lock | None] = {}

    @staticmethod
    def lock_name(deck: Deck) -> str:
        return lockfile.lock_name(deck)

    def __call__(self, deck: Deck, card: Card) -> bool:
        if id(deck) not in self.locks:
            self.locks[id(deck)], _, _ = lockfile.find_lock(deck, set())
        lock = self.locks[id(deck)]
        entry = lock.cards.get(card.id) if lock is not None and lock.deck == deck.key else None
        if entry is None:
            return False
        twins = sum(1 for c in deck.cards() if c.id == card.id)
        return twins == 1 or lockfile.content_hash(deck, card, render.note_fields(deck, card)) == entry.hash


@decks_rule("duplicate-guid", "error", "decks", fixed=True)
def duplicate_guid(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """A card's `guid:` (kept by `rcc-cards import`) is unique across every file built together, and is no
    other card's GUID: Anki matches notes by GUID, so two notes with one would overwrite each other.

    Fails: `guid: "c;bJ1z]Yt("` on two cards, or on a card while another card's GUID (from its deck key and
      id) is the same
    Passes: each imported card with its own note's GUID
    """
    given = [(deck, card) for deck in decks if not deck.drafts_for
             for card in memo.get_or_compute("deck guids", Same(deck), functools.partial(_with_guid, deck))]
    if not given:
        return NO_HITS  # most decks: every GUID is derived from a unique deck key and card id
    from rcc_cards.compiler import note_guid  # only for decks with a guid: compiler loads genanki

    first: dict[str, Card] = {card.guid: card for _, card in reversed(given)}
    hits: list[Hit] = []
    for _, card in given:
        other = first[card.guid]
        if other is not card:
            where = other.loc_of("guid")
            hits.append((card.loc_of("guid"), f"card '{card.id}': guid {card.guid!r} is also the guid of card "
                                              f"'{other.id}' at {where.path}:{where.line}; each note needs its own. "
                                              "Keep it on the card learners study, and remove it from the other"))
    derived = {note_guid(deck.key, card.id): card for deck in decks for card in deck.cards() if not card.guid}
    for _, card in given:
        if card.guid in derived:
            other = derived[card.guid]
            hits.append((card.loc_of("guid"), f"card '{card.id}': guid {card.guid!r} is the GUID of card "
                                              f"'{other.id}' at {other.loc.path}:{other.loc.line} (from its deck "
                                              "key and id): both would be one note in Anki. Import the deck "
                                              "only once; remove one of the two cards"))
    return hits


def _with_guid(deck: Deck) -> list[Card]:
    """The deck's cards with a guid of their own (an imported deck's), once per deck object."""
    return [card for card in deck.cards() if card.guid]


@decks_rule("deck-key-changed", "error", "decks", fixed=True)
def key_changed(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """A deck's key is part of every note's identity: a changed key would give learners every card again.

    Fails: `key: rcc2` in the file whose lock file `rcc.lock.json` records deck `rcc` and its card ids
    Passes: `key: rcc`, or a new deck whose ids are not in another deck's lock file
    """
    unlocked = [deck for deck in decks if deck.built and not _has_lock(deck)]
    if not unlocked:
        return NO_HITS
    keys = {deck.key for deck in decks}
    changes = [lockfile.key_change(deck, keys) for deck in unlocked]
    return [(deck.key_loc, change.message) for deck, change in zip(unlocked, changes, strict=True) if change]


def _has_lock(deck: Deck) -> bool:
    """Whether the lock named by the key is beside the deck."""
    return (deck.file.parent / (deck.key + lockfile.LOCK_SUFFIX)).is_file()


@decks_rule("duplicate-deck-key", "error", "decks", fixed=True)
def duplicate_deck_key(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
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
