"""The lock file beside each deck, and every policy about it, in one place: where it is and how messages
name it, reading and writing it, when each note's content last changed (content hashes compared with the
lock), which stamps are refused (in the future, or for another deck key), and when a lock is out of date
(``build --locked``).

The lock file (``rcc.yaml`` -> ``rcc.lock.json``) records, per card, a hash of what its note carries and
the time that content last changed; per note type, hashes of its fields and of its look. It is committed
with the deck, like a lock file, so every machine stamps each note with the same modification time: Anki
updates a note on import only when the package's note is strictly newer. Unchanged notes keep the time
recorded in the lock, so re-importing a rebuild leaves them (and any edit the learner made) alone; changed
notes get the build time, so Anki updates them. The file is JSON with one card per line, sorted, so a
rebuild's change reads well in ``git diff``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rcc_cards import kinds, render, tags, templates
from rcc_cards.errors import Problem, RccCardsError, problem_at
from rcc_cards.model import Card, Deck
from rcc_cards.templates import NoteType

FORMAT = 1


class Stamp(NamedTuple):  # a named tuple: immutable, and cheap to make 100,000 of
    hash: str
    changed: int  # seconds since 1970: when this content last changed


class TypeStamp(NamedTuple):
    schema: str  # fields and templates (names, ids, order) and the kind; a change needs a merge on import
    style: str  # template HTML and CSS; a change updates learners' note types by itself
    changed: int


@dataclass
class Lock:
    deck: str
    cards: dict[str, Stamp] = field(default_factory=dict)
    note_types: dict[str, TypeStamp] = field(default_factory=dict)


LOCK_SUFFIX = ".lock.json"


def lock_path(deck_file: Path) -> Path:
    """Where a deck's lock file is: beside it, ``rcc.yaml`` -> ``rcc.lock.json``."""
    return deck_file.with_name(deck_file.stem + LOCK_SUFFIX)


def is_lock(path: Path) -> bool:
    return path.name.endswith(LOCK_SUFFIX)


def line_of(text: str, card_id: str) -> int:
    """The line of ``card_id``'s entry in a lock file's text (1 when absent)."""
    needle = json.dumps(card_id) + ":"
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(needle):
            return number
    return 1


