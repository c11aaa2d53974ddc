"""YAML text -> a small tree of nodes that keep their source text and location.

This is the only module that imports ``yaml`` (and it is imported only for files that
:mod:`.blockyaml` leaves to libyaml). It reads *events*, never constructs Python objects, so
``no`` stays "no" and ``1.10`` stays "1.10"; anchors, aliases, explicit tags, merge keys, duplicate keys and
a second document are reported instead of interpreted, and aliases are never expanded (an alias bomb costs
nothing). Nesting is limited and the tree is built without recursion.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from rcc_cards.errors import Problem
from rcc_cards.loader import quoting
from rcc_cards.loader.nodes import MAX_DEPTH, Mapping, Node, Scalar, Sequence, cut_by_comment

_Loader: Any = getattr(yaml, "CSafeLoader", None)
PARSER = "libyaml" if _Loader is not None else "pure-python"
if _Loader is None:  # pragma: no cover - the wheels we install ship libyaml; tests assert it
    _Loader = yaml.SafeLoader

MAX_RECOVERIES = 50  # syntax errors reported per file before the rest is left unread


def parse(path: str, text: str) -> tuple[Node | None, list[Problem]]:
    """Parse one deck file, finding and locating every problem. The tree is ``None`` for an empty file, or
    when a syntax error could not be stepped over. (Most files are read by the faster :mod:`.blockyaml`;
    see :mod:`rcc_cards.loader`.)

    After a syntax error the file is read again with the broken part set aside: the list item (a card, or
    a section) or the top-level block holding the error is replaced by a stand-in, so every other card is
    still read and checked in the same run. A stand-in is a ``bad`` node, which the deck reader passes
    over in silence (nothing is reported as missing because of it), and the file's syntax error keeps
    it from being built. Up to :data:`MAX_RECOVERIES` errors, each in its own part.
    """
    lines = text.split("\n")
    stand_in = _stand_in(text)
    syntax: list[Problem] = []
    set_aside: list[tuple[int, int]] = []  # line ranges replaced, 0-based, end exclusive
    emptied: list[tuple[int, int]] = []  # those of them left blank, the stand-in not fitting there
    while True:
        root, problems, error = _parse_once(path, "\n".join(lines) if set_aside else text, stand_in)
        if error is None:
            return root, syntax + problems
        inside = [part for part in set_aside if part[0] <= error.line - 1 < part[1]]
        if inside and inside[0] not in emptied:  # the stand-in itself does not fit there: leave nothing
            emptied.append(inside[0])
            _replace(lines, inside[0], "")
            continue
        syntax.append(error)
        part = _part_around(lines, error.line - 1)
        if part is None or inside or len(syntax) > MAX_RECOVERIES:
            return None, _unique(syntax + problems)
        set_aside.append(part)
        _replace(lines, part, stand_in)


def _parse_once(path: str, text: str, stand_in: str) -> tuple[Node | None, list[Problem], Problem | None]:
    builder = _Builder(path, text, stand_in)
    parser = None
    try:
        parser = _Loader(text)  # the pure-Python reader already checks characters here
        _feed_all(parser, builder)
    except yaml.MarkedYAMLError as exc:
        lines = text.split("\n")
        error = builder.runaway or builder.quote_before(exc) or _syntax_problem(path, exc, lines)
        return None, builder.problems, error
    except yaml.YAMLError as exc:  # ReaderError of the pure-Python reader: no mark of the usual kind
        builder.problems.append(Problem(path, 1, 1, f"cannot read this file as YAML: {exc}"))
        return None, builder.problems, None
    finally:
        if parser is not None:
            parser.dispose()
    return builder.root, builder.problems, None


def _stand_in(text: str) -> str:
    """A plain word that does not occur in ``text``: what a set-aside part is replaced by."""
    word = "rcc-cards-set-aside"
    while word in text:
        word += "-x"
    return word


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _is_blank(text: str) -> bool:
    stripped = text.strip()
    return not stripped or stripped.startswith("#")


def _part_around(lines: list[str], index: int) -> tuple[int, int] | None:
    """The line range of the list item, or else the top-level block, that holds line ``index`` (0-based):
    from its first line to the next line indented no deeper than that first line's '- ' (or key)."""
    if index >= len(lines):
        return None
    here = lines[index].expandtabs(8)  # a tab-indented line counts as deep: its item above is set aside
    limit = _indent(here) if here.strip() else 1 << 30
    start = None
    for number in range(index, -1, -1):
        text = lines[number].expandtabs(8)
        if _is_blank(text):
            continue
        level = _indent(text)
        if text.lstrip(" ").startswith("- ") and (number == index or level < limit):
            start = number
            break
        if level == 0:
            start = number
            break
        limit = min(limit, level)
    if start is None:
        return None
    opener = _indent(lines[start])
    end = index + 1
    while end < len(lines) and (_is_blank(lines[end]) or not _ends_part(lines[end], opener)):
        end += 1
    return start, end


