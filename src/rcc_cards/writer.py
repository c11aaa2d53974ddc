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

from rcc_cards.errors import OutputError


def write_atomic(target: Path, data: bytes, verify: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` to ``target`` atomically; ``verify`` may raise OSError to refuse the new file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(target)
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
        if verify is not None:
            verify(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_package(target: Path, data: bytes) -> None:
    write_atomic(target, data, _verify_zip)


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
