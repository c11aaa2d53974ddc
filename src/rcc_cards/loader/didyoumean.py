"""Did you mean …? What an unknown key, a missing file or an invalid name probably meant.

Each answers "" when nothing is close enough to suggest; the likeness of two words is
:func:`rcc_cards.suggest.closest`'s, the one did-you-mean of the package.
"""

from __future__ import annotations

import re
from pathlib import Path

from rcc_cards import suggest
from rcc_cards.loader import spec
from rcc_cards.loader.spec import MAX_ID_LENGTH


def meant_key(key: str, allowed: tuple[str, ...]) -> str:
    """The allowed key an unknown ``key`` means, or "": one it is a synonym of (:data:`.spec.SYNONYMS`), or a
    close spelling of (or of a synonym): at least :data:`.spec.SUGGEST_SIMILARITY` alike and with the same
    first letter, so that a short word is not led to a key with another meaning ('page' is not 'image').
    A key another tool uses for something this format does not have (:data:`.spec.FOREIGN_KEYS`) means none."""
    written = key.lower()
    if written in spec.FOREIGN_KEYS:
        return ""
    candidates = (*allowed, *(k for k, v in spec.SYNONYMS.items() if v in allowed))
    close = suggest.closest(written, candidates, cutoff=spec.SUGGEST_SIMILARITY, same_first_letter=True)
    if close:
        meant = spec.SYNONYMS.get(close, close)
        if meant in allowed and meant != key:
            return meant
    return ""


def unknown_key(key: str, allowed: tuple[str, ...], meant: str) -> str:
    message = f"unknown key '{key}'; allowed keys: {', '.join(allowed)}"
    advice = spec.FOREIGN_KEYS.get(key.lower())
    if advice:
        return f"{message}. {advice}"
    return message + (f". Did you mean '{meant}'?" if meant else "")


def closest_file(folder: Path, written: str) -> str:
    """The file under ``folder`` (as a path relative to it) closest to ``written``: the same name in another
    folder first, else the closest path; "" when nothing is close."""
    try:
        found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                       if p.is_file() and not p.name.startswith(".") and p.suffix not in (".yaml", ".yml", ".json"))
    except OSError:
        return ""
    name = Path(written).name
    same_name = [f for f in found if Path(f).name == name]
    if same_name:
        return same_name[0]
    return suggest.closest(written, found[:1000]) or ""


def valid_form(value: str, pattern: re.Pattern[str] | None) -> str:
    """The closest value ``pattern`` accepts: lowercase for keys, other characters as '_' (keys) or '-'
    (ids), no separator at the start; "" when there is none to suggest."""
    if pattern is None:
        return ""
    if pattern is spec.KEY_PATTERN:
        meant = re.sub(r"[^a-z0-9_]+", "_", value.casefold()).strip("_")
    else:
        meant = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-_.")
    meant = meant[:MAX_ID_LENGTH]
    return meant if meant and meant != value and pattern.match(meant) else ""
