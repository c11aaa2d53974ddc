"""Where a project's folders are, seen from one of its deck folders: the folders above it up to the
project's, and the top decks folder (as a build of the project finds its decks). Plain path arithmetic;
nothing here imports the rest of the package."""

from __future__ import annotations

import os
from pathlib import Path


def folders_up(folder: Path) -> list[Path]:
    """``folder`` and each folder above it up to the project's: the current folder, or the nearest one
    holding ``.git``; only ``folder`` itself when neither is above it. The last one is the project's."""
    found = [folder]
    cwd = Path.cwd()
    for _ in folder.absolute().parents:
        here = found[-1]
        if Path(os.path.abspath(here)) == cwd or (here / ".git").exists():
            return found
        found.append(Path(os.path.normpath(folder / Path(*[".."] * len(found)))))
    return found[:1]


def top_decks_folder(folder: Path) -> Path:
    """The decks folder ``folder`` is in, as a build of the project finds its decks: the folder right below
    the project's on the way up (``decks`` for ``decks/oncology``), or ``folder`` itself when it is the
    project's (:func:`folders_up`)."""
    up = folders_up(folder)
    return up[-2] if len(up) > 1 else up[0]


PROPOSALS_SUFFIX = ".proposals.json"


def proposals_file(deck_file: Path, key: str) -> Path:
    """Where ``rcc-cards pull`` writes a deck's proposals: ``KEY.proposals.json`` beside the deck file."""
    return deck_file.parent / (key + PROPOSALS_SUFFIX)