def _ends_part(text: str, opener: int) -> bool:
    """Does ``text`` begin the next part after one that starts at column ``opener``? A line no deeper than
    that, or a '- ' item less than two columns deeper (a sibling item written one column off; the part's
    own lists are indented further)."""
    level = _indent(text)
    return level <= opener or (level < opener + 2 and text.lstrip(" ").startswith("- "))


_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: |$)")


def _replace(lines: list[str], part: tuple[int, int], stand_in: str) -> None:
    """Replace the lines of ``part`` by the stand-in (an item, or a top-level key's value) and blank lines,
    so every other line keeps its number."""
    start, end = part
    first = lines[start]
    opener = _indent(first)
    if not stand_in:
        lines[start] = ""
    elif first.lstrip(" ").startswith("- "):
        lines[start] = " " * opener + "- " + stand_in
    else:
        key = _TOP_KEY.match(first)
        lines[start] = f"{key.group(1)}: {stand_in}" if key else ""
    for number in range(start + 1, end):
        lines[number] = ""


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _feed_all(parser: Any, builder: _Builder) -> None:
    """Pull events straight from the parser: ``yaml.parse``'s generator wrapper costs more per event
    than the C parser itself (measured at 10,000 cards)."""
    get_event, feed, end = parser.get_event, builder.feed, yaml.StreamEndEvent
    while True:
        event = get_event()
        if type(event) is end or feed(event):
            return


def _pos(mark: Any) -> tuple[int, int]:  # libyaml's and PyYAML's Mark classes differ
    return mark.line + 1, mark.column + 1


