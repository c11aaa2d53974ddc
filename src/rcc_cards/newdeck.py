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
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from rcc_cards import places, project, rules
from rcc_cards.errors import Problem, RccCardsError, shown
from rcc_cards.grounding import MAX_SOURCE_BYTES
from rcc_cards.loader import spec

SCHEMA_NAME = "deck.schema.json"


class NewDeckError(RccCardsError):
    """The new deck cannot be made as asked (a file exists, the source is not UTF-8 text, …)."""


class NewFile(NamedTuple):
    path: Path
    data: bytes
    why: str  # what it is, for the command's output


class NewDeck(NamedTuple):
    files: list[NewFile]  # what to write, none of which exists yet
    deck: Path
    source: Path  # the source's copy (written, or reused as it is)


class _Args(NamedTuple):
    key: str
    deck: Path
    as_of: str
    title: str
    name: str
    url: str
    named: bool  # --name was given (else the name is the title)


def plan(key: str, source: Path, decks: Path, as_of: str, title: str = "", name: str = "",
         url: str = "") -> NewDeck:
    """The files a new deck ``key`` from ``source`` needs under ``decks``, checked as ``check`` would."""
    _refuse_bad_arguments(key, as_of=as_of, title=title, name=name, url=url)
    deck_file = decks / f"{key}.yaml"
    for suffix in (".yaml", ".yml"):
        if (decks / f"{key}{suffix}").exists():
            raise NewDeckError(f"{decks / (key + suffix)} already exists; rcc-cards never overwrites a deck. "
                               "Pick another key, or edit that deck")
    up = places.folders_up(decks)
    top = places.top_decks_folder(decks)
    _refuse_used_key(key, top)
    text = _read_source(source)
    title = title or _first_line(text) or key
    copy = decks / "sources" / _copy_name(source.name)
    header = _attribution(title, url, as_of)
    new_text = header + text if not text.startswith("#") else header + "#\n" + text
    if copy.exists() and (not copy.is_file() or copy.read_bytes() not in (text.encode("utf-8"),
                                                                          new_text.encode("utf-8"))):
        raise NewDeckError(f"{copy} already exists with other text; rcc-cards never overwrites a source. "
                           "Rename the file you are adding, or point the deck at the existing one")
    copied = [] if copy.exists() else [NewFile(copy, new_text.encode("utf-8"),
                                               "the source, after an attribution header to complete")]
    schema = next((folder / SCHEMA_NAME for folder in up if (folder / SCHEMA_NAME).is_file()), None)
    schemas = [] if schema else [NewFile(top / SCHEMA_NAME, spec.json_schema_text(rules.by_id()).encode("utf-8"),
                                         "the deck format's JSON Schema, for editors")]
    args = _Args(key, deck_file, as_of, title, name or title, url, bool(name))
    lines = _deck(args, f"sources/{copy.name}", Path(os.path.relpath(schema or top / SCHEMA_NAME, decks)).as_posix())
    deck_text = "\n".join(line for line, _ in lines) + "\n"
    copy_data = copied[0].data if copied else copy.read_bytes()
    _check(deck_file.name, deck_text, [what for _, what in lines], copy.name, copy_data, source)
    deck = NewFile(deck_file, deck_text.encode("utf-8"), "the deck, with no cards yet")
    return NewDeck([*copied, deck, *schemas], deck_file, copy)


def _refuse_bad_arguments(key: str, **values: str) -> None:
    if not spec.KEY_PATTERN.fullmatch(key):
        raise NewDeckError(f"deck key {key!r} is not valid: use lowercase letters, digits and '_' (e.g. "
                           "hot_flashes); it names the deck file and namespaces every card id")
    for option, value in values.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise NewDeckError(f"--{option.replace('_', '-')}: not UTF-8 text (character {exc.start + 1}); "
                               "give it as UTF-8") from exc


def _refuse_used_key(key: str, top: Path) -> None:
    """A key must be new among the decks built together: every deck file under ``top``."""
    if not top.is_dir() or not any(p.suffix in project.DECK_SUFFIXES for p in top.rglob("*")):
        return
    for deck in project.load([top]).decks:
        if deck.key == key:
            raise NewDeckError(f"deck key '{key}' is already used by {deck.loc.path}:{deck.key_loc.line}; each "
                               "deck needs its own key (it namespaces every card id). Pick another key")


