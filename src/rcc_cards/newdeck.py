"""A new deck from a source text (``rcc-cards new``): the files to write, decided here, written by the CLI.

``decks/KEY.yaml`` gets the schema line, a comment saying what to do next and the deck header filled from
the arguments, with no cards yet (``check`` passes and says so; ``build`` leaves the deck out until it has
cards). The source is copied to ``decks/sources/`` under its own name, after an attribution header for the
author to complete (lines starting with '#' are a source file's header, never source text). The JSON
Schema is written beside the deck, as ``deck.schema.json``, when it is not there yet, so editors that
follow the schema line work in any repository. Nothing existing is ever replaced: an existing deck file is
refused; a source file of the same name is reused when its text is the same and refused when it differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from rcc_cards.errors import RccCardsError
from rcc_cards.grounding import MAX_SOURCE_BYTES
from rcc_cards.loader import spec

SCHEMA_NAME = "deck.schema.json"


class NewDeckError(RccCardsError):
    """The new deck cannot be made as asked (a file exists, the source is not UTF-8 text, …)."""


class NewFile(NamedTuple):
    path: Path
    data: bytes
    why: str  # what it is, for the command's output


def plan(key: str, source: Path, decks: Path, as_of: str, title: str = "", name: str = "",
         url: str = "") -> list[NewFile]:
    """The files a new deck ``key`` from ``source`` needs under ``decks``, none of which exists yet."""
    if not spec.KEY_PATTERN.fullmatch(key):
        raise NewDeckError(f"deck key {key!r} is not valid: use lowercase letters, digits and '_' (e.g. "
                           "hot_flashes); it names the deck file and namespaces every card id")
    for suffix in (".yaml", ".yml"):
        if (decks / f"{key}{suffix}").exists():
            raise NewDeckError(f"{decks / (key + suffix)} already exists; rcc-cards never overwrites a deck. "
                               "Pick another key, or edit that deck")
    text = _read_source(source)
    title = title or _first_line(text) or key
    copy = decks / "sources" / source.name
    files: list[NewFile] = []
    header = _attribution(title, url, as_of)
    new_text = header + text if not text.startswith("#") else header + "#\n" + text
    if copy.exists():
        if copy.read_bytes() not in (text.encode("utf-8"), new_text.encode("utf-8")):
            raise NewDeckError(f"{copy} already exists with other text; rcc-cards never overwrites a source. "
                               "Rename the file you are adding, or point the deck at the existing one")
    else:
        files.append(NewFile(copy, new_text.encode("utf-8"), "the source, after an attribution header to complete"))
    deck_text = _deck(key, name or title, title, f"sources/{source.name}", as_of, url)
    files.append(NewFile(decks / f"{key}.yaml", deck_text.encode("utf-8"), "the deck, with no cards yet"))
    if not (decks / SCHEMA_NAME).exists():
        files.append(NewFile(decks / SCHEMA_NAME, spec.json_schema_text().encode("utf-8"),
                             "the deck format's JSON Schema, for editors"))
    return files


def _read_source(source: Path) -> str:
    if not source.is_file():
        raise NewDeckError(f"{source}: not a regular file; give the source text as a UTF-8 text file")
    if source.stat().st_size > MAX_SOURCE_BYTES:
        raise NewDeckError(f"{source}: larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB; a deck's source is "
                           "a passage of text: split it into several sources")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise NewDeckError(f"{source}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again") from exc
    if not text.strip():
        raise NewDeckError(f"{source}: the file is empty; a deck needs a source text to quote")
    return text if text.endswith("\n") else text + "\n"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:200]
    return ""


def _attribution(title: str, url: str, as_of: str) -> str:
    return (f"# {title}\n"
            f"# Source: {url or 'TO COMPLETE: who published this text, and where (URL or citation)'}\n"
            f"# As of: {as_of}\n"
            "# TO COMPLETE: the licence or permission to copy it, and what was left out (navigation text,\n"
            "# reference lists). Lines starting with '#' are this header, not source text.\n\n")


def _deck(key: str, name: str, title: str, file: str, as_of: str, url: str) -> str:
    q = json.dumps  # a JSON string is a YAML double-quoted scalar, read exactly as written
    lines = [
        f"# yaml-language-server: $schema={SCHEMA_NAME}",
        f"# {title}: cards quoting {file}.",
        f"# Next: 'rcc-cards draft decks/{key}.yaml' proposes cards for the sentences no card covers yet;",
        "# review them, move them under 'sections:' below, then run 'rcc-cards check'.",
        "deck:",
        f"  key: {key}",
        f"  name: {q(name, ensure_ascii=False)}",
        "  source:",
        f"    title: {q(title, ensure_ascii=False)}",
        f"    file: {q(file, ensure_ascii=False)}",
        f"    as_of: {q(as_of, ensure_ascii=False)}",
    ]
    if url:
        lines.append(f"    url: {q(url, ensure_ascii=False)}")
    lines.append("sections: []")
    return "\n".join(lines) + "\n"
