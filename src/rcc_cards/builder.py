"""What 'build', 'diff' and 'preview' do, as library calls: stamp each deck against its lock file
(:mod:`rcc_cards.stamps`), plan the packages, compile and write them atomically, skip builds whose inputs
did not change (:mod:`rcc_cards.buildcache`).

One frozen :class:`BuildOptions` value in, a :class:`BuildReport` out. Nothing here prints or exits; the
CLI renders the values these functions return.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple

from rcc_cards import buildcache, lockfile, outputs, project, reads, stamps, suggest, summary, writer
from rcc_cards.errors import Problem, ProblemsFound, RccCardsError, has_errors, sort_problems
from rcc_cards.memo import NO_MEMO, Memo, Same, one_run
from rcc_cards.model import Card, Deck
from rcc_cards.project import (
    FRESH,
    DeckFiles,
    Loaded,
    NoDeckFiles,
    NothingSelected,
    Read,
    Reuse,
    discover,
    load,
    no_cyclic_gc,
    select,
)

if TYPE_CHECKING:
    from rcc_cards import compiler

# _compiler_import: `compiler` (and with it genanki, which pulls in asyncio) is imported inside the two
# functions that build packages, not here: about 0.2 s of start-up that 'diff' and 'preview' skip.


class BuildOptions(NamedTuple):
    """Everything that decides what a build reads and writes, as one immutable value.

    The up-to-date cache key (:meth:`cache_key`) is made from every field, so a new option cannot be left
    out of it; a field that only says *whether* to use the cache, not what a build writes, is named in
    :data:`NOT_IN_CACHE_KEY`. (A named tuple rather than a frozen dataclass: as immutable, and about 1 ms
    less of every start.)
    """

    paths: tuple[Path, ...] = ()  # deck files and folders; none: decks/
    output: Path | None = None  # a .apkg (every deck in it) or a folder (<deck key>.apkg each); none: build/
    include: tuple[str, ...] = ()  # --tag
    exclude: tuple[str, ...] = ()  # --exclude-tag
    locked: bool = False  # fail, writing nothing, when a lock file is out of date
    force: bool = False  # rebuild even when up to date

    def cache_key(self) -> str:
        """The options' part of the up-to-date record's key: every field that decides what is written."""
        values = {name: _key_value(value) for name, value in self._asdict().items() if name not in NOT_IN_CACHE_KEY}
        return json.dumps(values, sort_keys=True)

    @property
    def cache_file(self) -> Path:
        return buildcache.cache_path(outputs.folder(self.output))


NOT_IN_CACHE_KEY = frozenset({"force"})  # whether to use the cache at all, not what a build writes


def _key_value(value: object) -> Any:
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, tuple):
        items = [_key_value(v) for v in value]
        return sorted(items) if all(isinstance(v, Path) for v in value) else items  # paths: any order
    return value


class Written(NamedTuple):
    """A package of the build: where, what it holds."""

    path: Path
    counts: summary.Counts
    up_to_date: bool = False  # not rebuilt: nothing it depends on changed since it was written


class BuildPlan(NamedTuple):
    """Which decks (and which of their cards) go to which package path."""

    packages: dict[Path, list[compiler.DeckBuild]]
    skipped: list[str]  # deck keys the filters emptied


def plan(stamped: Sequence[stamps.Stamped], output: Path | None, include: Sequence[str] = (),
         exclude: Sequence[str] = ()) -> BuildPlan:
    """``output`` ending in ``.apkg`` takes every deck; otherwise it is a folder of ``<deck key>.apkg``."""
    from rcc_cards import compiler  # see _compiler_import below

    result = BuildPlan({}, [])
    for item in stamped:
        deck = item.deck
        cards = select(deck, include, exclude)
        if not cards:
            result.skipped.append(deck.key)
            continue
        target = outputs.package_for(deck.key, output)
        build = compiler.DeckBuild(deck, cards, item.mods, item.type_mods, item.fields)
        result.packages.setdefault(target, []).append(build)
    if not result.packages:
        wanted = ", ".join([f"--tag {t}" for t in include] + [f"--exclude-tag {t}" for t in exclude])
        raise NothingSelected(f"no note is left after {wanted or 'the tag filters'}; 'rcc-cards tags' lists the "
                              f"tags{_closest_tags(include, [item.deck for item in stamped])}")
    return result


def write_preview(paths: Sequence[Path], output: Path, include: Sequence[str] = (),
                  exclude: Sequence[str] = ()) -> tuple[list[Problem], summary.Counts]:
    """Write the preview page of the decks (a ``--tag`` subset if asked); returns the warnings and counts."""
    loaded = load(paths)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems, inputs=loaded.inputs)
    return loaded.problems, preview_of(loaded, output, include, exclude)


def preview_of(loaded: Loaded, output: Path, include: Sequence[str] = (), exclude: Sequence[str] = (),
               staged: writer.Staged | None = None) -> summary.Counts:
    """Write the preview page of decks already loaded (the memo they were checked with keeps each deck's part
    of the page, for the deck object and the tag filters), or, given ``staged``, stage it with the files
    written together; returns its counts."""
    memo = loaded.memo
    from rcc_cards import preview

    selection = [(d, select(d, include, exclude)) for d in loaded.built]
    selection = [(d, cards) for d, cards in selection if cards]
    if not selection:
        raise NothingSelected("no note is left after the tag filters; 'rcc-cards tags' lists the tags"
                              f"{_closest_tags(include, loaded.built)}")
    lock_files = [lockfile.lock_path(d) for d in loaded.decks] + [p for d in loaded.decks
                                                                 for p in d.file.parent.glob("*.lock.json")]
    writer.refuse_inputs([output], [*loaded.inputs, *lock_files], "preview")

    def body_of(deck: Deck, cards: Sequence[Card]) -> tuple[str, int]:
        return memo.get_or_compute("preview", (Same(deck), tuple(include), tuple(exclude)),
                                   lambda: preview.deck_body(deck, cards, memo))

    data = preview.page(selection, body_of).encode("utf-8")
    if staged is None:
        writer.write_atomic(output, data)
    else:
        staged.add(output, data)
    return summary.counts(selection)


def _closest_tags(wanted: Sequence[str], decks: Sequence[Deck]) -> str:
    """A "did you mean" naming the existing tags closest to each wanted one (ignoring case), or ""."""
    existing = {t.casefold(): t for t, _ in summary.tag_tree((d, d.cards()) for d in decks)}
    close = [existing[c] for w in wanted if (c := suggest.closest(w.casefold(), existing)) is not None]
    return f". Did you mean {' or '.join(repr(t) for t in dict.fromkeys(close))}?" if close else ""


class BuildReport(NamedTuple):
    written: list[Written]
    plan: BuildPlan
    stamped: list[stamps.Stamped]
    warnings: list[Problem]
    locks_written: list[str]
    inputs: list[Path]  # the files the decks' content comes from: deck files, sources, media (watched)
    not_built: list[str] = []  # a line for each deck file not built: no cards yet, or a drafts file
    loaded: Loaded | None = None  # the decks as loaded (None when the build was skipped as up to date)
    preview: summary.Counts | None = None  # the preview page's counts, when one was written with the build


def not_built(loaded: Loaded) -> list[str]:
    """Why each deck that loaded but is not built is left out, in words."""
    return [f"not built: {deck.key}: "
            + (f"drafts for deck '{deck.drafts_for}', never built (review them, then move each into its deck)"
               if deck.drafts_for else "no cards yet")
            for deck in loaded.decks if not deck.built]


def prepare(paths: Sequence[Path], locked: bool = False, now: int | None = None,
            files: DeckFiles | None = None, reuse: Reuse = FRESH) -> tuple[Loaded, list[stamps.Stamped]]:
    """Load, check and stamp; raises ProblemsFound on any error (and, when ``locked``, on a stale lock).

    ``files`` are the deck files, when the caller has already found them (:func:`~rcc_cards.project.discover`);
    ``reuse``: how deck files are read and what the steps may remember (its memo is made here if it has none).
    """
    reuse = reuse if reuse.memo is not None else reuse._replace(memo=one_run())
    loaded = load(paths, files, reuse)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems, inputs=loaded.inputs)
    if not loaded.built:
        raise NoDeckFiles("no deck has cards to build yet; add cards (or run 'rcc-cards draft DECK' and "
                          "review what it proposes), then build")
    stamped, problems = stamps.stamp_decks(loaded.built, stamps.build_timestamp() if now is None else now,
                                           _memo(reuse))
    if locked:
        problems += [p for item in stamped if item.has_changes for p in stamps.stale_problems(item)]
    if problems:
        raise ProblemsFound(sort_problems(loaded.problems + problems), inputs=loaded.inputs)
    return loaded, stamped


BUILD_STEPS = ("checking", "compiling", "writing packages", "writing lock files")


def build(options: BuildOptions, files: DeckFiles | None = None, now: int | None = None,
          progress: Callable[[str], None] | None = None, reuse: Reuse = FRESH,
          preview: Path | None = None) -> BuildReport:
    """Load, check, stamp and write every package, then the lock files that changed (and the ``preview``
    page, if asked: all of them, or, when one cannot be written, none).

    Nothing is written unless every input is free of errors (and, with ``locked``, every lock file is
    up to date). When nothing the last identical build read or wrote has changed, nothing is redone
    (:mod:`rcc_cards.buildcache`) and the report says so. ``files``: the deck files, when the caller has
    already found them; they are found once per build. ``reuse``: how deck files are read, and the memo the
    steps share (a new one when it has none; a watch session passes the one it keeps, :mod:`rcc_cards.watch`):
    a package whose decks' stamps are those a build with this memo left, still as it wrote it, is not
    compiled again.
    """
    reuse = reuse if reuse.memo is not None else reuse._replace(memo=one_run())
    with reads.recording():  # what each input was when first read (watch mode waits for it to change)
        return _build_recorded(options, discover(options.paths) if files is None else files, now, progress,
                               reuse, preview)


def _build_recorded(options: BuildOptions, files: DeckFiles, now: int | None,
                    progress: Callable[[str], None] | None, reuse: Reuse,
                    preview: Path | None) -> BuildReport:
    memo = _memo(reuse)
    key = options.cache_key()
    code = buildcache.code_digest()
    digest = functools.partial(_digest, memo)
    record = None
    if not options.force:
        record = buildcache.lookup(options.cache_file, key, code, [p for p, _ in files], digest)
    if record is not None:
        written = [Written(Path(p), summary.Counts(*c), up_to_date=True) for p, c in record.counts.items()]
        inputs = [Path(p) for p in record.inputs if not lockfile.is_lock(Path(p))]
        return BuildReport(written, BuildPlan({}, []), [], record.warnings, [], inputs)
    with writer.Staged() as staged:
        report = _build(options, files, now, progress, staged, reuse)
        locks = [lockfile.lock_path(item.deck) for item in report.stamped]

        digests = functools.partial(buildcache.digests, staged=staged.temporary, digest=digest)
        record = buildcache.Record(
            code, digests([*report.inputs, *locks]), digests([w.path for w in report.written]), report.warnings,
            {str(w.path): [w.counts.notes, w.counts.cards, w.counts.tags] for w in report.written})
        staged.add(options.cache_file, buildcache.stored(options.cache_file, key, record), durable=False)
        if preview is not None and report.loaded is not None:
            counts = preview_of(report.loaded, preview, options.include, options.exclude, staged)
            report = report._replace(preview=counts)
        staged.commit()  # packages, lock files, the build record (and page): all in place, or none changed
        reads.rewrote([item.target for item in staged.ready])
    _remember_written(report, options, memo)
    return report


def _memo(reuse: Reuse) -> Memo:
    return NO_MEMO if reuse.memo is None else reuse.memo


def _digest(memo: Memo, path: Path) -> str | None:
    """The file's SHA-256, kept in ``memo`` by the file's metadata (computed again when it changes)."""
    sig = reads.signature(path)
    if sig is None:
        return buildcache.file_digest(path)
    return memo.get_or_compute("digest", (path, sig), lambda: buildcache.file_digest(path))


class _Package:
    """What a build left at a package's path: the file's metadata as it wrote it, what it holds (each deck's
    stamps, the tag filters), and what it reported."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: tuple[object, tuple[object, ...], Written] | None = None


