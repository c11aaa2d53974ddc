"""Watch mode: notice when a deck, its source text, its media or its lock file change, by polling.

Polling file metadata every tenth of a second needs no extra dependency and works the same on every
filesystem, including network and container mounts where change notifications are unreliable; a poll of a
hundred files costs well under a millisecond.

Each cycle waits for a change of the files it read, as they were *before* it read them
(:mod:`rcc_cards.reads`): a save that lands while a cycle is reading or writing differs from that, so the
next cycle builds it; a cycle that changed nothing, or ended in an error, waits for the next change like any
other. The packages and the preview page a cycle writes are not watched; the lock files it rewrites are, as
it left them (restoring a damaged one rebuilds).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from rcc_cards import project, reads


def _deck_files(paths: Sequence[Path]) -> list[Path]:
    """The deck files ``paths`` name now (a folder that holds none: none)."""
    try:
        return [reads.key(p) for p, _ in project.discover(paths)]
    except project.NoDeckFiles:
        return []


@contextmanager
def cycle() -> Iterator[reads.Signatures]:
    """One build of a watch session: yields what it read, filled in as it reads (a deck file it did not get
    to read is still waited for: :func:`changed` counts one it has not seen as a change)."""
    with reads.recording() as seen:
        yield seen


def missing(paths: Sequence[Path]) -> list[Path]:
    """The named deck files and folders that are not there (for a moment, during a save by rename or a
    branch switch; the session waits for them rather than failing). Each is recorded as absent, so the
    cycle waits for it to come back."""
    absent = [p for p in paths if not p.exists()]
    for path in absent:
        reads.before_reading(path)
    return absent


def changed(paths: Sequence[Path], seen: reads.Signatures) -> bool:
    """Whether a file a cycle read is no longer as it read it, or a new deck file appeared under ``paths``."""
    return (any(reads.signature(p) != sig for p, sig in seen.items())
            or any(p not in seen for p in _deck_files(paths)))


def wait_for_change(paths: Sequence[Path], seen: reads.Signatures, interval: float = 0.1,
                    sleep: Callable[[float], None] = time.sleep) -> None:
    """Block until :func:`changed`. Deck files are found again on every poll (cheap); the sources, media and
    lock files are those the last cycle read, since a change of which files a deck names is itself a change
    of a deck file."""
    while not changed(paths, seen):
        sleep(interval)
