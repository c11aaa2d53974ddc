"""Atomic output: a file is either the old one or the complete new one, never half of each.

Data goes to a temporary file beside the target (``.<name>.<random>.tmp``), is flushed to disk and
checked, then renamed over the target. Temporary files that a killed run left behind are removed the
next time the same target is written.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from rcc_cards.errors import OutputError


def write_atomic(target: Path, data: bytes, verify: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` to ``target`` atomically; ``verify`` may raise OSError to refuse the new file."""
    write_with(target, lambda out, scratch: out.write(data), verify)


def write_with(target: Path, produce: Callable[[BinaryIO, Path], object],
               verify: Callable[[Path], None] | None = None) -> None:
    """Let ``produce(out, scratch)`` write the new content of ``target`` into the open file ``out``, then
    replace ``target`` atomically. ``scratch`` is a path ``produce`` may use for a working file; it is
    removed afterwards (and, like the temporary file, by the next run if this one is killed)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(target)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    scratch = tmp.with_name(tmp.name[: -len(".tmp")] + ".scratch.tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as out:
            produce(out, scratch)
            out.flush()
            os.fsync(out.fileno())
        if verify is not None:
            verify(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
        scratch.unlink(missing_ok=True)


def write_new(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target``, which must not exist: a file that appeared meanwhile is never replaced
    (the complete file is linked into place, and linking refuses an existing name)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, target)
    except FileExistsError as exc:
        raise OutputError(f"{target} already exists; rcc-cards never overwrites it. Move it away or pick "
                          "another name") from exc
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_package(target: Path, produce: Callable[[BinaryIO, Path], object]) -> None:
    """Write a package produced by ``produce(out, scratch)``, checked as a zip before it replaces ``target``."""
    write_with(target, produce, _verify_zip)


def _remove_leftovers(target: Path) -> None:
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _verify_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except zipfile.BadZipFile as exc:
        raise OSError(f"the written package is not a valid zip file ({exc})") from exc
    if bad is not None:
        raise OSError(f"the written package is corrupt (member {bad})")
