"""Cloze deletions: ``{{c1::answer}}`` and ``{{c1::answer::hint}}``, checked before Anki sees them.

Anki silently gives a cloze note with no valid deletion zero cards, and renders malformed or nested
markers in surprising ways, so every such text is an error here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

_MARKER = re.compile(r"\{\{|\}\}")
_DELETION = re.compile(r"\{\{c([0-9]+)::(.*?)(?:::([^}]*))?\}\}", re.S)
_OPEN = re.compile(r"\{\{c([0-9]+)::")  # ASCII digits only: Anki reads no other
_ANY_DIGITS = r"\{\{c(\d+)::"  # digits of any script, to say why they are refused (compiled when asked)

# The highest cloze number Anki makes a card for, measured with Anki 26.09 (tests/test_safety.py): a
# {{c501::…}} note imports, but its card is blank and the Empty Cards check lists it for deletion.
MAX_CLOZE_NUMBER = 500


class Deletion(NamedTuple):
    number: int
    answer: str
    hint: str
    start: int  # offset of "{{" in the text


class ClozeError(NamedTuple):
    """A broken marker at ``offset`` of the text; ``opened`` is the offset of the deletion it belongs
    to, when that is elsewhere. Messages name no position: the loader turns offsets into the file's
    line and column (:mod:`rcc_cards.loader.values` reports them there) and names ``opened`` itself."""

    offset: int
    message: str
    opened: int | None = None


@functools.lru_cache(maxsize=1 << 17)  # checks, counts and the compiler ask about the same texts; a deck
# file holds at most 100,000 cards (schema.MAX_CARDS), so a build never evicts one it will ask for again
def parse(text: str) -> tuple[tuple[Deletion, ...], tuple[ClozeError, ...]]:
    """Every deletion in ``text``, and every way the markup is broken."""
    deletions: list[Deletion] = []
    errors: list[ClozeError] = []
    open_at: int | None = None
    body_start = 0
    number: int | None = None
    for marker in _MARKER.finditer(text):
        pos = marker.start()
        if marker.group() == "{{":
            if open_at is not None:
                errors.append(ClozeError(pos, "nested cloze: this '{{' is inside the deletion opened at "
                                              "{opened}; clozes cannot nest. Close the first one before "
                                              "opening another.", open_at))
                continue
            head = _OPEN.match(text, pos)
            if head is None and re.compile(_ANY_DIGITS).match(text, pos):
                errors.append(ClozeError(pos, "cloze number written with non-ASCII digits; Anki reads only "
                                              "0-9 there. Retype the number, e.g. {{c1::answer}}."))
                open_at, body_start, number = pos, pos + 2, None
                continue
            if head is None:
                shown = text[pos : pos + 12]
                errors.append(ClozeError(pos, f"malformed cloze '{shown}…': expected "
                                              "'{{c1::answer}}' (a 'c', a number, then two colons)."))
                open_at, body_start, number = pos, pos + 2, None
                continue
            open_at, body_start, number = pos, head.end(), _number(head.group(1))
        else:
            if open_at is None:
                errors.append(ClozeError(pos, "this '}}' closes no cloze; "
                                              "remove it or add the missing '{{c1::'."))
                continue
            if number is not None:
                deletion = _deletion(text, open_at, body_start, pos, number, errors)
                if deletion is not None:
                    deletions.append(deletion)
            open_at = None
    if open_at is not None:
        errors.append(ClozeError(open_at, "the cloze opened here is never closed; "
                                          "add '}}' after the answer."))
    if not deletions and not errors:
        errors.append(ClozeError(0, "a cloze card needs at least one deletion such as {{c1::answer}}; "
                                    "without one Anki creates no card at all."))
    return tuple(deletions), tuple(errors)


def _deletion(text: str, open_at: int, start: int, end: int, number: int,
              errors: list[ClozeError]) -> Deletion | None:
    answer, _, hint = text[start:end].partition("::")
    if number < 1:
        errors.append(ClozeError(open_at, f"cloze number c{number}: "
                                          "numbers start at c1."))
        return None
    if number > MAX_CLOZE_NUMBER:
        errors.append(ClozeError(open_at, f"cloze number c{number}: Anki makes no card above "
                                          f"c{MAX_CLOZE_NUMBER} (the card would be blank). Renumber from c1."))
        return None
    if not answer.strip():
        errors.append(ClozeError(open_at, "empty cloze deletion: "
                                          "write the hidden answer between '::' and '}}'."))
        return None
    return Deletion(number, answer, hint, open_at)


def _number(digits: str) -> int:
    """A cloze number; any number too long to be one Anki could use counts as just past the limit (Python
    refuses to convert digit strings of thousands of digits)."""
    return int(digits) if len(digits) <= 9 else MAX_CLOZE_NUMBER + 1


def substitute(text: str, replace: Callable[[int, str, str], str]) -> str:
    """``text`` (already checked by :func:`parse`) with each deletion replaced by
    ``replace(number, answer, hint)``; the hint is "" when there is none."""
    return _DELETION.sub(lambda m: replace(_number(m.group(1)), m.group(2), m.group(3) or ""), text)


def numbers(deletions: Sequence[Deletion]) -> list[int]:
    """The distinct cloze numbers, ascending: one Anki card each."""
    return sorted({d.number for d in deletions})