def _package_content(builds: Sequence[compiler.DeckBuild], stamped: dict[int, stamps.Stamped],
                     options: BuildOptions) -> tuple[object, ...]:
    return (tuple(Same(stamped[id(b.deck)]) for b in builds), options.include, options.exclude)


def _remember_written(report: BuildReport, options: BuildOptions, memo: Memo) -> None:
    """What the next build with ``memo`` may reuse: the stamps of each deck against the lock file now on disk,
    and each package as it now is (only what is on disk)."""
    built = {id(item.deck): stamps.remember_built(item, memo) for item in report.stamped}
    for written in report.written:
        builds = report.plan.packages.get(written.path, ())
        slot = memo.get_or_compute("package", written.path, _Package)
        slot.value = (reads.as_built(written.path), _package_content(builds, built, options),
                      written._replace(up_to_date=False))


# Packages are written by a forked child while the checks run (writer.Aside) from this many cards to write on,
# when a second core is free: below it, the fork and the copies of the pages both processes touch cost more
# than the overlap saves (benchmarks/README.md, issue 24).
ASIDE_MIN_CARDS = 5_000


class _Staging(NamedTuple):
    """What a build stages, worked out from the decks as read, before their checks: stamps, the plan, and
    each package either as the last build left it (reused) or as a job to write."""

    stamped: list[stamps.Stamped]
    stamp_problems: list[Problem]
    plan: BuildPlan
    slots: list[Written | None]  # per package of the plan: reused, or None (written by its job)
    jobs: list[tuple[Path, Callable[[BinaryIO, Path], object], Callable[[Path], None]]]


