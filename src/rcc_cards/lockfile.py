"""The lock file beside each deck: its format (reading it strictly, writing it deterministically), where it
lives and how messages name it, and the content hashes it records. What a rule may read about a deck's
lock; which notes get new stamps is :mod:`rcc_cards.stamps`, above the rules.

The lock file belongs to the deck, not to its file name: it lives beside the deck file and is named by the
deck's key (``key: rcc`` -> ``rcc.lock.json``), so renaming the deck file keeps it; a deck file moved
without it finds it in a folder above (:func:`lock_path`) or elsewhere in the top decks folder
(:func:`find_lock`), and a lock named after the file, as rcc-cards wrote them before, is still found when it
records the same key. It records, per card, a hash of what its note carries (:func:`content_hash`), its
note type and the time that content last changed; per note type, hashes of its fields and of its look; the
deck's Anki name; and the last stamp of every card removed from the deck. The file is JSON with one card
per line, sorted, so a rebuild's change reads well in ``git diff``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from rcc_cards import kinds, loader, reads, tags
from rcc_cards.errors import Problem, problem_at
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Card, Deck
from rcc_cards.places import folders_up, top_decks_folder
from rcc_cards.templates import NoteType

# json and hashlib (about 8 ms of start-up) are imported where a lock file is read, written or hashed: 'check'
# of a deck with its lock file beside it does none of these.

FORMAT = 1


class Stamp(NamedTuple):  # a named tuple: immutable, and cheap to make 100,000 of
    hash: str
    changed: int  # seconds since 1970: when this content last changed
    type: int = 0  # the note type's id (0: not recorded, in a lock written before it was)


class TypeStamp(NamedTuple):
    schema: str  # fields and templates (names, ids, order) and the kind; a change needs a merge on import
    style: str  # template HTML and CSS; a change updates learners' note types by itself
    changed: int


class Lock:
    """What a lock file records. A plain slotted class rather than a dataclass: the same fields, equality and
    repr, without loading ``dataclasses`` when 'check' imports this module (as :mod:`.loader.nodes`)."""

    __slots__ = ("deck", "cards", "note_types", "name", "removed")

    def __init__(self, deck: str, cards: dict[str, Stamp] | None = None,
                 note_types: dict[str, TypeStamp] | None = None, name: str = "",
                 removed: dict[str, int] | None = None) -> None:
        self.deck = deck
        self.cards: dict[str, Stamp] = {} if cards is None else cards
        self.note_types: dict[str, TypeStamp] = {} if note_types is None else note_types
        self.name = name  # the deck's Anki name when the lock was written ("" in older locks)
        self.removed: dict[str, int] = {} if removed is None else removed  # card id -> its last stamp, for
        # ids no longer used

    def __eq__(self, other: object) -> bool:
        return type(other) is Lock and all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Lock({', '.join(f'{f}={getattr(self, f)!r}' for f in self.__slots__)})"


LOCK_SUFFIX = ".lock.json"
MAX_STAMP = 2**32 - 1  # seconds since 1970 (the year 2106): any later value is damage, not a time


def lock_path(deck: Deck) -> Path:
    """Where a deck's lock file is: named by its key (``key: rcc`` -> ``rcc.lock.json``), beside the deck
    file, or in the nearest folder above it that has one (a deck moved into a subfolder keeps its lock)."""
    return deck.file.parent / _up(deck) / (deck.key + LOCK_SUFFIX)


def _up(deck: Deck) -> Path:
    """The relative way from the deck's folder to its lock's (``.`` when beside it, or when there is none),
    searching the folders above it up to the project's (:func:`~rcc_cards.places.folders_up`)."""
    name = deck.key + LOCK_SUFFIX
    if (deck.file.parent / name).is_file():
        return Path()
    for levels, folder in enumerate(folders_up(deck.file.parent)[1:], 1):
        if (folder / name).is_file():
            return Path(*[".."] * levels)
    return Path()


