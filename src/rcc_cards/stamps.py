"""When did each note's content last change? Content hashes compared with the lock file.

A note's ``mod`` is the time its content last changed: unchanged notes keep the time recorded in the
lock, so re-importing a rebuild leaves them (and any edit the learner made) alone; changed notes get
the build time, so Anki updates them. See ``../shared`` ANKI.md facts, restated in the README.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import NamedTuple

from rcc_cards import kinds, render, tags, templates
from rcc_cards.lockfile import Lock, Stamp, TypeStamp
from rcc_cards.model import Card, Deck
from rcc_cards.templates import NoteType

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
