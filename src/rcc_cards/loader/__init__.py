"""Deck files -> :class:`~rcc_cards.model.Deck` values and problems; never raises on bad input.

The pipeline for one file: size limit -> strict UTF-8 and character checks (:mod:`.decode`) -> YAML
events to a located node tree (:mod:`.yamltree`) -> the deck format (:mod:`.schema`).
"""

from __future__ import annotations

from pathlib import Path

from rcc_cards.errors import Problem
from rcc_cards.loader import decode, schema, yamltree
from rcc_cards.model import Deck

PARSER = yamltree.PARSER


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
    if text is None:
        return None, problems
    root, yaml_problems = yamltree.parse(name, text)
    problems += _without_repeats(yaml_problems, problems)
    if root is None and yaml_problems:
        return None, problems
    deck, schema_problems = schema.build_deck(name, path, root)
    return deck, problems + schema_problems


def _without_repeats(new: list[Problem], earlier: list[Problem]) -> list[Problem]:
    """Drop a parser complaint about a line that the character checks already reported."""
    lines = {p.line for p in earlier}
    return [p for p in new if p.line not in lines]
