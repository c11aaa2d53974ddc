"""Reporting for the deck reader: located problems, named by the object they belong to.

A problem is placed at its node's line and column, and prefixed with its context, the path of objects
from the top (``section 'surgery' > card 'x': …``); :meth:`Reporter.inside` places one inside a value
(a broken cloze marker) at its own line and column.
"""

from __future__ import annotations

from rcc_cards.errors import Problem
from rcc_cards.loader import decode
from rcc_cards.loader.nodes import Mapping, Node, Scalar, Sequence
from rcc_cards.model import Loc


def shape_of(node: Node) -> str:
    """What ``node`` is, as a message says it found it."""
    if isinstance(node, Mapping):
        return "a mapping (key: value lines)"
    if isinstance(node, Sequence):
        return "a list"
    if node.value == "" and node.style is None:
        return "nothing (an empty value)"
    return f"the text {node.value!r}"


def as_written(node: Node) -> str:
    """A scalar's text as written, cut short for a message ("" for anything else)."""
    return node.value[:40] if isinstance(node, Scalar) and not node.bad else ""


class Reporter:
    """Collects one file's problems (:attr:`problems`); ``text`` is the file's text, to place a problem
    inside a value (without it, such problems are placed at the value's start)."""

    def __init__(self, path: str, text: str = "") -> None:
        self.path = path
        self.file_text = text
        self._lines: decode.Lines | None = None  # where the file's lines start, made when first needed
        self.problems: list[Problem] = []

    def loc(self, node: Node) -> Loc:
        return Loc(self.path, node.line, node.col)

    def report(self, node: Node, ctx: str, message: str, severity: str = "error") -> None:
        prefix = f"{ctx}: " if ctx else ""
        self.problems.append(Problem(self.path, node.line, node.col, prefix + message,
                                     "warning" if severity == "warning" else "error"))

    def wrong_shape(self, node: Node, ctx: str, expected: str, found: str = "") -> None:
        """Report ``node`` as not the shape ``expected`` (``; found <its shape>`` is added), unless it stands
        in for something already reported (an alias, a node too deep)."""
        if not (isinstance(node, Scalar) and node.bad):
            self.report(node, ctx, f"{expected}; found {found or shape_of(node)}")

    def inside(self, node: Node, value: str, offset: int) -> tuple[int, int]:
        """The file's line and column of character ``offset`` of ``value``, the text read from ``node``.

        Folding, block indentation and quoting change a value's whitespace, not its other characters, so
        the n-th '{{' of the value is the n-th '{{' of the file after the node's start. Placed at the
        node's start when the marker is not found that way (an escape wrote it, or no file text).
        """
        needle = value[offset:offset + 2]
        if not needle.strip() or not self.file_text:
            return node.line, node.col
        if self._lines is None:
            self._lines = decode.Lines(self.file_text)
        starts = self._lines.starts
        at = starts[node.line - 1] + node.col - 1 if node.line <= len(starts) else len(self.file_text)
        for _ in range(value.count(needle, 0, offset) + 1):
            at = self.file_text.find(needle, at)
            if at < 0:
                return node.line, node.col
            at += len(needle)
        return self._lines(at - len(needle))
