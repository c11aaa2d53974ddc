"""The located node tree both YAML readers produce (:mod:`.yamltree`, :mod:`.blockyaml`): text values
exactly as written, with the 1-based line and column of each node. No YAML library is needed here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DEPTH = 40  # collections inside collections; a deck needs far fewer

# A comment after a value conventionally has two or more spaces before its '#' (yamllint's rule too).
# One space, or a '#' inside the value itself ("C# is #1"), is most likely text that YAML cut short.
_TIGHT_COMMENT = re.compile(r"[ \t]#")
_ANY_COMMENT = re.compile(r"[ \t]+#")
_BLANKS = (" ", "\t")


@dataclass(slots=True)
class Scalar:
    value: str
    line: int
    col: int
    style: str | None = None  # None (plain), "'", '"', "|" or ">"
    comment_after: bool = False  # a plain scalar probably cut short by a ' #' comment
    bad: bool = False  # stands in for something already reported (alias, too deep, complex key)


@dataclass(slots=True)
class Mapping:
    line: int
    col: int
    pairs: list[tuple[Scalar, Node]] = field(default_factory=list)


@dataclass(slots=True)
class Sequence:
    line: int
    col: int
    items: list[Node] = field(default_factory=list)


Node = Scalar | Mapping | Sequence


def cut_by_comment(text: str, end: int, value: str) -> bool:
    """Is the plain scalar ``value``, which ends at character ``end`` of ``text``, probably text cut short
    by a ' #' comment? (``text`` may be the whole file or just the scalar's line.)"""
    if text[end:end + 1] not in _BLANKS:
        return False
    return bool(_TIGHT_COMMENT.match(text, end)) or ("#" in value and bool(_ANY_COMMENT.match(text, end)))
