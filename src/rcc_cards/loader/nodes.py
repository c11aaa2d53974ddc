"""The located node tree both YAML readers produce (:mod:`.yamltree`, :mod:`.blockyaml`): text values
exactly as written, with the 1-based line and column of each node. No YAML library is needed here."""

from __future__ import annotations

import re

MAX_DEPTH = 40  # collections inside collections; a deck needs far fewer

# A comment after a value conventionally has two or more spaces before its '#' (yamllint's rule too).
# One space, or a '#' inside the value itself ("C# is #1"), is most likely text that YAML cut short.
_TIGHT_COMMENT = re.compile(r"[ \t]#")
_ANY_COMMENT = re.compile(r"[ \t]+#")
_BLANKS = (" ", "\t")


class _Node:
    """Plain slotted classes rather than dataclasses: the same fields, equality and repr, without loading
    ``dataclasses`` at every start (about 3 ms of 'check')."""

    __slots__: tuple[str, ...] = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self.__slots__)})"

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclasses they replace


class Scalar(_Node):
    __slots__ = ("value", "line", "col", "style", "comment_after", "bad")

    def __init__(self, value: str, line: int, col: int, style: str | None = None, comment_after: bool = False,
                 bad: bool = False) -> None:
        self.value = value
        self.line = line
        self.col = col
        self.style = style  # None (plain), "'", '"', "|" or ">"
        self.comment_after = comment_after  # a plain scalar probably cut short by a ' #' comment
        self.bad = bad  # stands in for something already reported (alias, too deep, complex key)


class Mapping(_Node):
    __slots__ = ("line", "col", "pairs")

    def __init__(self, line: int, col: int, pairs: list[tuple[Scalar, Node]] | None = None) -> None:
        self.line = line
        self.col = col
        self.pairs: list[tuple[Scalar, Node]] = [] if pairs is None else pairs


class Sequence(_Node):
    __slots__ = ("line", "col", "items")

    def __init__(self, line: int, col: int, items: list[Node] | None = None) -> None:
        self.line = line
        self.col = col
        self.items: list[Node] = [] if items is None else items


Node = Scalar | Mapping | Sequence


def cut_by_comment(text: str, end: int, value: str) -> bool:
    """Is the plain scalar ``value``, which ends at character ``end`` of ``text``, probably text cut short
    by a ' #' comment? (``text`` may be the whole file or just the scalar's line.)"""
    if text[end:end + 1] not in _BLANKS:
        return False
    return bool(_TIGHT_COMMENT.match(text, end)) or ("#" in value and bool(_ANY_COMMENT.match(text, end)))
