"""Images and sounds kept beside a deck: where they may live, and the name each gets inside Anki.

Rules (each an error at the card's line): the path is relative to the deck file's folder and, after
following links, names a regular file inside that folder; no absolute paths, no ``..``; a known image or
audio type; a plain file name (letters, digits, ``.``, ``_``, ``-``); at most ``MAX_MEDIA_BYTES``.

Anki keeps every deck's media in one flat folder, so each file is stored under a name that includes a
hash of its content (``ct-scan_3f2a9c1b0d.png``): two different files never collide, whatever their
names or decks, and an edited image gets a new name, which updates the notes that show it.
"""

from __future__ import annotations

import re
from pathlib import Path

from rcc_cards import reads
from rcc_cards.model import Media

MAX_MEDIA_BYTES = 20 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
AUDIO_SUFFIXES = frozenset({".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a", ".flac"})
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*\Z"  # compiled (and cached by re) for decks with media only


def resolve(deck_dir: Path, written: str, kind: str) -> tuple[Media | None, str]:
    """The media file ``written`` (an ``image`` or ``audio`` value) names, or why it cannot be used."""
    relative = Path(written)
    if relative.is_absolute():
        return None, f"{kind} path {written!r} is absolute; write it relative to the deck file's folder"
    if ".." in relative.parts:
        return None, f"{kind} path {written!r} uses '..'; media must be inside the deck file's folder"
    full = deck_dir / relative
    if not full.exists():
        return None, f"{kind} file {written!r} not found (looked for {full})"
    real = full.resolve()
    if not real.is_relative_to(deck_dir.resolve()):
        return None, f"{kind} path {written!r} is a link to {real}, outside the deck file's folder; copy the file in"
    if not real.is_file():
        return None, f"{kind} path {written!r} is not a regular file"
    suffixes = IMAGE_SUFFIXES if kind == "image" else AUDIO_SUFFIXES
    if real.suffix.lower() not in suffixes:
        return None, f"{kind} {written!r} is not a known {kind} type; use one of {', '.join(sorted(suffixes))}"
    if not re.match(_NAME, real.name):
        return None, (f"{kind} file name {real.name!r} has characters Anki's media syntax cannot carry; "
                      "rename it with letters, digits, '.', '_' and '-'")
    reads.before_reading(full)
    size = real.stat().st_size
    if size > MAX_MEDIA_BYTES:  # measured before reading: memory stays bounded
        return None, f"{kind} {written!r} is {size:,} bytes; the limit is {MAX_MEDIA_BYTES:,} per file"
    with real.open("rb") as f:
        data = f.read(MAX_MEDIA_BYTES + 1)
    if len(data) > MAX_MEDIA_BYTES:
        return None, f"{kind} {written!r} is over {MAX_MEDIA_BYTES:,} bytes, the limit per file"
    import hashlib  # only for a deck with media: hashlib loads OpenSSL (about 3 ms of every start)

    digest = hashlib.sha256(data).hexdigest()[:10]
    return Media(full.absolute(), f"{real.stem}_{digest}{real.suffix.lower()}"), ""