def _legacy_path(deck: Deck) -> Path:
    """Where rcc-cards wrote the lock before it was named by the key: after the deck file (``a.yaml`` ->
    ``a.lock.json``)."""
    return deck.file.with_name(deck.file.stem + LOCK_SUFFIX)


def is_lock(path: Path) -> bool:
    return path.name.endswith(LOCK_SUFFIX)


def line_of(text: str, card_id: str) -> int:
    """The line of ``card_id``'s entry in a lock file's text (1 when absent)."""
    needle = _key(card_id) + ":"
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(needle):
            return number
    return 1


def read(path: Path, shown: str, memo: Memo = NO_MEMO) -> tuple[Lock | None, list[Problem]]:
    """The lock at ``path``; ``(None, [])`` when there is none yet. A damaged lock is one problem naming the
    place and the fix, whatever is wrong with it (never an exception). ``memo`` keeps what a text reads as:
    the same text gives the same :class:`Lock` object (which callers do not change)."""
    reads.before_reading(path)
    try:
        if path.exists() and not path.is_file():
            return None, [Problem(shown, 1, 1, "the lock file is not a regular file; replace it with the one from "
                                               "git, or delete it to start over")]
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, 1, 1, f"cannot read the lock file: {exc}")]
    return memo.get_or_compute("lock", (shown, text), lambda: parse(text, shown))


def parse(text: str, shown: str) -> tuple[Lock | None, list[Problem]]:
    """The lock in a lock file's ``text``, or the one problem that says why there is none."""
    import json

    where, why = (1, 1), ""
    try:
        data = json.loads(text, parse_constant=_no_constant)
        return _from_json(data), []
    except json.JSONDecodeError as exc:
        where, why = (exc.lineno, exc.colno), exc.msg
    except RecursionError:
        why = "it is nested far deeper than a lock file ever is"
    except _Damaged as exc:
        where, why = (line_of(text, exc.card) if exc.card else 1, 1), str(exc)
    return None, [Problem(shown, *where, f"the lock file is not valid: {why}. It is written by "
                                        "'rcc-cards build'; restore it from git, or delete it to start over "
                                        "(every note then counts as changed)")]


class _Damaged(ValueError):
    """A lock file value outside what the format allows; ``card``: the card entry it is in, if any."""

    def __init__(self, message: str, card: str = "") -> None:
        super().__init__(message)
        self.card = card


def _no_constant(name: str) -> object:
    raise _Damaged(f"{name} is not a number a lock file holds")


def _get(data: object, key: str, kind: type, where: str, card: str = "") -> Any:
    if not isinstance(data, dict) or key not in data:
        raise _Damaged(f"{where} has no '{key}'", card)
    value = data[key]
    if kind is int and key == "type":  # a note type id: rcc-cards' own, or one kept from Anki (milliseconds)
        if type(value) is not int or not 0 <= value < 1 << 63:
            raise _Damaged(f"{where} > {key}: expected a note type id (a whole number); found {_key(value)[:40]}",
                           card)
    elif kind is int:
        if type(value) is not int or not 0 <= value <= MAX_STAMP:
            raise _Damaged(f"{where} > {key}: expected whole seconds since 1970 (0 to {MAX_STAMP}); "
                           f"found {_key(value)[:40]}", card)
    elif not isinstance(value, kind):
        raise _Damaged(f"{where} > {key}: expected {'text' if kind is str else 'an object'}; found "
                       f"{_key(value)[:40]}", card)
    return value


