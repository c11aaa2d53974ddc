"""Decks -> an Anki package (.apkg) in memory. The only module that imports ``genanki``.

Identity is derived, never random and never from the text: the deck id from the deck key, each note's
GUID from the deck key plus the card id. Fixing a typo therefore updates the learner's note in place.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO, NamedTuple

import genanki

from rcc_cards import kinds, render
from rcc_cards.model import Card, Deck
from rcc_cards.summary import Counts
from rcc_cards.tags import note_tags
from rcc_cards.templates import NoteType

GUID_NAMESPACE = "rcc-cards"
# Fixed zip entry time: packages built from the same input are the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Deflate level 1: at 100,000 cards 0.8 s instead of 2.5 s at the default level 6, for a package 18%
# larger (17.7 MB instead of 15.1 MB). Anki reads every level alike.
COMPRESS_LEVEL = 1


class DeckBuild(NamedTuple):
    """One deck, the cards of it that go into the package (all, or a ``--tag`` subset), and the
    modification time of each note (by card id) and note type (by id): see :mod:`rcc_cards.stamps`."""

    deck: Deck
    cards: Sequence[Card]
    mods: Mapping[str, int]
    type_mods: Mapping[int, int]
    fields: Mapping[str, list[str]] | None = None  # rendered fields by card id, when already computed


def deck_id(deck_key: str) -> int:
    """A stable Anki deck id from the deck key, in the range genanki recommends."""
    digest = hashlib.sha256(f"{GUID_NAMESPACE} deck {deck_key}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


_BASE91 = "".join(genanki.util.BASE91_TABLE)
_BASE91_PAIRS = [a + b for a in _BASE91 for b in _BASE91]  # two base-91 digits per division


def note_guid(deck_key: str, card_id: str) -> str:
    """The note's GUID: deck key + card id, nothing else.

    Exactly ``genanki.guid_for(GUID_NAMESPACE, deck_key, card_id)`` (a test compares them on many ids),
    computed without its per-byte Python loops (under the profiler at 100,000 cards: 1.1 s instead of 2.9 s).
    """
    digest = hashlib.sha256(f"{GUID_NAMESPACE}__{deck_key}__{card_id}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    out = []
    while number >= 8281:
        number, pair = divmod(number, 8281)
        out.append(_BASE91_PAIRS[pair])
    head = _BASE91_PAIRS[number] if number >= 91 else _BASE91[number] if number else ""
    return head + "".join(reversed(out))


def _with_id(entry: dict[str, object], stable_id: int) -> dict[str, object]:
    """A field or template of a note type, with its stable id when it has one (an adopted one may not)."""
    return {**entry, "id": stable_id} if stable_id else entry


def _model(note_type: NoteType) -> genanki.Model:
    return genanki.Model(
        note_type.id,
        note_type.name,
        fields=[_with_id({"name": f.name}, f.id) for f in note_type.fields],
        templates=[_with_id({"name": t.name, "qfmt": t.front, "afmt": t.back}, t.id) for t in note_type.templates],
        css=note_type.style,
        model_type=genanki.Model.CLOZE if note_type.is_cloze else genanki.Model.FRONT_BACK,
    )


def _genanki_deck(build: DeckBuild, models: Mapping[int, genanki.Model]) -> genanki.Deck:
    """The deck and the note types its cards use; the notes themselves are written by :func:`_write_notes`."""
    out = genanki.Deck(deck_id(build.deck.key), build.deck.name, render.description_html(build.deck))
    for type_id in sorted({kinds.note_type(build.deck, card).id for card in build.cards}):
        out.add_model(models[type_id])
    return out


def _write_notes(cursor: sqlite3.Cursor, builds: Sequence[DeckBuild], ids: Iterator[int]) -> Counts:
    """Note and card rows in one ``executemany`` each: the rows genanki's ``Note.write_to_db`` would
    write, with each note's own modification time, at a fraction of its per-note cost. Returns what was
    written, counted from the rows (:func:`rcc_cards.summary.counts`, without walking the cards again)."""
    cards: list[tuple[object, ...]] = []
    seen: set[str] = set()
    notes_written = 0

    def notes() -> Iterator[tuple[object, ...]]:
        # A generator, so the large note rows never sit in memory all at once; the small card rows
        # are collected on the way, with ids from the same counter as genanki would assign them.
        nonlocal notes_written
        for build in builds:
            did, deck, mods, rendered = deck_id(build.deck.key), build.deck, build.mods, build.fields
            for position, card in enumerate(build.cards):
                nid, mod, spec = next(ids), mods[card.id], kinds.of(card.kind)
                fields = rendered[card.id] if rendered else render.note_fields(deck, card)
                note_type = kinds.note_type(deck, card)
                if note_type.adopted:
                    fields = render.adopted_fields(note_type, card, fields)
                elif deck.personal_field:
                    fields = [*fields, ""]  # the learner's own field: empty in every package
                card_tags = note_tags(deck, card)
                seen.update(card_tags)
                notes_written += 1
                tags = " " + " ".join(card_tags) + " "
                yield (nid, card.guid or note_guid(deck.key, card.id), note_type.id, mod, -1, tags,
                       "\x1f".join(fields), fields[0], 0, 0, "")
                cards.extend((next(ids), nid, did, ord_, mod, -1, 0, 0, position, 0, 0, 0, 0, 0, 0, 0, 0, "")
                             for ord_ in spec.ords(card))

    cursor.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", notes())
    cursor.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
    return Counts(notes_written, len(cards), len({tag.casefold() for tag in seen}))  # as summary.counts


def _timestamp(builds: Sequence[DeckBuild]) -> int:
    """The package's own time: its newest content. Deterministic, unlike the clock."""
    return max(max(b.mods[c.id] for c in b.cards) for b in builds)


