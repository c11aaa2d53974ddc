"""A fast reader for the plain block style of YAML that deck files are written in. It answers only for
files it is certain about; every other file is left to libyaml (:mod:`.yamltree`).

Deck files use a small part of YAML: mappings and lists in block style indented with spaces, keys that are
plain words, one-line plain, 'single'- and "double"-quoted text, one-line flow lists (``tags: [a, b]``),
and ``>`` / ``|`` blocks whose lines share one indentation. :func:`parse` reads exactly that, several times
faster than libyaml's events through Python (benchmarks: 100,000 cards), and returns ``None`` for anything
else: any other construct (anchors, tags, flow mappings, escapes, multi-line plain or quoted text, ...),
anything it is unsure of, and every file with a problem, so that the exact reader finds, locates and
explains it. It never reports a problem and never guesses; tests/test_properties.py checks that wherever it
answers, libyaml's reading gives the same tree.
"""

from __future__ import annotations

import re
import sys

from rcc_cards.loader.nodes import MAX_DEPTH, Mapping, Node, Scalar, Sequence, cut_by_comment

# A key: a plain word, then ':' and a space or the end of the line ('a:b' is text, not a key).
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*:(?= |\Z)")
_NOT_AT_KEY_COLUMN = ("", " ", "#")  # what the character at a key's column cannot be (for a quick check)
# A key and the rest of its line: 'key: ...', or 'key:' alone.
_KEY_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: +(.*))?\Z")
# Characters that cannot start plain text, or that this reader leaves to libyaml when they do.
_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@` ")
# One item of a one-line flow list, and the separator after it: "double" (no escapes), 'single' or plain
# (where ':' may only be followed by more text, as in topic::dosing, but not by '?': libyaml refuses that).
# A space run belongs to a plain item only when more of the item follows it (so nothing is tried twice: one
# long run of spaces must not be rescanned from each of its positions).
_FLOW_ITEM = re.compile(r' *(?:"([^"\\]*)"|\'((?:[^\']|\'\')*)\'|([^ ,\[\]{}#&*!|>\'"%@`?:-]'
                        r'(?:[^ ,\[\]{}#:"\']|:(?=[^ ,?\[\]{}])| +(?=[^ ,\[\]{}#"\']))*)) *([,\]])')
# Characters that send the whole file to libyaml: tabs, and the line breaks YAML knows besides "\n".
_UNSUPPORTED = ("\t", "\r", "\u2028", "\u2029", "\x85")


class _Unsure(Exception):
    """Something this reader leaves to libyaml."""