def _check(deck_name: str, deck_text: str, lines: Sequence[str], copy_name: str, copy_data: bytes,
           source: Path) -> None:
    """Check the deck as 'check' would, in a scratch folder; refuse it, naming the argument each error
    comes from, unless it passes."""
    with tempfile.TemporaryDirectory(prefix="rcc-cards-new-") as scratch:
        folder = Path(scratch)
        try:
            (folder / "sources").mkdir()
            (folder / "sources" / copy_name).write_bytes(copy_data)
            (folder / deck_name).write_text(deck_text, encoding="utf-8")
        except OSError as exc:
            raise NewDeckError(f"cannot check the new deck in {scratch}: {exc.strerror or exc}") from exc
        errors = [p for p in project.load([folder / deck_name]).problems if p.is_error]
    if errors:
        said = [_from_argument(p, lines, source) if Path(p.path).name == deck_name else f"{shown(source)}: {p.message}"
                for p in errors]
        raise NewDeckError(*said, "nothing was written: the deck would not pass 'rcc-cards check'")


def _from_argument(problem: Problem, lines: Sequence[str], source: Path) -> str:
    what = lines[problem.line - 1] if 0 < problem.line <= len(lines) else ""
    shown = str(source) if what == "--source" else what
    return f"{shown or f'the deck, line {problem.line}'}: {problem.message}"


def _copy_name(name: str) -> str:
    """The source's name as a source's copy: visible characters only, and never a deck file's suffix."""
    name = "".join(c if c.isprintable() else "_" for c in name).strip() or "source.txt"
    return name + ".txt" if name.endswith(project.DECK_SUFFIXES) else name


def _read_source(source: Path) -> str:
    if not source.is_file():
        raise NewDeckError(f"{source}: not a regular file; give the source text as a UTF-8 text file")
    if source.stat().st_size > MAX_SOURCE_BYTES:
        raise NewDeckError(f"{source}: larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB; a deck's source is "
                           "a passage of text: split it into several sources")
    try:
        text = source.read_text(encoding="utf-8-sig")  # a byte-order mark at the start is no text
    except UnicodeDecodeError as exc:
        raise NewDeckError(f"{source}: not UTF-8 text (byte {exc.start}); save it as UTF-8 and try again") from exc
    if not text.strip():
        raise NewDeckError(f"{source}: the file is empty; a deck needs a source text to quote")
    return text if text.endswith("\n") else text + "\n"


def _one_line(text: str) -> str:
    """``text`` for a comment line: each run of spaces, line breaks or invisible characters one space."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return _one_line(line).lstrip("#").strip()[:200].strip()
    return ""


def _attribution(title: str, url: str, as_of: str) -> str:
    return (f"# {_one_line(title)}\n"
            f"# Source: {_one_line(url) or 'TO COMPLETE: who published this text, and where (URL or citation)'}\n"
            f"# As of: {_one_line(as_of)}\n"
            "# TO COMPLETE: the licence or permission to copy it, and what was left out (navigation text,\n"
            "# reference lists). Lines starting with '#' are this header, not source text.\n\n")


def _deck(args: _Args, file: str, schema: str) -> list[tuple[str, str]]:
    """The deck file's lines, each with the argument it shows ("" for the fixed ones)."""
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar, read as written

    lines = [
        (f"# yaml-language-server: $schema={schema}", ""),
        (f"# {_one_line(args.title)}: cards quoting {_one_line(file)}.", ""),
        (f"# Next: 'rcc-cards draft {_one_line(str(args.deck))}' proposes cards for the sentences no card covers "
         "yet;", ""),
        ("# review them, move them under 'sections:' below, then run 'rcc-cards check'.", ""),
        ("deck:", ""),
        (f"  key: {args.key}", "KEY"),
        (f"  name: {q(args.name)}", "--name" if args.named else "--name (by default the title)"),
        ("  source:", ""),
        (f"    title: {q(args.title)}", "--title"),
        (f"    file: {q(file)}", "--source"),
        (f"    as_of: {q(args.as_of)}", "--as-of"),
    ]
    if args.url:
        lines.append((f"    url: {q(args.url)}", "--url"))
    lines.append(("sections: []", ""))
    return lines