def _restamp_note_types(cursor: sqlite3.Cursor, builds: Sequence[DeckBuild]) -> None:
    """Give every note type the time its definition last changed (genanki stamps all alike)."""
    type_mods: dict[int, int] = {}
    for build in builds:
        for type_id, mod in build.type_mods.items():
            type_mods[type_id] = max(mod, type_mods.get(type_id, 0))
    (models_json,) = cursor.execute("SELECT models FROM col").fetchone()
    models = json.loads(models_json)
    for type_id, model in models.items():
        model["mod"] = type_mods.get(int(type_id), model["mod"])
    cursor.execute("UPDATE col SET models = ?", (json.dumps(models, sort_keys=True),))


# SQLite's result codes for a write the disk refused (https://sqlite.org/rescode.html), as the error of the
# file system each stands for: a full disk is the disk's error, not a bug of rcc-cards.
_DISK_ERRORS = {"SQLITE_FULL": errno.ENOSPC, "SQLITE_IOERR": errno.EIO, "SQLITE_CANTOPEN": errno.EIO}
_DISK_MESSAGES = {"database or disk is full": "SQLITE_FULL", "disk I/O error": "SQLITE_IOERR",
                  "unable to open database file": "SQLITE_CANTOPEN"}  # Python 3.10 names no code


def _disk_error(exc: sqlite3.OperationalError) -> OSError | None:
    """The OSError a SQLite error of the disk stands for (None for any other error, such as bad SQL)."""
    name = getattr(exc, "sqlite_errorname", None) or _DISK_MESSAGES.get(str(exc), "")
    code = _DISK_ERRORS.get("_".join(name.split("_")[:2]))  # SQLITE_IOERR_WRITE is an SQLITE_IOERR
    if code is None:
        return None
    return OSError(code, os.strerror(code) if code == errno.ENOSPC else f"{exc} (SQLite)")


def write_collection(builds: Sequence[DeckBuild], path: Path) -> Counts:
    """The package's SQLite collection, written to a new file at ``path`` in one transaction (returns what it
    holds); an error of the disk (full, failing) is raised as the OSError it stands for."""
    try:
        return _write_collection(builds, path)
    except sqlite3.OperationalError as exc:
        disk = _disk_error(exc)
        if disk is None:
            raise
        raise disk from exc


def _write_collection(builds: Sequence[DeckBuild], path: Path) -> Counts:
    conn = sqlite3.connect(path)
    try:
        # A scratch file: nothing to roll back to, and no need for it to survive a power cut (the
        # package made from it is flushed to disk). Syncing it cost 1 s of a 100,000-card build.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        timestamp = _timestamp(builds)
        models = {spec.note_type.id: _model(spec.note_type) for spec in kinds.all_kinds()}
        models.update({t.id: _model(t) for b in builds for t in kinds.deck_note_types(b.deck)})
        package = genanki.Package([_genanki_deck(b, models) for b in builds])
        cursor = conn.cursor()
        ids = itertools.count(timestamp * 1000)
        package.write_to_db(cursor, timestamp, ids)
        # genanki's schema indexes notes and cards; building those indexes once after the rows are in is
        # cheaper than updating them row by row (0.3 s of a 100,000-card build), and gives the same indexes.
        indexes = cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                 "AND tbl_name IN ('notes', 'cards') ORDER BY name").fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        counts = _write_notes(cursor, builds, ids)
        for _, sql in indexes:
            cursor.execute(sql)
        _restamp_note_types(cursor, builds)
        conn.commit()
        return counts
    finally:
        conn.close()


def media_files(builds: Sequence[DeckBuild]) -> dict[str, Path]:
    """Every media file the package's notes show, by its name in Anki's media folder, sorted."""
    found = {m.name: m.path for b in builds for c in b.cards for m in c.media()}
    return dict(sorted(found.items()))


def write_package(builds: Sequence[DeckBuild], out: BinaryIO, scratch: Path) -> Counts:
    """A complete .apkg into ``out``: the collection (built in the file ``scratch``), the media map and
    the media files, deflated, with fixed entry dates, streamed so that memory stays flat. Returns the notes,
    cards and tags it holds."""
    counts = write_collection(builds, scratch)
    media = media_files(builds)
    media_map = json.dumps({str(i): name for i, name in enumerate(media)}).encode()
    entries: list[tuple[str, Path | bytes]] = [("collection.anki2", scratch), ("media", media_map)]
    entries += [(str(i), path) for i, path in enumerate(media.values())]
    with zipfile.ZipFile(out, "w") as archive:
        for name, source in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = COMPRESS_LEVEL  # type: ignore[attr-defined]  # the name 3.10-3.13 all read
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=True) as member:
                if isinstance(source, bytes):
                    member.write(source)
                else:
                    with open(source, "rb") as data:
                        shutil.copyfileobj(data, member, 1 << 20)
    return counts