def parse(text: str) -> Node | None:
    """The tree of ``text``, or ``None`` when it is not certainly in the plain block style and free of
    problems (empty files included). ``text`` has passed the character checks of :mod:`.decode`, which
    replace every character libyaml would refuse (control characters, U+FFFE, ...): none is looked for here."""
    if any(c in text for c in _UNSUPPORTED):
        return None
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()  # the last line break ends a line; it does not start one
    try:
        return _Reader(lines, text.endswith("\n")).document()
    except _Unsure:
        return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class _Reader:
    """Recursive descent over lines; each method takes the index of its first line and returns the index
    of the first line it did not consume."""

    def __init__(self, lines: list[str], last_line_ended: bool) -> None:
        self.lines = lines
        self.count = len(lines)
        self.last_line_ended = last_line_ended  # False: the file ends without a final line break

    def next_content(self, i: int) -> int:
        """The first line at or after ``i`` that is neither blank nor a comment."""
        lines, count = self.lines, self.count
        while i < count:
            stripped = lines[i].lstrip(" ")
            if stripped and stripped[0] != "#":
                return i
            i += 1
        return i

    def document(self) -> Node:
        i = self.next_content(0)
        if i < self.count and self.lines[i].rstrip(" ") == "---":  # an explicit start of the one document
            i = self.next_content(i + 1)
        if i >= self.count:
            raise _Unsure("an empty document")
        line = self.lines[i]
        if line.startswith(("---", "...", "%")):
            raise _Unsure("a document marker or directive")
        root, i = self.block(i, _indent(line), 0)
        if self.next_content(i) < self.count:
            raise _Unsure("text after the document")
        return root

    def block(self, i: int, indent: int, level: int) -> tuple[Mapping | Sequence, int]:
        """The mapping or list whose first line ``i`` is indented by ``indent``."""
        if level >= MAX_DEPTH:
            raise _Unsure("nesting too deep")
        if self.lines[i].startswith("- ", indent):
            return self.sequence(i, indent, level, compact=False)
        return self.mapping(i, indent, level)

    def mapping(self, i: int, indent: int, level: int) -> tuple[Mapping, int]:
        """Keys at column ``indent``; the first one on line ``i`` (possibly after a '- ' item marker)."""
        lines, count, key_value, intern = self.lines, self.count, _KEY_VALUE.match, sys.intern
        prefix = " " * indent
        node = Mapping(i + 1, indent + 1)
        pairs = node.pairs
        seen: set[str] = set()
        while True:
            line = lines[i]
            pair = key_value(line, indent)
            if pair is None:
                raise _Unsure("a line that is not 'key: value'")
            name, rest = pair.groups()
            name = intern(name)  # a deck repeats a handful of keys a million times: keep one copy of each
            number = i + 1
            key_node = Scalar(name, number, indent + 1)
            rest = rest.rstrip(" ") if rest else ""
            first = rest[:1]
            # The common lines, checked with string methods (a regular expression took 4x longer):
            # 'key: "text"' without escapes, and 'key: plain text' without '#' or ': '.
            if first == '"' and len(rest) > 1 and rest[-1] == '"' and rest.count('"') == 2 and "\\" not in rest:
                value: Node = Scalar(rest[1:-1], number, pair.start(2) + 1, '"')
                i += 1
            elif first and first not in _NOT_PLAIN_START and "#" not in rest and ": " not in rest \
                    and rest[-1] != ":":
                value = Scalar(rest, number, pair.start(2) + 1)
                i += 1
            elif first == "[" and rest[-1] == "]" and level + 1 < MAX_DEPTH and \
                    (items := _simple_flow_items(rest, pair.start(2), number)) is not None:
                value = Sequence(number, pair.start(2) + 1, items)
                i += 1
            else:
                value, i = self.value(i, pair.end(1) + 1, indent, level)
            if name in seen:
                raise _Unsure("a duplicate key")
            seen.add(name)
            pairs.append((key_node, value))
            if i < count:  # the usual next line: another key at this column (no copy of the line needed)
                following = lines[i]
                if following[indent:indent + 1] not in _NOT_AT_KEY_COLUMN and following.startswith(prefix):
                    continue
            i = self.next_content(i)
            if i >= count:
                return node, i
            found = _indent(lines[i])
            if found < indent:
                return node, i
            if found > indent:
                raise _Unsure("a line indented more than the keys above it")

    def value(self, i: int, start: int, indent: int, level: int) -> tuple[Node, int]:
        """The value of the key on line ``i`` whose ':' ends at ``start``; keys are at ``indent``."""
        line = self.lines[i]
        rest = line[start:].lstrip(" ")
        if not rest or rest[0] == "#":  # the value is on the following lines
            j = self.next_content(i + 1)
            if j < self.count:
                below = self.lines[j]
                found = _indent(below)
                if found > indent:
                    return self.block(j, found, level + 1)
                if found == indent and below.startswith("- ", indent):  # a compact list: "cards:\n- id: x"
                    if level + 1 >= MAX_DEPTH:
                        raise _Unsure("nesting too deep")
                    return self.sequence(j, indent, level + 1, compact=True)
            raise _Unsure("an empty value")
        col = len(line) - len(rest)
        first = rest[0]
        if first in "|>":
            return self.block_scalar(i, col, indent)
        if first == "[":
            if level + 1 >= MAX_DEPTH:
                raise _Unsure("nesting too deep")
            return _flow_list(line, i, col), i + 1
        return _inline_scalar(line, i, col), i + 1

    def sequence(self, i: int, indent: int, level: int, compact: bool) -> tuple[Sequence, int]:
        """'- ' items at column ``indent``. A ``compact`` list sits at its key's column, so a line at that
        column that is not an item ends it; otherwise such a line is an error."""
        lines = self.lines
        node = Sequence(i + 1, indent + 1)
        items = node.items
        while True:
            line = lines[i]
            col = indent + 2
            while line.startswith(" ", col):
                col += 1
            if col >= len(line) or line[col] == "#":
                raise _Unsure("an empty list item")
            item: Node
            if _KEY.match(line, col):
                item, i = self.block(i, col, level + 1)
            elif line.startswith(("- ", "|", ">", "["), col) or line[col:] == "-":
                raise _Unsure("a nested list, block or flow list as a list item")
            else:
                item, i = _inline_scalar(line, i, col), i + 1
            items.append(item)
            i = self.next_content(i)
            if i >= self.count:
                return node, i
            line = lines[i]
            found = _indent(line)
            if found < indent:
                return node, i
            if found > indent:
                raise _Unsure("a line indented more than the list items above it")
            if not line.startswith("- ", indent):
                if compact:
                    return node, i
                raise _Unsure("a line at the column of list items that is not an item")

    def block_scalar(self, i: int, col: int, indent: int) -> tuple[Scalar, int]:
        """A ``|`` or ``>`` block whose header is at ``col`` of line ``i``: every line of it at one
        indentation (deeper ones only in ``|``), no trailing spaces, no leading blank lines."""
        header = self.lines[i][col:].rstrip(" ")
        style, chomp = header[0], header[1:]
        if chomp not in ("", "-", "+"):
            raise _Unsure("an indentation indicator or a comment after a block header")
        body, j = self._block_body(i + 1, indent, style)
        trailing = 0
        while body[-1] is None:
            body.pop()
            trailing += 1
        value = "\n".join("" if part is None else part for part in body) if style == "|" else _folded(body)
        if chomp == "":
            value += "\n"
        elif chomp == "+":
            value += "\n" * (1 + trailing)
        return Scalar(value, i + 1, col + 1, style), j

    def _block_body(self, j: int, indent: int, style: str) -> tuple[list[str | None], int]:
        """The lines of a block starting at line ``j`` (None for a blank line), and the line after it."""
        lines, count = self.lines, self.count
        if j >= count or not lines[j].strip(" "):
            raise _Unsure("an empty block, or one starting with a blank line")
        body_indent = _indent(lines[j])
        if body_indent <= indent:
            raise _Unsure("an empty block")
        body: list[str | None] = []  # None: a blank line
        while j < count:
            line = lines[j]
            if not line.strip(" "):
                if len(line) > body_indent:
                    raise _Unsure("a blank line with more spaces than the block's indentation")
                body.append(None)
                j += 1
                continue
            found = _indent(line)
            if found < body_indent:
                break
            if (found > body_indent and style == ">") or line.endswith(" "):
                raise _Unsure("a more indented line in '>', or trailing spaces")
            body.append(line[body_indent:])
            j += 1
        if j == count and not self.last_line_ended:
            raise _Unsure("a block at the end of a file without a final line break")  # chomping differs
        return body, j