def read(path: Path, shown: str) -> tuple[Lock | None, list[Problem]]:
    """The lock at ``path``; ``(None, [])`` when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(shown, 1, 1, f"cannot read the lock file: {exc}")]
    try:
        data = json.loads(text)
        return _from_json(data), []
    except json.JSONDecodeError as exc:
        where = (exc.lineno, exc.colno)
        why = exc.msg
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        where = (1, 1)
        why = f"unexpected content ({exc})"
    return None, [Problem(shown, *where, f"the lock file is not valid: {why}. It is written by "
                                        "'rcc-cards build'; restore it from git, or delete it to start over "
                                        "(every note then counts as changed)")]


def _from_json(data: Any) -> Lock:  # untrusted JSON: any shape error is reported by read()
    if data["format"] != FORMAT:
        raise ValueError(f"format {data['format']!r}, expected {FORMAT}")
    cards = {str(k): Stamp(str(v["hash"]), int(v["changed"])) for k, v in data["cards"].items()}
    types = {str(k): TypeStamp(str(v["schema"]), str(v["style"]), int(v["changed"]))
             for k, v in data["note_types"].items()}
    return Lock(str(data["deck"]), cards, types)


# json.dumps(key) and json.dumps(value, sort_keys=True, ensure_ascii=False), without building an
# encoder per call (a lock file of 100,000 cards took 1 s to write that way).
_KEY = json.JSONEncoder().encode
_VALUE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def dumps(lock: Lock) -> str:
    """Deterministic text: sorted keys, one entry per line.

    A card's entry is formatted here rather than by encoding a dict per card (the same text: its hash is
    hex, its time an integer); at 100,000 cards that took most of a second.
    """
    def entry(key: str, value: dict[str, object]) -> str:
        return f"    {_KEY(key)}: {_VALUE(value)}"

    stamps = lock.cards
    cards = ",\n".join(f'    {_KEY(k)}: {{"changed": {stamps[k].changed}, "hash": {_KEY(stamps[k].hash)}}}'
                        for k in sorted(stamps))
    types = ",\n".join(entry(k, {"schema": t.schema, "style": t.style, "changed": t.changed})
                       for k, t in sorted(lock.note_types.items()))
    return (f'{{\n  "format": {FORMAT},\n  "deck": {json.dumps(lock.deck)},\n'
            f'  "note_types": {{\n{types}\n  }},\n  "cards": {{\n{cards}\n  }}\n}}\n')


# json.dumps(value, sort_keys=True, ensure_ascii=False), without building an encoder per call.
_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _digest(value: object) -> str:
    return hashlib.sha256(_ENCODE(value).encode()).hexdigest()[:20]


_STRING = json.encoder.encode_basestring  # a JSON string, exactly as _ENCODE writes it (C, no per-call setup)


def content_hash(deck: Deck, card: Card, fields: list[str]) -> str:
    """A hash of everything the note carries: note type, fields (as rendered), tags.

    It hashes ``_ENCODE({"type": ..., "fields": fields, "tags": sorted tags})``, written out directly: the
    same text (a test compares them) at a third of the cost of building a JSON encoder per card.
    """
    note_tags = sorted([t.casefold() for t in tags.note_tags(deck, card)])
    text = (f'{{"fields": [{", ".join(map(_STRING, fields))}], "tags": [{", ".join(map(_STRING, note_tags))}], '
            f'"type": {kinds.of(card.kind).note_type.id}}}')
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def schema_hash(note_type: NoteType) -> str:
    return _digest({"cloze": note_type.is_cloze, "fields": [[f.name, f.id] for f in note_type.fields],
                    "templates": [[t.name, t.id] for t in note_type.templates]})


def style_hash(note_type: NoteType) -> str:
    return _digest({"css": templates.CSS, "templates": [[t.front, t.back] for t in note_type.templates]})


class TypeChange(NamedTuple):
    name: str
    schema_changed: bool  # fields/templates added, removed or renamed (vs. only HTML/CSS)


@dataclass
class Stamped:
    """A deck's note and note-type modification times, what changed since the lock, and the new lock."""

    deck: Deck
    mods: dict[str, int]  # card id -> note mod
    fields: dict[str, list[str]]  # card id -> the note's rendered fields
    type_mods: dict[int, int]  # note type id -> mod
    lock: Lock
    first_build: bool
    added: list[Card] = field(default_factory=list)
    changed: list[Card] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    type_changes: list[TypeChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.first_build or self.added or self.changed or self.removed or self.type_changes)


def _next_time(now: int, previous: int | None) -> int:
    # Strictly newer than the last stamp, or Anki would skip the update.
    return now if previous is None else max(now, previous + 1)


def stamp(deck: Deck, old: Lock | None, now: int) -> Stamped:
    """Compare the deck with its lock; changed or new content is stamped ``now``."""
    base = old or Lock(deck.key)
    result = Stamped(deck, {}, {}, {}, Lock(deck.key), first_build=old is None)
    used_kinds = {card.kind for card in deck.cards()}
    for spec in kinds.all_kinds():
        if spec.kind not in used_kinds:
            continue
        note_type = spec.note_type
        key = str(note_type.id)
        schema, style = schema_hash(note_type), style_hash(note_type)
        previous = base.note_types.get(key)
        if previous is not None and (previous.schema, previous.style) == (schema, style):
            result.lock.note_types[key] = previous
        else:
            when = _next_time(now, previous.changed if previous else None)
            result.lock.note_types[key] = TypeStamp(schema, style, when)
            if previous is not None:
                result.type_changes.append(TypeChange(note_type.name, previous.schema != schema))
        result.type_mods[note_type.id] = result.lock.note_types[key].changed
    fields_by_id, stamps_by_id, mods, previous_by_id = result.fields, result.lock.cards, result.mods, base.cards
    for card in deck.cards():
        fields = fields_by_id[card.id] = render.note_fields(deck, card)
        digest = content_hash(deck, card, fields)
        previous_card = previous_by_id.get(card.id)
        if previous_card is not None and previous_card.hash == digest:
            stamp_ = previous_card
        else:
            stamp_ = Stamp(digest, _next_time(now, previous_card.changed if previous_card else None))
            (result.changed if previous_card else result.added).append(card)
        stamps_by_id[card.id] = stamp_
        mods[card.id] = stamp_.changed
    if old is not None:
        result.removed = sorted(set(old.cards) - set(result.lock.cards))
        result.lock.note_types.update({k: v for k, v in old.note_types.items() if k not in result.lock.note_types})
    return result


