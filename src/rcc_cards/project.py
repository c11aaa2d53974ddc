"""What the commands do, as library calls: find deck files, load and check them, build packages.

Nothing here prints or exits; the CLI renders the values these functions return.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rcc_cards import checks, compiler, summary, tags, writer
from rcc_cards.errors import Problem, ProblemsFound, RccCardsError, has_errors, sort_problems
from rcc_cards.loader import load_file
from rcc_cards.model import Card, Deck

DEFAULT_DECKS = Path("decks")
DEFAULT_OUTPUT = Path("build")
DECK_SUFFIXES = (".yaml", ".yml")


class NoDeckFiles(RccCardsError):
    """The paths given name no deck file (a usage error)."""


class NothingSelected(RccCardsError):
    """The --tag/--exclude-tag filters leave no note in any deck (a usage error)."""


def discover(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Deck files named by ``paths`` (folders are searched recursively), with the name to show for each."""
    if not paths:
        if not DEFAULT_DECKS.is_dir():
            raise NoDeckFiles(f"no deck files given and no '{DEFAULT_DECKS}/' folder here; "
                              "run from the project folder or name the deck files")
        paths = [DEFAULT_DECKS]
    found: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix in DECK_SUFFIXES and p.is_file())
            if not files:
                raise NoDeckFiles(f"folder '{path}' holds no deck files (*.yaml, *.yml)")
            found += [(f, str(f)) for f in files]
        else:
            found.append((path, str(path)))
    unique = dict((p.resolve(), (p, shown)) for p, shown in found)
    return list(unique.values())


@dataclass(frozen=True)
class Loaded:
    """Every deck that loaded, and every problem of every file."""

    decks: list[Deck]
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def load(paths: Sequence[Path]) -> Loaded:
    decks: list[Deck] = []
    clean: list[Deck] = []
    problems: list[Problem] = []
    for path, shown in discover(paths):
        deck, file_problems = load_file(path, shown)
        problems += file_problems
        if deck is not None:
            decks.append(deck)
            if not has_errors(file_problems):
                clean.append(deck)
    problems += checks.check_decks(decks, clean)
    return Loaded(decks, sort_problems(problems))


def select(deck: Deck, include: Sequence[str], exclude: Sequence[str]) -> list[Card]:
    """The deck's cards that pass the tag filters, in file order."""
    return [c for c in deck.cards() if tags.selected(summary.note_tags(deck, c), include, exclude)]


@dataclass(frozen=True)
class Written:
    path: Path
    deck_keys: tuple[str, ...]
    counts: summary.Counts


@dataclass(frozen=True)
class BuildPlan:
    """Which decks (and which of their cards) go to which package path."""

    packages: dict[Path, list[compiler.DeckBuild]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # deck keys the filters emptied


def plan(decks: Sequence[Deck], output: Path | None, include: Sequence[str] = (),
         exclude: Sequence[str] = ()) -> BuildPlan:
    """``output`` ending in ``.apkg`` takes every deck; otherwise it is a folder of ``<deck key>.apkg``."""
    result = BuildPlan()
    for deck in decks:
        cards = select(deck, include, exclude)
        if not cards:
            result.skipped.append(deck.key)
            continue
        if output is not None and output.suffix == ".apkg":
            target = output
        else:
            target = (output or DEFAULT_OUTPUT) / f"{deck.key}.apkg"
        result.packages.setdefault(target, []).append(compiler.DeckBuild(deck, cards))
    if not result.packages:
        wanted = ", ".join([f"--tag {t}" for t in include] + [f"--exclude-tag {t}" for t in exclude])
        raise NothingSelected(f"no note is left after {wanted}; 'rcc-cards tags' lists the tags")
    return result


def build_timestamp(environ: Mapping[str, str] = os.environ) -> int:
    """Build time: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now."""
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return int(time.time())
    if not value.isdigit():
        raise RccCardsError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970; found {value!r}")
    return int(value)


def build(paths: Sequence[Path], output: Path | None = None, include: Sequence[str] = (),
          exclude: Sequence[str] = (), timestamp: int | None = None) -> tuple[list[Written], BuildPlan,
                                                                            list[Problem]]:
    """Load, check, and write every package; nothing is written unless every input is free of errors.

    Returns what was written, the plan (with decks the filters emptied) and the warnings.
    """
    loaded = load(paths)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems)
    the_plan = plan(loaded.decks, output, include, exclude)
    stamp = build_timestamp() if timestamp is None else timestamp
    packed = {target: compiler.package_bytes(builds, stamp) for target, builds in the_plan.packages.items()}
    written = []
    for target, data in packed.items():
        writer.write_atomic(target, data)
        builds = the_plan.packages[target]
        written.append(Written(target, tuple(b.deck.key for b in builds),
                               summary.counts((b.deck, b.cards) for b in builds)))
    return written, the_plan, loaded.problems
