"""The floor: the least work any YAML -> .apkg compiler must do. libyaml events straight to note rows
(no tree, no validation), one ``executemany`` transaction into genanki's schema, deflate at the level the
build uses (rcc_cards.compiler.COMPRESS_LEVEL, 1; level 6 until issue 24 flattered the build by about
0.7x), one package per deck file, as the build writes.

    python benchmarks/floor.py DECK.yaml OUT.apkg
    python benchmarks/floor.py FOLDER OUT_FOLDER     # each *.yaml of FOLDER -> OUT_FOLDER/<its name>.apkg
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sqlite3
import zipfile
from pathlib import Path

import yaml
from genanki.apkg_col import APKG_COL
from genanki.apkg_schema import APKG_SCHEMA

COMPRESS_LEVEL = 1  # the build's (rcc_cards.compiler.COMPRESS_LEVEL), named here so the floor needs no rcc-cards


def rows(deck_file: str) -> list[tuple[object, ...]]:
    """One row per card mapping: its scalar values by key, in event order."""
    out = []
    with open(deck_file, encoding="utf-8") as handle:
        current: dict[str, str] | None = None
        key: str | None = None
        for event in yaml.parse(handle, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.ScalarEvent):
                if key is None:
                    key = event.value
                else:
                    if key == "id":
                        current = {}
                    if current is not None:
                        current[key] = event.value
                    key = None
            elif isinstance(event, yaml.MappingStartEvent):
                key = None
            elif isinstance(event, yaml.MappingEndEvent):
                if current is not None and "id" in current:
                    out.append(_row(len(out), current))
                current, key = None, None
            elif isinstance(event, yaml.SequenceStartEvent):
                key = None
    return out


def _row(i: int, card: dict[str, str]) -> tuple[object, ...]:
    fields = "\x1f".join([card.get("q", card.get("cloze", "")), card.get("a", ""), card.get("extra", "")])
    guid = hashlib.sha256(card["id"].encode()).hexdigest()[:10]
    return (1_700_000_000_000 + i, guid, 1_607_392_319, 1_700_000_000, -1, " ", fields, "", 0, 0, "")


def main(deck: str, out: str) -> None:
    """One deck file to one package, or each deck file of a folder to a package in ``out``."""
    if Path(deck).is_dir():
        Path(out).mkdir(exist_ok=True)
        for deck_file in sorted(Path(deck).glob("*.yaml")):
            package(str(deck_file), str(Path(out) / (deck_file.stem + ".apkg")))
    else:
        package(deck, out)


def package(deck_file: str, out: str) -> None:
    gc.disable()
    note_rows = rows(deck_file)
    gc.enable()
    conn = sqlite3.connect(":memory:")
    conn.executescript(APKG_SCHEMA)
    conn.executescript(APKG_COL)
    with conn:
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        conn.executemany("INSERT INTO cards VALUES (?,?,1,0,1700000000,-1,0,0,?,0,0,0,0,0,0,0,0,'')",
                         [(row[0], row[0], i) for i, row in enumerate(note_rows)])
    data = conn.serialize()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        archive.writestr("collection.anki2", data)
        archive.writestr("media", "{}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("deck", help="a deck file, e.g. from benchmarks/generate.py, or a folder of them")
    parser.add_argument("out", help="the package to write (a folder for a folder of decks)")
    args = parser.parse_args()
    main(args.deck, args.out)