class _Builder:
    """Turns the event stream into nodes, with an explicit stack instead of recursion."""

    def __init__(self, path: str, text: str, stand_in: str = "") -> None:
        self.path = path
        self.text = text
        self.stand_in = stand_in  # the plain word that replaces a part set aside after a syntax error
        self.problems: list[Problem] = []
        self.root: Node | None = None
        self.stack: list[Mapping | Sequence] = []
        self.flow: list[bool] = []  # per open collection: is it in flow style ('[a, b]')
        self.pending_key: list[Scalar | None] = []  # per open mapping: the key awaiting its value
        self.seen_keys: list[dict[str, Scalar]] = []  # per open mapping: first occurrence of each key
        self.anchors: set[str] = set()
        self.documents = 0
        self.skip_depth = 0  # > 0 while inside a collection nested past MAX_DEPTH
        self.quoted: Any = None  # the last quoted scalar's event: a syntax error just after it is about it
        self.runaway: Problem | None = None  # the first quote left open that ran on into the deck's structure
        self._lines: list[str] | None = None

    def problem(self, line: int, col: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, col, message))

    def feed(self, event: Any) -> bool:  # Any: dispatched on the exact class, which mypy cannot narrow
        """Take one event; True means stop reading (a second document began)."""
        if self.skip_depth:
            self._skip(event)
            return False
        kind = type(event)
        if kind is yaml.ScalarEvent:  # the common case first: most events are scalars
            if event.anchor is not None or event.tag is not None:
                self._check_properties(event)
            self._attach(self._scalar(event))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._close()
        elif isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                line, col = _pos(event.start_mark)
                self.problem(
                    line, col,
                    "a second YAML document starts here; a deck file holds exactly one document. "
                    "Delete this '---' line, or move what follows into its own file.",
                )
                return True
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._check_properties(event)
            self._open(event)
        elif isinstance(event, yaml.AliasEvent):
            self._alias(event)
        return False

    def _scalar(self, event: yaml.ScalarEvent) -> Scalar:
        mark: Any = event.start_mark
        style = event.style or None  # libyaml says '' for plain, the pure-Python parser None
        node = Scalar(event.value, mark.line + 1, mark.column + 1, style,
                      bad=event.anchor is not None or event.tag is not None
                      or (style is None and event.value == self.stand_in))
        end_mark: Any = event.end_mark
        if style is None:
            node.comment_after = cut_by_comment(self.text, end_mark.index, node.value)
        elif style in quoting.QUOTES:
            self.quoted = event
            if end_mark.line != mark.line and self._runs_away(event):
                node.bad = True  # its text is the deck's structure; reported as the open quote it is
        return node

    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def _runs_away(self, event: yaml.ScalarEvent) -> bool:
        """Report multi-line quoted text that takes in lines of the deck's structure (a quote left open)."""
        start: Any = event.start_mark
        end: Any = event.end_mark
        pairs = zip(reversed(self.stack), reversed(self.flow), strict=True)
        block = next((node.col - 1 for node, flow in pairs if not flow), -1)  # the innermost block's column
        if not quoting.runs_away(self.lines(), start.line, end.line, block):
            return False
        problem = quoting.unclosed(self.path, start.line + 1, start.column + 1, end.line + 1, end.column)
        self.problems.append(problem)
        self.runaway = self.runaway or problem
        return True

    def quote_before(self, exc: yaml.MarkedYAMLError) -> Problem | None:
        """The syntax error ``exc`` as the quoting mistake it is, when it is text right after the quote
        that closed the last quoted text (``'the patient's'``); else None."""
        mark: Any = exc.problem_mark
        if self.quoted is None or mark is None:
            return None
        end: Any = self.quoted.end_mark
        line = self.lines()[end.line] if end.line < len(self.lines()) else ""
        if mark.line != end.line or not quoting.text_after_quote(line, end.column - 1, mark.column):
            return None
        return quoting.inner_quote(self.path, line, end.line + 1, end.column - 1, self.quoted.style)

    def _check_properties(self, event: yaml.NodeEvent) -> None:
        line, col = _pos(event.start_mark)
        if event.anchor is not None:
            self.anchors.add(event.anchor)
            self.problem(
                line, col,
                f"anchor '&{event.anchor}': anchors and aliases are not allowed in a deck; write each "
                f"card out in full. If this is text that starts with '&', put it in quotes: '&{event.anchor}'.",
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.problem(
                line, col,
                f"explicit tag '{shown}': YAML tags are not allowed in a deck (nothing in a deck is ever "
                "executed or converted). Remove the tag; if the text starts with '!', put it in quotes.",
            )

    def _alias(self, event: yaml.AliasEvent) -> None:
        line, col = _pos(event.start_mark)
        if event.anchor not in self.anchors:
            self.problem(
                line, col,
                f"'*{event.anchor}' is read as a YAML alias, and aliases are not allowed. "
                f"If this is text, put it in quotes: '*{event.anchor}'.",
            )
        self._attach(Scalar("", line, col, bad=True))

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        line, col = _pos(event.start_mark)
        if event.tag is not None:  # already reported; its content is not read
            self.skip_depth = 1
            self._attach(Scalar("", line, col, bad=True))
            return
        if len(self.stack) >= MAX_DEPTH:
            self.problem(
                line, col,
                f"nesting deeper than {MAX_DEPTH} levels; a deck needs far fewer. "
                "Flatten the sections (a section path of a few levels is plenty).",
            )
            self.skip_depth = 1
            self._attach(Scalar("", line, col, bad=True))
            return
        node = Mapping(line, col) if isinstance(event, yaml.MappingStartEvent) else Sequence(line, col)
        self.stack.append(node)
        self.flow.append(bool(event.flow_style))
        self.pending_key.append(None)
        self.seen_keys.append({})

    def _skip(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.CollectionStartEvent):
            self.skip_depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            self.skip_depth -= 1

    def _close(self) -> None:
        node = self.stack.pop()
        self.flow.pop()
        self.pending_key.pop()
        self.seen_keys.pop()
        self._attach(node)

    def _attach(self, node: Node) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1]
        if isinstance(parent, Sequence):
            parent.items.append(node)
            return
        key = self.pending_key[-1]
        if key is None:
            self.pending_key[-1] = self._as_key(node)
            return
        self.pending_key[-1] = None
        if not key.bad:
            parent.pairs.append((key, node))

    def _as_key(self, node: Node) -> Scalar:
        if not isinstance(node, Scalar):
            self.problem(node.line, node.col, "a key must be plain text, not a list or mapping.")
            return Scalar("", node.line, node.col, bad=True)
        if node.bad:
            return node
        if node.value == "<<" and node.style is None:
            self.problem(
                node.line, node.col,
                "merge key '<<' is not allowed in a deck; write the keys out in full.",
            )
            return Scalar(node.value, node.line, node.col, bad=True)
        seen = self.seen_keys[-1]
        first = seen.get(node.value)
        if first is not None:
            self.problem(
                node.line, node.col,
                f"duplicate key '{node.value}'; it was first defined at line {first.line}. "
                "YAML would silently keep only one of them: delete or rename one.",
            )
            return Scalar(node.value, node.line, node.col, bad=True)
        seen[node.value] = node
        return node


