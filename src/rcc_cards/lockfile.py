"""The lock file beside each deck (``rcc.yaml`` -> ``rcc.lock.json``): per card, a hash of what its note
carries and the time that content last changed; per note type, hashes of its fields and of its look.

It is committed with the deck, like a lock file, so every machine stamps each note with the same
modification time: Anki updates a note on import only when the package's note is strictly newer.
The file is JSON with one card per line, sorted, so a rebuild's change reads well in ``git diff``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from rcc_cards.errors import Problem

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


def lock_path(deck_file: Path) -> Path:
    return deck_file.with_name(deck_file.stem + ".lock.json")


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