def _build(options: BuildOptions, files: DeckFiles, now: int | None, progress: Callable[[str], None] | None,
           staged: writer.Staged, reuse: Reuse) -> BuildReport:
    """Read, stamp and plan; start the packages' writing; check; then stage the packages and lock files.

    Problems are raised as :func:`prepare` raises them (the checks', then the stamps', then a refused
    output), and nothing is committed unless all passed. With many cards to write and a free core the
    packages are written by a child process while this one runs the checks (:class:`writer.Aside`)."""
    reuse = reuse if reuse.memo is not None else reuse._replace(memo=one_run())
    step = progress or (lambda name: None)
    with no_cyclic_gc():
        found = project.read(files, reuse)
        early = _early(options, found, now, _memo(reuse))
        with _aside(early, staged) as aside:
            loaded, stamped = _checked(found, options.locked, now, early)
            step(BUILD_STEPS[0])
            staging = early or _staging(options, loaded, now, _memo(reuse), stamped)
            step(BUILD_STEPS[1])
            results = aside.results() if aside is not None else [_write_here(staged, job) for job in staging.jobs]
        step(BUILD_STEPS[2])
    counts = iter(summary.Counts(*result) for result in results)  # type: ignore[misc]  # JSON lists or Counts
    written = [slot or Written(target, next(counts)) for slot, target in zip(staging.slots, staging.plan.packages,
                                                                             strict=True)]
    locks = []
    for item in stamped:
        if item.reused:
            continue  # its lock file is the one the last build wrote
        text = stamps.new_text(item)
        if text is not None:
            staged.add(lockfile.lock_path(item.deck), text.encode("utf-8"))
            locks.append(lockfile.lock_name(item.deck))
    step(BUILD_STEPS[3])
    return BuildReport(written, staging.plan, stamped, loaded.problems, locks, loaded.inputs, not_built(loaded),
                       loaded)