_KEY_LINE = re.compile(r"[ ]*(- )?[A-Za-z_][A-Za-z0-9_]*:( |$)")
_ITEM_MARKERS = re.compile(r"[ ]*(?:- +)*")
_ANY_KEY_LINE = re.compile(r"[ ]*(?:- +)*[^ #:'\"][^:]*:(?: |$)")  # a key (or an item), not a line of text


def _indent_above(lines: list[str], line: int) -> tuple[int, int] | None:
    """Column (0-based) where the content of the nearest non-blank line above ``line`` (1-based) starts,
    after its indentation and any '- ' item markers (a key under '- id: x' aligns with 'id', not with
    '-'), and that line's number."""
    for number in range(line - 1, 0, -1):
        text = lines[number - 1]
        if text.strip() and not text.lstrip().startswith("#"):
            return _ITEM_MARKERS.match(text).end(), number  # type: ignore[union-attr]  # always matches
    return None


def _expected_indent(lines: list[str], line: int) -> tuple[int, int] | None:
    """The indentation ``line`` (1-based) most likely meant, and the line above that has it.

    The candidates are the blocks still open at this line: walking up, each key line less indented than
    everything seen so far opens one (a '- ' item line opens two: its items and the keys inside the
    item). An item line is matched against item columns, a key line against key columns; the closest
    wins, the nearer line on a tie. None when the line already sits at a candidate's column.
    """
    here = lines[line - 1]
    indent = _indent(here)
    is_item = here.lstrip(" ").startswith("- ")
    bound = 1 << 30
    best: tuple[int, int, int] | None = None  # (distance, indent, line)
    for number in range(line - 1, 0, -1):
        text = lines[number - 1]
        level = _indent(text)
        if level >= bound or not _ANY_KEY_LINE.match(text):
            continue
        bound = level
        stripped = text.lstrip(" ")
        if stripped.startswith("- "):
            levels = [level] if is_item else [_ITEM_MARKERS.match(text).end()]  # type: ignore[union-attr]
        else:
            levels = [] if is_item else [level]
        for candidate in levels:
            if best is None or abs(candidate - indent) < best[0]:
                best = (abs(candidate - indent), candidate, number)
        if level == 0:
            break
    if best is None or best[0] == 0:
        return None
    return best[1], best[2]


