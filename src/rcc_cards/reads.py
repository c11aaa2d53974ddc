"""What each input file was when a build first read it: the signatures a watch session waits to change.

A file's signature is its metadata as reached through the path the deck names, links followed: device,
inode, modification time and size. An edit in place changes the time or the size; a save by rename (most
editors) or a link re-pointed to another file changes the inode; a missing file has none.

While a build is :func:`recording`, every reader of an input (deck files, their sources and media, lock
files) calls :func:`before_reading` just before it reads, and the first signature of each file is kept. It
was taken before the content the build used was read, so a save that lands later, while the build is still
reading or writing, differs from it: the next cycle of a watch session builds that save (issue 19).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

Signature = tuple[int, int, int, int]  # device, inode, modification time (ns), size
Signatures = dict[Path, Signature | None]

_recorded: list[Signatures] = []  # the recording in progress (at most one: an inner one joins it)


def signature(path: Path) -> Signature | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size


def key(path: Path) -> Path:
    """The one name of ``path`` in a recording: absolute, links not resolved (they are part of what a deck
    names)."""
    return path.absolute()


@contextmanager
def recording() -> Iterator[Signatures]:
    """Keep the first signature of every input read until the end of the block (a block inside another
    one adds to the outer recording)."""
    if _recorded:
        yield _recorded[-1]
        return
    _recorded.append({})
    try:
        yield _recorded[-1]
    finally:
        _recorded.pop()


def before_reading(path: Path) -> Signature | None:
    """Call just before reading ``path``: its signature as first read in this recording (taken now if it is
    the first read; outside a recording, always now)."""
    if not _recorded:
        return signature(path)
    seen = _recorded[-1]
    name = key(path)
    if name not in seen:
        seen[name] = signature(path)
    return seen[name]


def note(path: Path, known: Signature | None) -> None:
    """``path`` was not read again, since it still has the signature ``known`` that its remembered content
    was read with (a watch session reusing what it read before)."""
    if _recorded:
        _recorded[-1].setdefault(key(path), known)


def rewrote(paths: Iterable[Path]) -> None:
    """The build replaced these inputs (lock files): they are watched as it left them."""
    if _recorded:
        seen = _recorded[-1]
        seen.update((key(p), signature(p)) for p in paths if key(p) in seen)


def as_built(path: Path) -> Signature | None:
    """The signature of ``path`` as this build read or wrote it (outside a recording, or for a file it did
    not read, as it is now)."""
    if _recorded and key(path) in _recorded[-1]:
        return _recorded[-1][key(path)]
    return signature(path)


def changed_since_read(path: Path) -> bool:
    """Whether ``path`` changed after this build first read it (its content then is not what is there now)."""
    return bool(_recorded) and key(path) in _recorded[-1] and _recorded[-1][key(path)] != signature(path)