def _checked(found: Read, locked: bool, now: int | None, early: _Staging | None) -> tuple[Loaded,
                                                                                          list[stamps.Stamped]]:
    """:func:`prepare` on decks already read: their checks, then their stamps (those of ``early``, if made)."""
    loaded = project.check(found)
    if not loaded.ok:
        raise ProblemsFound(loaded.problems, inputs=loaded.inputs)
    if not loaded.built:
        raise NoDeckFiles("no deck has cards to build yet; add cards (or run 'rcc-cards draft DECK' and "
                          "review what it proposes), then build")
    if early is not None:
        stamped, problems = early.stamped, list(early.stamp_problems)
    else:
        stamped, problems = stamps.stamp_decks(loaded.built, stamps.build_timestamp() if now is None else now,
                                               loaded.memo)
    if locked:
        problems += [p for item in stamped if item.has_changes for p in stamps.stale_problems(item)]
    if problems:
        raise ProblemsFound(sort_problems(loaded.problems + problems), inputs=loaded.inputs)
    return loaded, stamped


def _staging(options: BuildOptions, loaded: Loaded, now: int | None, memo: Memo,
             stamped: list[stamps.Stamped] | None = None) -> _Staging:
    """Stamps (unless given), the plan, the refusal of an output that is an input, and the packages to write."""
    from rcc_cards import compiler  # see _compiler_import below

    problems: list[Problem] = []
    if stamped is None:
        stamped, problems = stamps.stamp_decks(loaded.built, stamps.build_timestamp() if now is None else now, memo)
    the_plan = plan(stamped, options.output, options.include, options.exclude)
    lock_files = [lockfile.lock_path(item.deck) for item in stamped]
    writer.refuse_inputs([*the_plan.packages, options.cache_file],
                         [*loaded.inputs, *lock_files, *(p for p, _ in loaded.files)], "build")
    slots: list[Written | None] = []
    jobs: list[tuple[Path, Callable[[BinaryIO, Path], object], Callable[[Path], None]]] = []
    by_deck = {id(item.deck): item for item in stamped}
    for target, builds in the_plan.packages.items():
        before = memo.get_or_compute("package", target, _Package).value
        if (before is not None and all(by_deck[id(b.deck)].reused for b in builds)
                and before[1] == _package_content(builds, by_deck, options)
                and before[0] == reads.signature(target)):
            reads.note(target, before[0])
            slots.append(before[2]._replace(up_to_date=True))  # the same decks, none changed: same bytes
            continue
        slots.append(None)
        jobs.append((target, functools.partial(compiler.write_package, builds), writer.verify_zip))
    return _Staging(stamped, problems, the_plan, slots, jobs)


