"""Deck files -> :class:`~rcc_cards.model.Deck` values and problems; never raises on bad input.

The pipeline for one file: size limit -> strict UTF-8 and character checks (:mod:`.decode`) -> YAML
events to a located node tree (:func:`parse`) -> the deck format (:mod:`.schema`).
"""

from __future__ import annotations

from pathlib import Path

from rcc_cards.errors import Problem
from rcc_cards.loader import blockyaml, decode, schema
from rcc_cards.loader.nodes import Node
from rcc_cards.model import Deck


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
    try:
        size = path.stat().st_size
        problems = decode.check_size(name, size)
        if problems:
            return None, problems
        data = path.read_bytes()
    except OSError as exc:
        return None, [Problem(name, 1, 1, f"cannot read the file: {exc.strerror or exc}")]
    text, problems = decode.decode(name, data)
    del data  # a large deck's bytes are not needed again: do not hold them while the tree is built
    if text is None:
        return None, problems
    root, yaml_problems = parse(name, text)
    problems += _without_repeats(yaml_problems, problems)
    if root is None and yaml_problems:
        return None, problems
    deck, schema_problems = schema.build_deck(name, path, root, text)
    return deck, problems + schema_problems


def _without_repeats(new: list[Problem], earlier: list[Problem]) -> list[Problem]:
    """Drop a parser complaint about a line that the character checks already reported."""
    lines = {p.line for p in earlier}
    return [p for p in new if p.line not in lines]
