"""The stamping policy: which notes get new stamps. Each deck is compared with its lock file
(:mod:`rcc_cards.lockfile`, which holds the format, where a lock lives and the content hashes); new or
changed content is stamped with the build time, unchanged content keeps the time its lock records, and some
stamps are refused (in the future, for another deck key, a note type changed under one id); a lock out of
date is reported for ``build --locked``.

The lock is committed with the deck, so every machine stamps each note with the same modification time:
Anki updates a note on import only when the package's note is strictly newer. Unchanged notes keep the time
recorded in the lock, so re-importing a rebuild leaves them (and any edit the learner made) alone; changed
notes get the build time, so Anki updates them. The last stamp of every card removed from the deck is kept,
so a card re-added under its old id is stamped newer than anything learners hold.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from rcc_cards import kinds, render
from rcc_cards.errors import Problem, RccCardsError, problem_at
from rcc_cards.lockfile import (
    Lock,
    Stamp,
    TypeStamp,
    content_hash,
    dumps,
    find_lock,
    line_of,
    lock_name,
    lock_path,
    schema_hash,
    style_hash,
)
from rcc_cards.memo import NO_MEMO, Hashed, Memo, Same
from rcc_cards.model import Card, Deck


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
    kind_changes: list[tuple[Card, int]] = field(default_factory=list)  # a card, and the note type it had
    renamed_from: str = ""  # the deck's Anki name in the lock, when the deck's name changed since
    lock_moved_from: str = ""  # the lock file read, when not the one this build writes: named after the deck
    # file (as before keys), or left in another folder by a move
    reused: bool = False  # remembered (:func:`built`): the deck and its lock file are as a build left them

    def unchanged(self) -> Stamped:
        """The same deck stamped again against the lock file this build wrote: nothing changed."""
        return dataclasses.replace(self, first_build=False, added=[], changed=[], removed=[], type_changes=[],
                                   kind_changes=[], renamed_from="", lock_moved_from="", reused=True)

    @property
    def has_changes(self) -> bool:
        return bool(self.first_build or self.added or self.changed or self.removed or self.type_changes)


def _next_time(now: int, previous: int | None) -> int:
    # Strictly newer than the last stamp, or Anki would skip the update.
    return now if previous is None else max(now, previous + 1)


def stamp(deck: Deck, old: Lock | None, now: int, memo: Memo = NO_MEMO) -> Stamped:
    """Compare the deck with its lock; changed or new content is stamped ``now``. ``memo`` keeps each card's
    rendered fields and hash, by what the card says and what of the deck it shows."""
    base = old or Lock(deck.key)
    result = Stamped(deck, {}, {}, {}, Lock(deck.key), first_build=old is None)
    used = {kinds.note_type(deck, card) for card in deck.cards()}
    for note_type in sorted(used, key=lambda t: t.id):
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
    retired = base.removed
    shown = Hashed((deck.key, deck.context, deck.sources))  # what of the deck a note carries besides its card

    def rendered(card: Card) -> tuple[list[str], str]:
        fields = render.note_fields(deck, card)
        return fields, content_hash(deck, card, fields)

    for card in deck.cards():
        fields, digest = memo.get_or_compute("fields", (shown, card[:-2]), functools.partial(rendered, card))
        fields_by_id[card.id] = fields
        type_id = kinds.note_type(deck, card).id
        previous_card = previous_by_id.get(card.id)
        if previous_card is not None and previous_card.hash == digest:
            stamp_ = previous_card if previous_card.type == type_id else previous_card._replace(type=type_id)
        else:
            # strictly newer than anything learners can hold for this id: its last stamp, even if it was removed
            last = previous_card.changed if previous_card else retired.get(card.id)
            stamp_ = Stamp(digest, _next_time(now, last), type_id)
            (result.changed if previous_card else result.added).append(card)
            if previous_card is not None and previous_card.type not in (0, type_id):
                result.kind_changes.append((card, previous_card.type))
        stamps_by_id[card.id] = stamp_
        mods[card.id] = stamp_.changed
    result.lock.name = deck.name
    result.lock.removed = {k: v for k, v in retired.items() if k not in stamps_by_id}
    if old is not None:
        result.removed = sorted(set(old.cards) - set(result.lock.cards))
        result.lock.removed.update({k: old.cards[k].changed for k in result.removed})
        result.lock.note_types.update({k: v for k, v in old.note_types.items() if k not in result.lock.note_types})
        result.renamed_from = old.name if old.name and old.name != deck.name else ""
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


class Built:
    """A deck's stamps as a build left them, once its files are written: the same deck stamped against the
    lock file that build wrote (or found already right) changes nothing (:meth:`Stamped.unchanged`)."""

    __slots__ = ("item",)

    def __init__(self) -> None:
        self.item: Stamped | None = None


def built(deck: Deck, lock: Lock | None, found_at: Path | None, memo: Memo) -> Built:
    """Where ``memo`` keeps what a build left of ``deck`` with the lock object ``lock`` (as read from its text,
    :func:`~rcc_cards.lockfile.read`) found at ``found_at``."""
    return memo.get_or_compute("built", (Same(deck), Same(lock), found_at), Built)


def remember_built(item: Stamped, memo: Memo) -> Stamped:
    """After a build wrote its files: ``item``'s deck, against the lock file as it now is (its text reads as
    the lock this build made), changes nothing; returns what :func:`stamp_decks` will give for it."""
    if item.reused:
        return item  # found remembered this time, against the same lock file: nothing to add
    lock, _ = memo.get_or_compute("lock", (lock_name(item.deck), dumps(item.lock)), lambda: (item.lock, []))
    left = built(item.deck, lock, lock_path(item.deck), memo)
    left.item = item.unchanged()
    return left.item


def stamp_decks(decks: Sequence[Deck], now: int, memo: Memo = NO_MEMO) -> tuple[list[Stamped], list[Problem]]:
    """Each deck compared with its lock file (a deck whose stamps a build left, against the lock it left,
    is not compared again: :func:`remember_built`)."""
    stamped: list[Stamped] = []
    problems: list[Problem] = []
    keys = {deck.key for deck in decks}
    for deck in decks:
        lock, found_at, lock_problems = find_lock(deck, keys, memo)
        known = built(deck, lock, found_at, memo).item if not lock_problems else None
        if known is not None:
            stamped.append(known)
            continue
        problems += lock_problems
        # against the clock, not SOURCE_DATE_EPOCH: an epoch older than the lock's stamps is allowed (stamps
        # still move forward, _next_time), and is no sign of damage
        latest = max(now, int(time.time())) + FUTURE_TOLERANCE
        future = [] if lock is None else [k for k, s in lock.cards.items() if s.changed > latest]
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
        if lock_problems or future or renamed:
            continue
        item = stamp(deck, lock, now, memo)
        problems += kind_problems(item)
        if found_at is not None and found_at != lock_path(deck):
            item.lock_moved_from = os.path.normpath(Path(deck.loc.path).parent
                                                    / os.path.relpath(found_at, deck.file.parent))
        stamped.append(item)
    return stamped, problems


def kind_problems(item: Stamped) -> list[Problem]:
    """A card whose note type changed under the same id: Anki will not update it (measured: the import
    reports the note as conflicting, and it keeps its old type and content), so the build refuses."""
    names = {spec.note_type.id: spec.note_type.name for spec in kinds.all_kinds()}
    names.update({t.id: t.name for t in item.deck.note_types})
    out = []
    for card, was in item.kind_changes:
        now_is = kinds.note_type(item.deck, card).name
        out.append(problem_at(card.loc_of("id"), (
            f"card '{card.id}' was a '{names.get(was, was)}' note and is now '{now_is}' under the same id: Anki "
            "cannot change a note's type on import (it reports the note as conflicting and never updates it "
            "again), so learners would keep the old card. Give this card a new id (learners then get it as a new "
            "note; the old one stays until they delete it), or keep its kind")))
    return out


def stale_problems(item: Stamped) -> list[Problem]:
    """For ``build --locked``: every way the lock file is out of date, at the place to look."""
    shown = lock_name(item.deck)
    fix = f"run 'rcc-cards build' and commit {shown}"
    if item.first_build:
        loc = item.deck.loc
        return [Problem(loc.path, loc.line, loc.col, f"deck '{item.deck.key}' has no lock file {shown}; {fix}")]
    try:
        text = lock_path(item.deck).read_text(encoding="utf-8")
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


def adopted_lock_text(deck: Deck, mods: Mapping[str, int], now: int) -> str:
    """The first lock file of a deck made by ``rcc-cards import``: each card stamped with the time its note
    last changed in Anki (``mods``, by GUID), so a build updates only the notes whose content changes since
    (Anki updates a note only when the package's is newer; the text the import wrote is not a change)."""
    item = stamp(deck, None, now)
    for card in deck.cards():
        entry = item.lock.cards[card.id]
        item.lock.cards[card.id] = entry._replace(changed=min(mods.get(card.guid, now), now))
    return dumps(item.lock)


def new_text(item: Stamped) -> str | None:
    """The deck's lock file text after this build, or None when the file already says exactly that."""
    text = dumps(item.lock)
    path = lock_path(item.deck)
    try:
        if path.read_text(encoding="utf-8") == text:
            return None
    except (OSError, UnicodeDecodeError):
        pass  # no lock yet, or an unreadable one (reported when it was read): write it
    return text