def build_timestamp(environ: Mapping[str, str] = os.environ, clock: float | None = None) -> int:
    """The time new content is stamped with: ``SOURCE_DATE_EPOCH`` when set, else now.

    A time in the future is refused: notes stamped later than the learner's clock would block every
    later update until that time passed.
    """
    now = int(time.time() if clock is None else clock)
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return now
    if not value.isdigit():
        raise RccCardsError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970; found {value!r}")
    if int(value) > now + FUTURE_TOLERANCE:
        raise RccCardsError(f"SOURCE_DATE_EPOCH={value} is in the future (now is {now}); notes stamped in the "
                            "future would block every later update. Use a past time, e.g. the last commit's")
    return int(value)


FUTURE_TOLERANCE = 300  # seconds of clock difference between machines that we accept


def lock_name(deck: Deck) -> str:
    """The lock file's path, named the way the deck file was named."""
    return str(lock_path(Path(deck.loc.path)))


def stamp_decks(decks: Sequence[Deck], now: int) -> tuple[list[Stamped], list[Problem]]:
    """Each deck compared with its lock file."""
    stamped: list[Stamped] = []
    problems: list[Problem] = []
    for deck in decks:
        lock, lock_problems = read(lock_path(deck.file), lock_name(deck))
        problems += lock_problems
        future = [] if lock is None else [k for k, s in lock.cards.items() if s.changed > now + FUTURE_TOLERANCE]
        if future:
            problems.append(Problem(lock_name(deck), 1, 1, f"the lock file stamps {len(future)} card(s) in the "
                                                            f"future (e.g. '{future[0]}'); was it written on a "
                                                            "machine with a wrong clock? Restore it from git"))
        renamed = lock is not None and lock.deck != deck.key
        if lock is not None and renamed:
            problems.append(problem_at(deck.key_loc, f"deck key '{deck.key}' differs from '{lock.deck}' in "
                                                     f"{lock_name(deck)}: the key is part of every note's "
                                                     "identity, so learners would get every card a second time. "
                                                     "Restore the key; if this really is a new deck, delete the "
                                                     "lock file"))
        if not lock_problems and not future and not renamed:
            stamped.append(stamp(deck, lock, now))
    return stamped, problems


def stale_problems(item: Stamped) -> list[Problem]:
    """For ``build --locked``: every way the lock file is out of date, at the place to look."""
    shown = lock_name(item.deck)
    fix = f"run 'rcc-cards build' and commit {shown}"
    if item.first_build:
        loc = item.deck.loc
        return [Problem(loc.path, loc.line, loc.col, f"deck '{item.deck.key}' has no lock file {shown}; {fix}")]
    try:
        text = lock_path(item.deck.file).read_text(encoding="utf-8")
    except OSError:
        text = ""
    problems = [Problem(c.loc.path, c.loc.line, c.loc.col, f"card '{c.id}' is not in {shown}; {fix}")
                for c in item.added]
    problems += [Problem(c.loc.path, c.loc.line, c.loc.col, f"card '{c.id}' changed since {shown} was written; "
                                                            f"{fix}") for c in item.changed]
    problems += [Problem(shown, line_of(text, r), 5, f"card '{r}' was removed from the deck; {fix}")
                 for r in item.removed]
    problems += [Problem(shown, 1, 1, f"note type '{t.name}' changed; {fix}") for t in item.type_changes]
    return problems


def new_text(item: Stamped) -> str | None:
    """The deck's lock file text after this build, or None when the file already says exactly that."""
    text = dumps(item.lock)
    path = lock_path(item.deck.file)
    try:
        if path.read_text(encoding="utf-8") == text:
            return None
    except (OSError, UnicodeDecodeError):
        pass  # no lock yet, or an unreadable one (reported when it was read): write it
    return text
