"""What 'build', 'diff' and 'preview' do, as library calls: stamp each deck against its lock file,
plan the packages, compile and write them atomically, skip builds whose inputs did not change.

Nothing here prints or exits; the CLI renders the values these functions return.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from rcc_cards import buildcache, lockfile, stamps, summary, writer
from rcc_cards.errors import Problem, ProblemsFound, RccCardsError, problem_at, sort_problems
from rcc_cards.model import Deck
from rcc_cards.project import DEFAULT_OUTPUT, Loaded, NothingSelected, discover, load, no_cyclic_gc, select

if TYPE_CHECKING:
    from rcc_cards import compiler

# _compiler_import: `compiler` (and with it genanki, which pulls in asyncio) is imported inside the two
# functions that build packages, not here: about 0.2 s of start-up that 'diff' and 'preview' skip.

class Written(NamedTuple):
    path: Path
    deck_keys: tuple[str, ...]
    counts: summary.Counts
    up_to_date: bool = False  # not rebuilt: nothing it depends on changed since it was written


@dataclass(frozen=True)
class BuildPlan:
    """Which decks (and which of their cards) go to which package path."""

    packages: dict[Path, list[compiler.DeckBuild]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # deck keys the filters emptied


def plan(stamped: Sequence[stamps.Stamped], output: Path | None, include: Sequence[str] = (),
         exclude: Sequence[str] = ()) -> BuildPlan:
    """``output`` ending in ``.apkg`` takes every deck; otherwise it is a folder of ``<deck key>.apkg``."""
    from rcc_cards import compiler  # see _compiler_import below

    result = BuildPlan()
    for item in stamped:
        deck = item.deck
        cards = select(deck, include, exclude)
        if not cards:
            result.skipped.append(deck.key)
            continue
        if output is not None and output.suffix == ".apkg":
            target = output
        else:
            target = (output or DEFAULT_OUTPUT) / f"{deck.key}.apkg"
        build = compiler.DeckBuild(deck, cards, item.mods, item.type_mods, item.fields)
        result.packages.setdefault(target, []).append(build)
    if not result.packages:
        wanted = ", ".join([f"--tag {t}" for t in include] + [f"--exclude-tag {t}" for t in exclude])
        raise NothingSelected(f"no note is left after {wanted or 'the tag filters'}; 'rcc-cards tags' lists the tags")
    return result


def build_timestamp(environ: Mapping[str, str] = os.environ, clock: float | None = None) -> int:
    """The time new content is stamped with: ``SOURCE_DATE_EPOCH`` when set, else now.

    A time in the future is refused: notes stamped later than the learner's clock would block every
    later update until that time passed.
    """
    now = int(time.time() if clock is None else clock)
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None:
        return now
    if not value.isdigit():
        raise RccCardsError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970; found {value!r}")
    if int(value) > now + FUTURE_TOLERANCE:
        raise RccCardsError(f"SOURCE_DATE_EPOCH={value} is in the future (now is {now}); notes stamped in the "
                            "future would block every later update. Use a past time, e.g. the last commit's")
    return int(value)


FUTURE_TOLERANCE = 300  # seconds of clock difference between machines that we accept


def lock_shown(deck: Deck) -> str:
    """The lock file's path, named the way the deck file was named."""
    return str(lockfile.lock_path(Path(deck.loc.path)))


def stamp_decks(decks: Sequence[Deck], now: int) -> tuple[list[stamps.Stamped], list[Problem]]:
    """Each deck compared with its lock file."""
    stamped: list[stamps.Stamped] = []
    problems: list[Problem] = []
    for deck in decks:
        lock, lock_problems = lockfile.read(lockfile.lock_path(deck.file), lock_shown(deck))
        problems += lock_problems
        future = [] if lock is None else [k for k, s in lock.cards.items() if s.changed > now + FUTURE_TOLERANCE]
        if future:
            problems.append(Problem(lock_shown(deck), 1, 1, f"the lock file stamps {len(future)} card(s) in the "
                                                            f"future (e.g. '{future[0]}'); was it written on a "
                                                            "machine with a wrong clock? Restore it from git"))
        renamed = lock is not None and lock.deck != deck.key
        if lock is not None and renamed:
            problems.append(problem_at(deck.key_loc, f"deck key '{deck.key}' differs from '{lock.deck}' in "
                                                     f"{lock_shown(deck)}: the key is part of every note's "
                                                     "identity, so learners would get every card a second time. "
                                                     "Restore the key; if this really is a new deck, delete the "
                                                     "lock file"))
        if not lock_problems and not future and not renamed:
            stamped.append(stamps.stamp(deck, lock, now))
    return stamped, problems


