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
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def problem_at(loc: Loc, message: str, severity: Severity = "error") -> Problem:
    """A problem at a place in the model (a card, one of its keys, a deck)."""
    return Problem(loc.path, loc.line, loc.col, message, severity)


def rule_problem(loc: Loc, message: str, rule: str, severity: Severity = "error") -> Problem:
    """A content rule's problem: the message ends with the rule's name in brackets (README: rules)."""
    return problem_at(loc, f"{message} [{rule}]", severity)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, each reported once."""
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


class RccCardsError(Exception):
    """An error the user can fix; the CLI prints it and exits with status 1."""


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
