"""Watch mode: notice when a deck, its source text or its media change, by polling.

Polling file metadata (modification time and size) every half second needs no extra dependency and
works the same on every filesystem, including network and container mounts where change notifications
are unreliable. A rebuild writes only packages and lock files, which are not watched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rcc_cards import project

Snapshot = dict[Path, tuple[int, int]]


def watched_files(paths: Sequence[Path]) -> list[Path]:
    """The deck files ``paths`` name, and the source and media files of those that load."""
    files = [p for p, _ in project.discover(paths)]
    for deck in project.load(paths).decks:
        files += deck.referenced_files()
    return files


def snapshot(files: Sequence[Path]) -> Snapshot:
    out: Snapshot = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        out[path] = (stat.st_mtime_ns, stat.st_size)
    return out


def wait_for_change(paths: Sequence[Path], files: Sequence[Path], before: Snapshot, interval: float = 0.5,
                    sleep: Callable[[float], None] = time.sleep) -> None:
    """Block until one of ``files`` changes or disappears, or a new deck file appears under ``paths``.

    Deck files are re-discovered on every poll (cheap); the source and media files come from the last
    load, since a change of which files a deck names is itself a change of a deck file.
    """
    while True:
        sleep(interval)
        current = list(dict.fromkeys([*files, *(p for p, _ in project.discover(paths))]))
        if snapshot(current) != before:
            return