def _syntax_problem(path: str, exc: yaml.MarkedYAMLError, lines: list[str]) -> Problem:
    """The parser's complaint, in plain words, at the place the author has to change."""
    context = exc.context or ""
    problem = exc.problem or ""
    mark = exc.problem_mark or exc.context_mark
    line, col = _pos(mark) if mark is not None else (1, 1)
    start_line, start_col = _pos(exc.context_mark) if exc.context_mark is not None else (line, col)
    if line > len(lines):  # "end of stream" points past the last line
        line, col = len(lines), len(lines[-1]) + 1
    here = lines[line - 1] if line <= len(lines) else ""
    char = here[col - 1] if 0 < col <= len(here) else ""

    if "nesting depth" in problem:
        return Problem(path, line, col, f"nesting far deeper than the {MAX_DEPTH} levels a deck may use; "
                                        "the YAML parser gave up here. Flatten the structure.")
    if "cannot start any token" in problem:
        if char == "\t":
            message = "tab used for indentation; YAML cannot indent with tabs. Indent with spaces."
        else:
            message = (
                f"text cannot start with '{char}' (YAML reserves it). "
                f"Put the whole text in quotes, for example: \"{here[col - 1:].strip()}\"."
            )
        return Problem(path, line, col, message)
    if "mapping values are not allowed" in problem:
        return _colon_problem(path, line, col, lines)
    if "quoted scalar" in context and "end of stream" in problem:
        return Problem(
            path, start_line, start_col,
            "unterminated quoted text: the quote opened here is never closed. "
            "Add the closing quote at the end of the text.",
        )
    if "quoted scalar" in context and "escape" in problem:
        return Problem(
            path, start_line, start_col,
            f"invalid character escape in quoted text ({problem}); a lone surrogate such as \\ud800 is "
            "not a character. Write the character itself, or a valid \\u escape.",
        )
    if "alias" in context or "anchor" in context:
        return Problem(
            path, start_line, start_col,
            "text starting with '*' or '&' is read as a YAML alias or anchor, and those are not allowed. "
            "Put the text in quotes, for example: \"*bold*\".",
        )
    if "flow" in context:
        return Problem(
            path, start_line, start_col,
            f"the bracket opened here is never closed properly ({problem}). "
            "Close it, or put text containing '[', ']', '{', '}' or ',' in quotes.",
        )
    if "block" in context or "expected key" in problem or "block end" in problem:
        return _block_problem(path, line, col, start_line, lines)
    where = f" ({context} at line {start_line})" if context else ""
    return Problem(path, line, col, f"YAML syntax error: {problem}{where}. Check quoting and indentation.")


def _colon_problem(path: str, line: int, col: int, lines: list[str]) -> Problem:
    """': ' where YAML cannot start a key: a key line indented unlike its block, or unquoted text."""
    here = lines[line - 1]
    indent = _indent(here)
    above = _indent_above(lines, line)
    if _KEY_LINE.match(here) and above is not None and indent != above[0]:
        return Problem(
            path, line, indent + 1,
            f"indentation: this line starts at column {indent + 1} but the line above (line "
            f"{above[1]}) at column {above[0] + 1}, so YAML reads it as part of the text above. "
            f"Indent it by {above[0]} spaces, like the keys it belongs with (if it is text "
            "containing ': ', put the text in quotes).",
        )
    return Problem(
        path, line, col,
        "found ': ' inside unquoted text, which YAML reads as the start of a new key. "
        "Put text containing ': ' in quotes (a: \"Ratio 1: 2\"); if this line is meant to be a key, "
        "indent it exactly like the keys above it.",
    )


def _block_problem(path: str, line: int, col: int, start_line: int, lines: list[str]) -> Problem:
    """A line that fits no open block: the column it most likely meant, and the line that has it."""
    here = lines[line - 1] if line <= len(lines) else ""
    expected = _expected_indent(lines, line) if here.strip() else None
    if expected is not None:
        indent = _indent(here)
        what = "the '- ' items of this list start" if here.lstrip(" ").startswith("- ") else \
            "the keys it belongs with start"
        return Problem(
            path, line, indent + 1,
            f"indentation: this line starts at column {indent + 1}, but {what} at column "
            f"{expected[0] + 1} (line {expected[1]}). Indent it by {expected[0]} spaces.",
        )
    return Problem(
        path, line, col,
        "indentation does not match the lines above: this line is indented differently from the "
        f"block that starts at line {start_line}. Indent it with the same number of spaces as the "
        "keys (or '- ' items) it belongs with.",
    )


def scalar_spans(text: str) -> dict[tuple[int, int], tuple[int, int, str | None]]:
    """Every scalar of ``text`` by its 1-based (line, column), as the node tree places it: its start and end
    offsets in ``text`` (characters; the pure-Python parser, whose marks count characters, not bytes) and its
    style. For a block scalar (``|``, ``>``) the span runs from the indicator to its last line's end; the
    blank lines after it are left out. The one place a deck file's text is edited from (:mod:`.edit`)."""
    spans: dict[tuple[int, int], tuple[int, int, str | None]] = {}
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.ScalarEvent):
            first: Any = event.start_mark
            start, end = first.index, event.end_mark.index  # type: ignore[union-attr]  # set by the parser
            style = event.style or None
            if style in ("|", ">"):
                end = start + len(text[start:end].rstrip())
            spans[(first.line + 1, first.column + 1)] = (start, end, style)
    return spans
