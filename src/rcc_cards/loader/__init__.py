"""Deck files -> :class:`~rcc_cards.model.Deck` values and problems; never raises on bad input.

The pipeline for one file: size limit -> strict UTF-8 and character checks (:mod:`.decode`) -> YAML
events to a located node tree (:func:`parse`) -> the deck format (:mod:`.schema`).
"""

from __future__ import annotations

import stat
from pathlib import Path

from rcc_cards import reads
from rcc_cards.errors import Problem
from rcc_cards.loader import blockyaml, decode, schema, spec
from rcc_cards.loader.nodes import Mapping, Node, Scalar
from rcc_cards.model import Deck, RuleSetting


def yaml_parser() -> str:
    """Which YAML parser reads what the fast reader leaves alone: "libyaml" (or "pure-python")."""
    from rcc_cards.loader import yamltree

    return yamltree.PARSER


def parse(path: str, text: str) -> tuple[Node | None, list[Problem]]:
    """A file's node tree and its YAML problems; ``text`` is what :func:`.decode.decode` returned.

    Two ways to the same tree: :mod:`.blockyaml` reads the plain block style decks are written in, several
    times faster, but answers only for files that certainly have no problem; every other file is read by
    libyaml, event by event (:mod:`.yamltree`), which finds and locates every problem. A property test
    checks that both give the same tree wherever the fast one answers. ``yaml`` itself (about 20 ms of
    start-up) is imported only when a file needs it.
    """
    root = blockyaml.parse(text)
    if root is not None:
        return root, []
    from rcc_cards.loader import yamltree

    return yamltree.parse(path, text)


def load_file(path: Path, shown: str | None = None) -> tuple[Deck | None, list[Problem]]:
    """Load one deck file. ``shown`` is the path as problems should name it (default: ``path``)."""
    name = shown if shown is not None else str(path)
    text, problems = read_text(path, name)
    if text is None:
        return None, problems
    return load_text(name, path, text, problems)


def read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    """A deck file's text after the size and character checks (None when it is not text at all), and
    the problems those checks found; ``name`` is the path as problems name it."""
    reads.before_reading(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block the read, or never end
            return None, [Problem(name, 1, 1, "not a regular file (a folder, pipe or device); a deck is a YAML "
                                              "text file")]
        problems = decode.check_size(name, info.st_size)
        if problems:
            return None, problems
        data = _read_at_most(path, decode.MAX_FILE_BYTES)
    except OSError as exc:
        return None, [Problem(name, 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    return decode.decode(name, data)  # the bytes are not kept: not held while the tree is built


def load_text(name: str, path: Path, text: str, problems: list[Problem]) -> tuple[Deck | None, list[Problem]]:
    """The deck in ``text``, the checked text of the file at ``path`` (:func:`read_text`, whose
    ``problems`` are passed on), with every problem of the file."""
    too_many = spec.too_many_cards(text)
    if too_many is not None:  # counted in the text before any tree is built: fast, and no memory spent
        line, col = decode.line_col(text, too_many)
        return None, problems + [Problem(name, line, col, f"more than {spec.MAX_CARDS:,} cards in one deck file; "
                                                          "split the deck into several files (card ids stay "
                                                          "unique across them)")]
    root, yaml_problems = parse(name, text)
    problems = problems + _without_repeats(yaml_problems, problems)
    if root is None and yaml_problems:
        return None, problems
    deck, schema_problems = schema.build_deck(name, path, root, text)
    return deck, problems + schema_problems


HEADER_BYTES = 100_000  # the deck header is at the top of its file; a key further down is not read


def deck_key(path: Path) -> str | None:
    """The key the deck file at ``path`` gives in its header (``deck: key:``), or None when it has none or
    cannot be read. Cheap: only the header's lines are read as YAML, nothing is checked, nothing recorded
    as an input (asked about the other deck files beside a deck that has no lock file yet)."""
    key = _value(_header(path), "key")
    return key.value if isinstance(key, Scalar) and key.value else None


def header_settings(path: Path, shown: str) -> tuple[RuleSetting, ...]:
    """The ``rules:`` of the deck file's header as written, where they were written, for a file whose deck
    could not be read (its problems say why): its settings are judged in the same run. Only the header's
    lines are read; a ``rules:`` that is not a mapping of rule ids gives none (the load reported it)."""
    found = _value(_header(path, shown), "rules")
    if not isinstance(found, Mapping):
        return ()
    from rcc_cards.loader.values import ValueReader  # only for a file whose deck could not be read

    reader = ValueReader(shown, path.parent)
    settings = reader.value(found, "deck", spec.DECK.field("rules"))
    return settings if isinstance(settings, tuple) else ()


def _header(path: Path, shown: str = "") -> Node | None:
    """The ``deck:`` mapping of the file's header, parsed alone, with the lines and columns of the file."""
    try:
        if not path.is_file():
            return None
        with path.open("rb") as f:
            text = f.read(HEADER_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return None
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.split("#", 1)[0].rstrip() == "deck:"), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "#")), len(lines))
    root, _ = parse(shown or str(path), "\n" * start + "\n".join(lines[start:end]) + "\n")
    return _value(root, "deck")


def _value(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, Mapping):
        return None
    return next((value for name, value in node.pairs if name.value == key), None)


def _read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes; a file that grew past ``limit`` since it was measured is cut there (the size
    check has passed, so this only bounds memory)."""
    with path.open("rb") as f:
        return f.read(limit + 1)


def _without_repeats(new: list[Problem], earlier: list[Problem]) -> list[Problem]:
    """Drop a parser complaint about a line that the character checks already reported."""
    lines = {p.line for p in earlier}
    return [p for p in new if p.line not in lines]
