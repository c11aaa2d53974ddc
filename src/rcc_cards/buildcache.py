"""Skip a build whose inputs did not change since the last one.

After a build, a small record is kept beside its packages (``build/.rcc-cards-cache.json``): for the
command's options (:meth:`rcc_cards.builder.BuildOptions.cache_key`), the digest of every input (deck
files, their source texts and media, lock files), of every package written, and of rcc-cards' own code,
with the build's warnings and counts. The next build with the same options compares digests only; when
all match and every package is still the one written, it reports "up to date" without loading anything.
Any difference means a full build, so the output is exactly what a full build would write.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from rcc_cards import reads
from rcc_cards.errors import Problem

CACHE_NAME = ".rcc-cards-cache.json"
_CODE = Path(__file__).resolve().parent


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def code_digest() -> str:
    """rcc-cards' own code: a changed compiler invalidates every record. Each module file's name, size and
    modification time (an edit or an install changes them), not its bytes: reading and hashing every module
    cost every build a few milliseconds."""
    digest = hashlib.sha256()
    for path in sorted(_CODE.rglob("*")):
        if path.suffix in (".py", ".json"):
            info = path.stat()
            digest.update(f"{path.relative_to(_CODE).as_posix()} {info.st_size} {info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class Record(NamedTuple):
    """What one build read and wrote, and what it reported."""

    code: str
    inputs: dict[str, str | None]
    outputs: dict[str, str | None]
    warnings: list[Problem]
    counts: dict[str, list[int]]  # package path -> [notes, cards, tags]

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "inputs": self.inputs, "outputs": self.outputs, "counts": self.counts,
                "warnings": [[p.path, p.line, p.col, p.message, p.severity] for p in self.warnings]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        return cls(data["code"], data["inputs"], data["outputs"],
                   [Problem(*w) for w in data["warnings"]], data["counts"])


def cache_path(folder: Path) -> Path:
    """The build record of the packages written in ``folder`` (:func:`rcc_cards.outputs.folder`)."""
    return folder / CACHE_NAME


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def lookup(path: Path, key: str, code: str, deck_files: Iterable[Path],
           digest: Callable[[Path], str | None] = file_digest) -> Record | None:
    """The record of the last build with these options, if nothing it read or wrote has changed since
    (``digest``: how a file is digested; a memo may keep digests of unchanged files)."""
    raw = _read(path).get(key)
    if raw is None:
        return None
    try:
        record = Record.from_json(raw)
    except (KeyError, TypeError, ValueError):
        return None
    decks = {str(reads.key(p)) for p in deck_files}
    if not decks <= set(record.inputs) or record.code != code:
        return None
    for name in record.inputs:
        reads.before_reading(Path(name))
    for name, recorded in [*record.inputs.items(), *record.outputs.items()]:
        if identity(Path(name), digest(Path(name))) != recorded:
            return None
    return record


def stored(path: Path, key: str, record: Record) -> bytes:
    """The build record file's new content, with ``record`` stored under ``key`` (the builder writes it
    together with the packages and lock files it describes)."""
    data = _read(path)
    data[key] = record.to_json()
    return json.dumps(data, sort_keys=True, indent=1).encode("utf-8")


CHANGED = "changed while it was being built"  # never a digest: the next build with these options is a full one


def identity(path: Path, digest: str | None) -> str | None:
    """What a build used of the file at ``path`` whose content has ``digest``: the content and, when the path
    goes through a link, the file it leads to (a link re-pointed to a copy is a change too: an image's name in
    Anki is its target's)."""
    real = os.path.realpath(path)
    return digest if digest is None or real == str(reads.key(path)) else f"{digest} {real}"


def digests(paths: Iterable[Path], staged: Callable[[Path], Path | None] = lambda p: None,
            digest: Callable[[Path], str | None] = file_digest) -> dict[str, str | None]:
    """Each file's :func:`identity`, by its absolute path; ``staged(path)``: the finished temporary file that
    will replace it, whose content is the one to record; ``digest``: how a file that is not staged is digested
    (a memo may keep digests of unchanged files). A file that changed after the build read it
    (:mod:`rcc_cards.reads`) is recorded as :data:`CHANGED`: what the build used is no longer there."""
    def one(path: Path) -> str | None:
        if (tmp := staged(path)) is not None:
            return identity(path, file_digest(tmp))
        return CHANGED if reads.changed_since_read(path) else identity(path, digest(path))

    return {str(reads.key(p)): one(p) for p in sorted(set(paths))}