def _from_json(data: Any) -> Lock:
    """Read untrusted JSON strictly: every value of the wrong type or out of range is :class:`_Damaged`."""
    version = _get(data, "format", int, "the lock file")
    if version != FORMAT:
        raise _Damaged(f"format {version}, expected {FORMAT}")
    cards: dict[str, Stamp] = {}
    for key, entry in _get(data, "cards", dict, "the lock file").items():
        where = f"cards > {_key(key)}"
        note_type = _get(entry, "type", int, where, key) if isinstance(entry, dict) and "type" in entry else 0
        cards[key] = Stamp(_get(entry, "hash", str, where, key), _get(entry, "changed", int, where, key), note_type)
    types = {key: TypeStamp(_get(v, "schema", str, f"note_types > {key}"), _get(v, "style", str, f"note_types > {key}"),
                            _get(v, "changed", int, f"note_types > {key}"))
             for key, v in _get(data, "note_types", dict, "the lock file").items()}
    removed = {}
    if "removed" in data:
        removed = {key: _get({"changed": v}, "changed", int, f"removed > {_key(key)}", key)
                   for key, v in _get(data, "removed", dict, "the lock file").items()}
    name = _get(data, "name", str, "the lock file") if "name" in data else ""
    return Lock(_get(data, "deck", str, "the lock file"), cards, types, name, removed)


@functools.cache
def _encoders() -> tuple[Callable[[object], str], Callable[[object], str], Callable[[str], str]]:
    """json.dumps(key), json.dumps(value, sort_keys=True, ensure_ascii=False) and a JSON string exactly as the
    second writes it (C, no per-call setup), without building an encoder per call (a lock file of 100,000
    cards took 1 s to write that way)."""
    import json

    return (json.JSONEncoder().encode, json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode,
            json.encoder.encode_basestring)


def _key(value: object) -> str:
    return _encoders()[0](value)


def dumps(lock: Lock) -> str:
    """Deterministic text: sorted keys, one entry per line.

    A card's entry is formatted here rather than by encoding a dict per card (the same text: its hash is
    hex, its time an integer); at 100,000 cards that took most of a second.
    """
    _KEY, _VALUE, _ = _encoders()

    def entry(key: str, value: dict[str, object]) -> str:
        return f"    {_KEY(key)}: {_VALUE(value)}"

    stamps = lock.cards
    cards = ",\n".join(f'    {_KEY(k)}: {{"changed": {stamps[k].changed}, "hash": {_KEY(stamps[k].hash)}, '
                        f'"type": {stamps[k].type}}}' for k in sorted(stamps))
    types = ",\n".join(entry(k, {"schema": t.schema, "style": t.style, "changed": t.changed})
                       for k, t in sorted(lock.note_types.items()))
    removed = ",\n".join(f"    {_KEY(k)}: {lock.removed[k]}" for k in sorted(lock.removed))
    return (f'{{\n  "format": {FORMAT},\n  "deck": {_KEY(lock.deck)},\n  "name": {_KEY(lock.name)},\n'
            f'  "note_types": {{\n{types}\n  }},\n  "cards": {{\n{cards}\n  }},\n'
            f'  "removed": {{{chr(10) + removed + chr(10) + "  " if removed else ""}}}\n}}\n')


def _digest(value: object) -> str:
    import hashlib

    return hashlib.sha256(_encoders()[1](value).encode()).hexdigest()[:20]


def content_hash(deck: Deck, card: Card, fields: list[str]) -> str:
    """A hash of everything the note carries: note type, fields (as rendered), tags.

    It hashes the sorted JSON of ``{"type": ..., "fields": fields, "tags": sorted tags}``, written out directly: the
    same text (a test compares them) at a third of the cost of building a JSON encoder per card.
    """
    import hashlib

    string = _encoders()[2]
    note_tags = sorted([t.casefold() for t in tags.note_tags(deck, card)])
    text = (f'{{"fields": [{", ".join(map(string, fields))}], "tags": [{", ".join(map(string, note_tags))}], '
            f'"type": {kinds.note_type(deck, card).id}}}')
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def schema_hash(note_type: NoteType) -> str:
    return _digest({"cloze": note_type.is_cloze, "fields": [[f.name, f.id] for f in note_type.fields],
                    "templates": [[t.name, t.id] for t in note_type.templates]})


def style_hash(note_type: NoteType) -> str:
    return _digest({"css": note_type.style, "templates": [[t.front, t.back] for t in note_type.templates]})



