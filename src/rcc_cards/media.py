"""Images and sounds kept beside a deck: where they may live, and the name each gets inside Anki.

Rules (each an error at the card's line): the path is relative to the deck file's folder and, after
following links, names a regular file inside that folder; no absolute paths, no ``..``; a known image or
audio type; at most ``MAX_MEDIA_BYTES``.

Anki keeps every deck's media in one flat folder, so each file is stored under a name that includes a
hash of its content (``ct-scan_3f2a9c1b0d.png``): two different files never collide, whatever their
names or decks, and an edited image gets a new name, which updates the notes that show it. The rest of
the stored name is :func:`safe_stem` of the file's own name, so any file name is accepted (``CT scan
(axial) 1.png`` is stored as ``CT-scan-axial-1_<hash>.png``) while the file on disk and the deck's
``image:`` value keep theirs: Anki's ``<img src>`` and ``[sound:…]`` carry only the safe names.
"""

from __future__ import annotations

import re
from pathlib import Path

from rcc_cards import reads
from rcc_cards.model import Media

MAX_MEDIA_BYTES = 20 * 1024 * 1024
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
AUDIO_SUFFIXES = frozenset({".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a", ".flac"})
_UNSAFE = r"[^A-Za-z0-9._-]+"  # compiled (and cached by re) for decks with media only
MAX_STEM = 100  # characters: with the hash and suffix, under the 120 bytes Anki keeps of a media name


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
    return Media(full.absolute(), f"{safe_stem(real.stem)}_{digest}{real.suffix.lower()}"), ""


def safe_stem(stem: str) -> str:
    """``stem`` as only ASCII letters, digits, ``.``, ``_`` and ``-``, which Anki's media syntax carries and
    every file system stores: accents are dropped (``Röntgen`` -> ``Rontgen``), each run of other characters
    becomes one ``-``, leading ``.``, ``_`` and ``-`` are removed (no hidden files, none of the names Anki
    keeps for itself), and it is cut to ``MAX_STEM`` characters; nothing left gives ``media``. A stem that
    was safe already is kept as it is, so its stored name does not change. The hash beside it keeps two
    names that map to the same stem apart."""
    import unicodedata  # only for a deck with media

    plain = "".join(c for c in unicodedata.normalize("NFKD", stem) if not unicodedata.combining(c))
    return re.sub(_UNSAFE, "-", plain).lstrip("._-")[:MAX_STEM] or "media"