def _folded(body: list[str | None]) -> str:
    """A '>' block's lines folded: single line breaks become spaces, blank lines stay line breaks."""
    parts: list[str] = []
    blank = 0
    for part in body:
        if part is None:
            blank += 1
            continue
        if parts:
            parts.append("\n" * blank if blank else " ")
        parts.append(part)
        blank = 0
    return "".join(parts)


def _inline_scalar(line: str, i: int, col: int) -> Scalar:
    """One-line text starting at ``col`` of line ``i``: quoted, or plain (with a possible comment)."""
    first = line[col]
    if first == '"':
        end = line.find('"', col + 1)
        if end < 0 or "\\" in line[col:end]:
            raise _Unsure("double-quoted text with escapes or on several lines")
        _only_comment_after(line, end + 1)
        return Scalar(line[col + 1:end], i + 1, col + 1, '"')
    if first == "'":
        end = col + 1
        while True:
            end = line.find("'", end)
            if end < 0:
                raise _Unsure("single-quoted text on several lines")
            if not line.startswith("''", end):
                break
            end += 2
        _only_comment_after(line, end + 1)
        return Scalar(line[col + 1:end].replace("''", "'"), i + 1, col + 1, "'")
    if first in _NOT_PLAIN_START:
        raise _Unsure("text starting with a YAML indicator")
    text = line[col:]
    hash_at = text.find(" #")
    value = (text if hash_at < 0 else text[:hash_at]).rstrip(" ")
    if ": " in value or value.endswith(":"):
        raise _Unsure("': ' in plain text")
    cut = hash_at >= 0 and cut_by_comment(line, col + len(value), value)
    return Scalar(value, i + 1, col + 1, None, cut)


def _simple_flow_items(rest: str, start: int, number: int) -> list[Node] | None:
    """The items of a one-line flow list of plain words (``[topic::a, topic::b]``) starting at index
    ``start`` of line ``number``, read with string methods; None for anything else (then
    :func:`_flow_list` reads it, or leaves it to libyaml)."""
    inner = rest[1:-1]
    if any(c in inner for c in "\"'#[]{}"):
        return None
    items: list[Node] = []
    at = start + 1  # index of the character after '['
    for part in inner.split(","):
        text = part.strip(" ")
        if not text or text[0] in _NOT_PLAIN_START or ": " in text or ":?" in text or text[-1] == ":":
            return None  # (libyaml ends flow text at ':' before a space, '?', ',' or a bracket)
        items.append(Scalar(text, number, at + len(part) - len(part.lstrip(" ")) + 1))
        at += len(part) + 1
    return items


def _only_comment_after(line: str, at: int) -> None:
    tail = line[at:]
    if tail.strip(" ") and not (tail.startswith(" ") and tail.lstrip(" ").startswith("#")):
        raise _Unsure("text after a closing quote")


def _flow_list(line: str, i: int, col: int) -> Sequence:
    """A one-line flow list ``[a, "b", 'c']`` starting at ``col``, followed by nothing but a comment."""
    node = Sequence(i + 1, col + 1)
    pos = col + 1
    if line[pos:].lstrip(" ").startswith("]"):
        close = line.index("]", pos)
        _only_comment_after(line, close + 1)
        return node
    while True:
        match = _FLOW_ITEM.match(line, pos)
        if match is None:
            raise _Unsure("a flow list this reader leaves to libyaml")
        double, single, plain, sep = match.groups()
        if double is not None:
            node.items.append(Scalar(double, i + 1, match.start(1), '"'))
        elif single is not None:
            node.items.append(Scalar(single.replace("''", "'"), i + 1, match.start(2), "'"))
        else:
            node.items.append(Scalar(plain, i + 1, match.start(3) + 1))
        pos = match.end()
        if sep == "]":
            _only_comment_after(line, pos)
            return node
