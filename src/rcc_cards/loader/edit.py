"""Changing a few text values of a deck file and nothing else (``rcc-cards accept``, issue 22): every other
character of the file (comments, order, quoting, blank lines, line ends) stays as it was.

A value is rewritten in its own style when the new text can be written so: plain text stays plain when it
reads back as itself, a single- or double-quoted value keeps its quotes, a ``|`` block keeps its lines and a
``>`` block is folded again at the width its lines had. Otherwise it becomes a double-quoted value on the
key's line. The caller reads the edited text back with the loader before writing it (:mod:`rcc_cards.proposals`)
and refuses any edit that does not read as exactly the intended deck.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import NamedTuple

from rcc_cards.errors import RccCardsError


class Edit(NamedTuple):
    line: int  # 1-based line and column of the value to replace, as the loader placed it (Card.key_locs)
    col: int
    text: str  # the new value


class NotEditable(RccCardsError):
    """A value to change is not where the deck file's text has a value."""


# Plain text YAML reads back as itself: no indicator first, no ': ' or ' #', no edge blanks, one line.
_UNSAFE_PLAIN = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`\s]|: |:$| #|\s$|[\n\r\t\x00-\x1f\x7f]")


def edited(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with each edit's value replaced; raises :class:`NotEditable` for a place with no value."""
    from rcc_cards.loader import yamltree  # yaml: loaded only when a deck is edited, never by 'check'

    spans = yamltree.scalar_spans(text)
    out = text
    for edit in sorted(edits, key=lambda e: (e.line, e.col), reverse=True):  # from the end: offsets stay valid
        found = spans.get((edit.line, edit.col))
        if found is None:
            raise NotEditable(f"line {edit.line}, column {edit.col}: no value there to change")
        start, end, style = found
        out = out[:start] + render(text[start:end], style, edit.text, _indent_of(text, start)) + out[end:]
    return out


def _indent_of(text: str, offset: int) -> int:
    """The indentation of the line holding ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return len(line) - len(line.lstrip(" "))


def render(old: str, style: str | None, new: str, key_indent: int) -> str:
    """``new`` written in the style of ``old`` (the value as written, of ``style``) where it can be."""
    if style is None and not _UNSAFE_PLAIN.search(new) and new:
        return new
    if style == "'" and "\n" not in new and "\r" not in new:
        return "'" + new.replace("'", "''") + "'"
    if style in ("|", ">"):
        block = _block(old, style, new, key_indent)
        if block is not None:
            return block
    return json.dumps(new, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _block(old: str, style: str, new: str, key_indent: int) -> str | None:
    header, _, body = old.partition("\n")
    lines = body.split("\n")
    indent = min((len(line) - len(line.lstrip(" ")) for line in lines if line.strip()), default=key_indent + 2)
    if not new or new != new.strip() or "\r" in new or "\t" in new:
        return None
    if style == "|":
        return header + "".join("\n" + (" " * indent + line if line else "") for line in new.split("\n"))
    if "\n" in new or "  " in new:
        return None  # folding would not give these line breaks and runs of spaces back
    width = max(len(line) for line in lines)
    out: list[str] = []
    for word in new.split(" "):
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(" " * indent + word)
    return header + "".join("\n" + line for line in out)
