"""Decks -> an Anki package (.apkg) in memory. The only module that imports ``genanki``.

Identity is derived, never random and never from the text: the deck id from the deck key, each note's
GUID from the deck key plus the card id. Fixing a typo therefore updates the learner's note in place.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sqlite3
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import genanki

from rcc_cards import render
from rcc_cards.model import Card, Deck
from rcc_cards.summary import note_tags
from rcc_cards.templates import CSS, NOTE_TYPES, NoteType

GUID_NAMESPACE = "rcc-cards"
# Fixed zip entry time: packages built from the same input are the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DeckBuild:
    """One deck and the cards of it that go into the package (all of them, or a ``--tag`` subset)."""

    deck: Deck
    cards: Sequence[Card]


def deck_id(deck_key: str) -> int:
    """A stable Anki deck id from the deck key, in the range genanki recommends."""
    digest = hashlib.sha256(f"{GUID_NAMESPACE} deck {deck_key}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def note_guid(deck_key: str, card_id: str) -> str:
    """The note's GUID: deck key + card id, nothing else."""
    return str(genanki.guid_for(GUID_NAMESPACE, deck_key, card_id))


def _model(note_type: NoteType) -> genanki.Model:
    return genanki.Model(
        note_type.id,
        note_type.name,
        fields=[{"name": f.name, "id": f.id} for f in note_type.fields],
        templates=[{"name": t.name, "id": t.id, "qfmt": t.front, "afmt": t.back} for t in note_type.templates],
        css=CSS,
        model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
    )


_MODELS = {kind: _model(note_type) for kind, note_type in NOTE_TYPES.items()}


def _genanki_deck(build: DeckBuild) -> genanki.Deck:
    deck = build.deck
    out = genanki.Deck(deck_id(deck.key), deck.name, render.description_html(deck))
    for position, card in enumerate(build.cards):
        out.add_note(genanki.Note(
            model=_MODELS[card.kind],
            fields=render.note_fields(deck, card),
            tags=note_tags(deck, card),
            guid=note_guid(deck.key, card.id),
            due=position,
        ))
    return out


def collection_bytes(builds: Sequence[DeckBuild], timestamp: int) -> bytes:
    """The package's SQLite collection, built in memory."""
    conn = sqlite3.connect(":memory:")
    try:
        package = genanki.Package([_genanki_deck(b) for b in builds])
        ids = itertools.count(timestamp * 1000)
        package.write_to_db(conn.cursor(), timestamp, ids)
        conn.commit()
        return conn.serialize()
    finally:
        conn.close()


def package_bytes(builds: Sequence[DeckBuild], timestamp: int) -> bytes:
    """A complete .apkg: the collection plus an empty media map, deflated, with fixed entry dates."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in (("collection.anki2", collection_bytes(builds, timestamp)),
                           ("media", json.dumps({}).encode())):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()