def _early(options: BuildOptions, found: Read, now: int | None, memo: Memo) -> _Staging | None:
    """:func:`_staging` before the checks, for decks whose files have no error; None when it refuses something
    (no note left after the filters, an output that is an input, ...): then it runs again after the checks,
    which are reported first, as always."""
    if not found.loaded.built or has_errors(found.problems):
        return None
    try:
        return _staging(options, found.loaded, now, memo)
    except RccCardsError:
        return None


@contextlib.contextmanager
def _aside(early: _Staging | None, staged: writer.Staged) -> Iterator[writer.Aside | None]:
    """The packages of ``early`` written by a child process (stopped on leaving, unless done), when that pays:
    enough cards to write and a second core free; else None (they are written here, after the checks)."""
    if early is None or not hasattr(os, "fork") or len(os.sched_getaffinity(0)) < 2 or early.stamp_problems \
            or not _one_thread():
        yield None
        return
    cards = sum(len(build.cards) for target, slot in zip(early.plan.packages, early.slots, strict=True)
                if slot is None for build in early.plan.packages[target])
    if cards < ASIDE_MIN_CARDS:
        yield None
        return
    with staged.aside(early.jobs) as aside:
        yield aside


def _one_thread() -> bool:
    """Whether this process runs one thread only, native ones included (a push holds Anki's backend open,
    whose threads a forked child would not have, nor the locks they hold): only then is forking safe."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False  # no way to tell: write here


def _write_here(staged: writer.Staged, job: tuple[Path, Callable[[BinaryIO, Path], object],
                                                  Callable[[Path], None]]) -> object:
    counted: list[object] = []
    target, produce, verify = job
    staged.add_with(target, lambda out, scratch: counted.append(produce(out, scratch)), verify)
    return counted[0]
