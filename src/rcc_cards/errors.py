"""Problems found in the input, as values, and the one exception root."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal, NamedTuple

from rcc_cards.model import Loc

Severity = Literal["error", "warning"]


class Problem(NamedTuple):
    """One thing wrong with an input file, at a 1-based line and column.

    ``str()`` gives ``path:line:col: severity: message``, the form editors and grep understand.
    """

    path: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{shown(self.path)}:{self.line}:{self.col}: {self.severity}: {one_line(self.message)}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}


def _escaped(char: str) -> str:
    """One character as bash's ``$'…'`` quoting writes it (a byte that is not UTF-8, which Python keeps as
    a lone surrogate, as that byte)."""
    code = ord(char)
    if char in _ESCAPES:
        return _ESCAPES[char]
    if char.isprintable():
        return char
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def shown(path: object) -> str:
    """A path as rcc-cards prints it: as it is, unless it holds a character that is not printable (a line
    break, a control or format character, a byte that is not UTF-8); then in bash's ``$'…'`` quoting
    (``$'decks/a\\nb.yaml'``), which keeps each message on one line and pastes into a shell as the path."""
    text = str(path)
    return text if text.isprintable() else "$'" + "".join(map(_escaped, text)) + "'"


def one_line(message: str) -> str:
    """A message with every character that is not printable escaped (as :func:`shown` does), so that
    whatever text it quotes, it stays one line."""
    return message if message.isprintable() else "".join(c if c in "\\'" else _escaped(c) for c in message)


def problem_at(loc: Loc, message: str, severity: Severity = "error") -> Problem:
    """A problem at a place in the model (a card, one of its keys, a deck)."""
    return Problem(loc.path, loc.line, loc.col, message, severity)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, each reported once."""
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


class RccCardsError(Exception):
    """An error the user can fix; the CLI prints it and exits with status 1. An error of several lines is
    raised with one argument per line (each shown on one line, see :func:`one_line`)."""

    def lines(self) -> list[str]:
        """The message, one printable line per argument."""
        return [one_line(str(arg)) for arg in self.args] or [type(self).__doc__ or ""]


class ProblemsFound(RccCardsError):
    """The input has errors; nothing was written.

    ``inputs``: the files that were read (deck files, and the sources and media of the decks that loaded);
    watch mode waits for one of them to change.
    """

    def __init__(self, problems: list[Problem], inputs: Sequence[Path] = ()) -> None:
        super().__init__(f"{sum(p.is_error for p in problems)} error(s) in the input")
        self.problems = problems
        self.inputs = list(inputs)


class OutputError(RccCardsError):
    """A package could not be written (disk full, permission denied, …)."""
