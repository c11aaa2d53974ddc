"""Finding deck files and loading them, with every check: what every command starts with.

Building (stamping, compiling, writing) is in :mod:`rcc_cards.builder`, which the CLI imports only for
the commands that write, so that 'check' and 'tags' start quickly. Nothing here prints or exits.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from rcc_cards import rules, tags
from rcc_cards.errors import Problem, RccCardsError, has_errors, sort_problems
from rcc_cards.loader import header_settings, load_file
from rcc_cards.memo import NO_MEMO, Memo, Same, one_run
from rcc_cards.model import Card, Deck

DEFAULT_DECKS = Path("decks")
DECK_SUFFIXES = (".yaml", ".yml")


class NoDeckFiles(RccCardsError):
    """The paths given name no deck file (a usage error)."""


class NothingSelected(RccCardsError):
    """The --tag/--exclude-tag filters leave no note in any deck (a usage error)."""


DeckFiles = list[tuple[Path, str]]  # each deck file, and its name as problems show it


def discover(paths: Sequence[Path]) -> DeckFiles:
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


class Loaded(NamedTuple):
    """Every deck that loaded, and every problem of every file."""

    decks: list[Deck]
    problems: list[Problem]
    files: DeckFiles
    memo: Memo = NO_MEMO  # what the checks remembered: the steps after them ask about the same decks

    @property
    def inputs(self) -> list[Path]:
        """The deck files, and the source and media files of the decks that loaded."""
        return list(dict.fromkeys([*(p for p, _ in self.files),
                                   *(f for deck in self.decks for f in referenced_files(deck, self.memo))]))

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)

    @property
    def built(self) -> list[Deck]:
        """The decks a build writes: not drafts files, not decks with no cards yet."""
        return [deck for deck in self.decks if deck.built]

    @property
    def studied(self) -> list[Deck]:
        """Every deck but the drafts files: what learners study, or will once it has cards."""
        return [deck for deck in self.decks if not deck.drafts_for]

    @property
    def drafts(self) -> list[Deck]:
        """The drafts files (written by 'rcc-cards draft'): checked, never built."""
        return [deck for deck in self.decks if deck.drafts_for]


def referenced_files(deck: Deck, memo: Memo = NO_MEMO) -> list[Path]:
    """:meth:`Deck.referenced_files`, once per deck object in ``memo`` (a watch cycle asks of every deck)."""
    return memo.get_or_compute("referenced files", Same(deck), deck.referenced_files)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building large object graphs.

    Loading a deck allocates millions of small objects and no reference cycles worth collecting; the
    collector's repeated full scans made loading a 10,000-card deck 1.5x slower (benchmarks/README.md).

    On the way out the objects made meanwhile are frozen (``gc.freeze``): otherwise the collector's next
    full scan walks all of them at once, for nothing (0.6 s after a 100,000-card build). Frozen objects
    are still freed as usual once unused; :func:`thaw` hands them back to the collector (watch mode does
    between builds, so a long session keeps nothing it would otherwise collect).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def thaw() -> None:
    """Let the cyclic collector see everything :func:`no_cyclic_gc` froze."""
    gc.unfreeze()


DeckReader = Callable[[Path, str], tuple[Deck | None, list[Problem]]]  # a deck file, its name as shown


class Reuse(NamedTuple):
    """How a load reads deck files and what it may remember: by default, every file read in full
    (:func:`rcc_cards.loader.load_file`) and a memo for this load alone."""

    memo: Memo | None = None  # None: a new one, for this load
    read: DeckReader = load_file


FRESH = Reuse()


def load(paths: Sequence[Path], files: DeckFiles | None = None, reuse: Reuse = FRESH) -> Loaded:
    """Every deck file ``paths`` name (or ``files``, when already found), loaded and checked; ``reuse``
    says how deck files are read and what the checks may remember (:mod:`rcc_cards.memo`)."""
    with no_cyclic_gc():
        return check(read(discover(paths) if files is None else files, reuse))


class Read(NamedTuple):
    """Every deck that loaded, before the rules look at it (:func:`read`; :func:`check` runs them)."""

    decks: list[Deck]
    clean: list[Deck]  # those whose files have no error
    problems: list[Problem]  # the files' own problems
    files: DeckFiles
    memo: Memo

    @property
    def loaded(self) -> Loaded:
        """What :func:`check` gives, but for the rules' problems: the inputs and decks a build would write."""
        return Loaded(self.decks, self.problems, self.files, self.memo)


# Files rcc-cards writes beside a deck that a command may be handed by mistake (a deck file is any name).
_NOT_DECKS = {".lock.json": "a lock file, written by 'rcc-cards build'",
              ".proposals.json": "a proposals file, written by 'rcc-cards pull' (accept it with 'rcc-cards accept')",
              ".notetypes.json": "a note types file, written by 'rcc-cards import'"}


def read(files: DeckFiles, reuse: Reuse = FRESH) -> Read:
    """Every deck file of ``files`` read (the first half of :func:`load`): the decks, their files' problems."""
    decks: list[Deck] = []
    clean: list[Deck] = []
    problems: list[Problem] = []
    for path, shown in files:
        written_by = next((what for suffix, what in _NOT_DECKS.items() if path.name.endswith(suffix)), "")
        if written_by:
            problems.append(Problem(shown, 1, 1, f"this is {written_by}, not a deck file; give the deck file "
                                                 "(KEY.yaml beside it), or no path to check every deck of decks/"))
            continue
        deck, file_problems = reuse.read(path, shown)
        # A bad 'rules:' setting is an error of its file (the deck is not clean), reported in the same run as
        # the file's other problems, also when those keep the deck from being read (then from its header).
        written = deck.rules if deck is not None else header_settings(path, shown)
        file_problems = [*file_problems, *rules.setting_problems(written)]
        problems += file_problems
        if deck is not None:
            decks.append(deck)
            if not has_errors(file_problems):
                clean.append(deck)
    return Read(decks, clean, problems, files, one_run() if reuse.memo is None else reuse.memo)


def check(found: Read) -> Loaded:
    """The decks ``found`` with every rule's problems (the second half of :func:`load`)."""
    problems = found.problems + rules.check_decks(found.decks, found.clean, found.memo)
    return Loaded(found.decks, sort_problems(problems), found.files, found.memo)


def select(deck: Deck, include: Sequence[str], exclude: Sequence[str]) -> list[Card]:
    """The deck's cards that pass the tag filters, in file order."""
    if not include and not exclude:
        return list(deck.cards())
    return [c for c in deck.cards() if tags.selected(tags.note_tags(deck, c), include, exclude)]
