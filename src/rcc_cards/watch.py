"""Watch mode: notice when a deck, its source text or its media change, by polling.

Polling file metadata (modification time and size) every tenth of a second needs no extra dependency and
works the same on every filesystem, including network and container mounts where change notifications
are unreliable; a poll of a hundred files costs well under a millisecond. A rebuild writes only packages,
lock files and the preview page, which are not watched.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rcc_cards import project

Snapshot = dict[Path, tuple[int, int]]


def snapshot(files: Sequence[Path]) -> Snapshot:
    out: Snapshot = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        out[path] = (stat.st_mtime_ns, stat.st_size)
    return out


def wait_for_change(paths: Sequence[Path], files: Sequence[Path], before: Snapshot, interval: float = 0.1,
                    sleep: Callable[[float], None] = time.sleep) -> None:
    """Block until one of ``files`` changes or disappears, or a new deck file appears under ``paths``.

    Deck files are re-discovered on every poll (cheap); the source and media files come from the last
    build (the files it read), since a change of which files a deck names is itself a change of a deck
    file. A folder that holds no deck file any more counts as no deck file.
    """
    while True:
        sleep(interval)
        try:
            found = [p for p, _ in project.discover(paths)]
        except project.NoDeckFiles:
            found = []
        current = list(dict.fromkeys([*files, *found]))
        if snapshot(current) != before:
            return