def lock_name(deck: Deck) -> str:
    """The lock file's path, named the way the deck file was named."""
    return os.path.normpath(Path(deck.loc.path).parent / _up(deck) / (deck.key + LOCK_SUFFIX))


def find_lock(deck: Deck, keys: set[str], memo: Memo = NO_MEMO) -> tuple[Lock | None, Path | None, list[Problem]]:
    """The deck's lock, the file it was read from, and problems. ``keys``: the keys of every deck built
    together (a lock recording one of them belongs to that deck).

    The lock named by the key comes first (:func:`lock_path`). Without one, a lock named after the deck
    file (as written before locks were named by key) is used when it records this key; a lock that records
    another key may mean the key was changed (:func:`key_change`).
    """
    path = lock_path(deck)
    lock, problems = read(path, lock_name(deck), memo)
    if lock is not None or problems:
        return lock, path, problems
    legacy = _legacy_path(deck)
    if legacy != path and legacy.is_file():
        shown = str(Path(deck.loc.path).with_name(legacy.name))
        old, problems = read(legacy, shown)
        if problems or (old is not None and old.deck == deck.key):
            return old, legacy, problems
    moved = _moved_lock(deck)
    if moved is not None:
        return moved[0], moved[1], []
    changed = key_change(deck, keys)
    return None, None, [changed] if changed else []


def _moved_lock(deck: Deck) -> tuple[Lock, Path] | None:
    """The lock of a deck file moved away from it (into a sibling folder, or out of a subfolder): a lock
    named by the key anywhere in the top decks folder that records this key and some of this deck's card
    ids, and has no deck file with that key beside it (that would be its own deck's)."""
    ids = {card.id for card in deck.cards()}
    for other in sorted(top_decks_folder(deck.file.parent).rglob(deck.key + LOCK_SUFFIX)):
        if not other.is_file() or deck.key in _keys_beside(other):
            continue
        found, _ = read(other, str(other))
        if found is not None and found.deck == deck.key and ids & set(found.cards):
            return found, other
    return None


def key_change(deck: Deck, keys: set[str]) -> Problem | None:
    """A deck with no lock of its own whose key was changed: a lock beside it records another key that
    belongs to no deck built here (``keys``) and shares card ids with this deck: it is the lock named after
    this deck file, or most of this deck's ids are in it, or most of its ids are in this deck (so the same
    edit may also have removed any number of cards). Refused, since every note's identity includes the key."""
    if lock_path(deck).is_file():
        return None
    ids = {card.id for card in deck.cards()}
    claimed: set[str] | None = None
    for other in sorted(deck.file.parent.glob("*" + LOCK_SUFFIX)):
        shown = str(Path(deck.loc.path).with_name(other.name))
        found, _ = read(other, shown) if other.is_file() else (None, [])
        if found is None or found.deck in keys or found.deck == deck.key or not found.cards:
            continue
        claimed = _keys_beside(deck.file) if claimed is None else claimed
        if found.deck in claimed:
            continue  # another deck file here has that key: its lock, not this deck's
        shared = len(ids & set(found.cards))
        if shared and (other == _legacy_path(deck) or shared * 2 > min(len(ids), len(found.cards))):
            return problem_at(deck.key_loc, (
                f"deck key '{deck.key}' has no lock file, but {shown} records deck '{found.deck}' with {shared} of "
                "this deck's card ids: was the key changed? The key is part of every note's identity, so learners "
                f"would get every card a second time. Restore key: {found.deck}; if this really is a new deck, "
                f"delete {shown}"))
    return None


def _keys_beside(deck_file: Path) -> set[str]:
    """The deck keys of the deck files in ``deck_file``'s folder but itself (each file's header, read by
    :func:`rcc_cards.loader.deck_key`): only asked when a deck has no lock file yet."""
    keys = set()
    for other in deck_file.parent.iterdir():
        if other.suffix in (".yaml", ".yml") and other != deck_file and other.is_file():
            key = loader.deck_key(other)
            if key:
                keys.add(key)
    return keys