def stale_lock_problems(item: stamps.Stamped) -> list[Problem]:
    """For ``build --locked``: every way the lock file is out of date, at the place to look."""
    shown = lock_shown(item.deck)
    fix = f"run 'rcc-cards build' and commit {shown}"
    if item.first_build:
        loc = item.deck.loc
        return [Problem(loc.path, loc.line, loc.col, f"deck '{item.deck.key}' has no lock file {shown}; {fix}")]
    try:
        text = lockfile.lock_path(item.deck.file).read_text(encoding="utf-8")
    except OSError:
        text = ""
    problems = [Problem(c.loc.path, c.loc.line, c.loc.col, f"card '{c.id}' is not in {shown}; {fix}")
                for c in item.added]
    problems += [Problem(c.loc.path, c.loc.line, c.loc.col, f"card '{c.id}' changed since {shown} was written; "
                                                            f"{fix}") for c in item.changed]
    problems += [Problem(shown, lockfile.line_of(text, r), 5, f"card '{r}' was removed from the deck; {fix}")
                 for r in item.removed]
    problems += [Problem(shown, 1, 1, f"note type '{t.name}' changed; {fix}") for t in item.type_changes]
    return problems


def write_preview(paths: Sequence[Path], output: Path, include: Sequence[str] = (),
                  exclude: Sequence[str] = ()) -> tuple[list[Problem], summary.Counts]:
    """Write the preview page of the decks (a ``--tag`` subset if asked); returns the warnings and counts."""
    from rcc_cards import preview

    loaded = load(paths)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems)
    selection = [(d, select(d, include, exclude)) for d in loaded.decks]
    selection = [(d, cards) for d, cards in selection if cards]
    if not selection:
        raise NothingSelected("no note is left after the tag filters; 'rcc-cards tags' lists the tags")
    writer.write_atomic(output, preview.page(selection).encode("utf-8"))
    return loaded.problems, summary.counts(selection)


class BuildReport(NamedTuple):
    written: list[Written]
    plan: BuildPlan
    stamped: list[stamps.Stamped]
    warnings: list[Problem]
    locks_written: list[str]


def prepare(paths: Sequence[Path], locked: bool = False, now: int | None = None
            ) -> tuple[Loaded, list[stamps.Stamped]]:
    """Load, check and stamp; raises ProblemsFound on any error (and, when ``locked``, on a stale lock)."""
    loaded = load(paths)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems)
    stamped, problems = stamp_decks(loaded.decks, build_timestamp() if now is None else now)
    if locked:
        problems += [p for item in stamped if item.has_changes for p in stale_lock_problems(item)]
    if problems:
        raise ProblemsFound(sort_problems(loaded.problems + problems))
    return loaded, stamped


BUILD_STEPS = ("checking", "compiling", "writing packages", "writing lock files")


def build(paths: Sequence[Path], output: Path | None = None, include: Sequence[str] = (),
          exclude: Sequence[str] = (), locked: bool = False, now: int | None = None,
          progress: Callable[[str], None] | None = None, force: bool = False) -> BuildReport:
    """Load, check, stamp and write every package, then the lock files that changed.

    Nothing is written unless every input is free of errors (and, with ``locked``, every lock file is
    up to date). When nothing the last identical build read or wrote has changed, nothing is redone
    (:mod:`rcc_cards.buildcache`) and the report says so.
    """
    cache = buildcache.cache_path(output, DEFAULT_OUTPUT)
    key = buildcache.options_key(paths, output, include, exclude, locked)
    code = buildcache.code_digest()
    record = None if force else buildcache.lookup(cache, key, code, [p for p, _ in discover(paths)])
    if record is not None:
        written = [Written(Path(p), (), summary.Counts(*c), up_to_date=True) for p, c in record.counts.items()]
        return BuildReport(written, BuildPlan(), [], record.warnings, [])
    report = _build(paths, output, include, exclude, locked, now, progress)
    inputs = [p for item in report.stamped for p in (item.deck.file, lockfile.lock_path(item.deck.file),
                                                    *item.deck.referenced_files())]
    outputs = [w.path for w in report.written]
    buildcache.store(cache, key, buildcache.Record(
        code, buildcache.digests(inputs), buildcache.digests(outputs), report.warnings,
        {str(w.path): [w.counts.notes, w.counts.cards, w.counts.tags] for w in report.written}))
    return report


def _build(paths: Sequence[Path], output: Path | None, include: Sequence[str], exclude: Sequence[str],
           locked: bool, now: int | None, progress: Callable[[str], None] | None) -> BuildReport:
    from rcc_cards import compiler  # see _compiler_import below

    step = progress or (lambda name: None)
    with no_cyclic_gc():
        loaded, stamped = prepare(paths, locked, now)
        step(BUILD_STEPS[0])
        the_plan = plan(stamped, output, include, exclude)
        step(BUILD_STEPS[1])
        written = []
        for target, builds in the_plan.packages.items():
            writer.write_package(target, functools.partial(compiler.write_package, builds))
            written.append(Written(target, tuple(b.deck.key for b in builds),
                                   summary.counts((b.deck, b.cards) for b in builds)))
        step(BUILD_STEPS[2])
    locks = []
    for item in stamped:
        path = lockfile.lock_path(item.deck.file)
        text = lockfile.dumps(item.lock)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            writer.write_atomic(path, text.encode("utf-8"))
            locks.append(lock_shown(item.deck))
    step(BUILD_STEPS[3])
    return BuildReport(written, the_plan, stamped, loaded.problems, locks)
