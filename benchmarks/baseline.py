"""The obvious approach, for comparison: ``yaml.safe_load`` the deck, walk it, and write the notes with
genanki's ``Package.write_to_file``. No validation, no grounding, no lock file.

    python benchmarks/baseline.py DECK.yaml OUT.apkg
    python benchmarks/baseline.py FOLDER OUT_FOLDER     # each *.yaml of FOLDER -> OUT_FOLDER/<its name>.apkg
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import genanki
import yaml

QA = genanki.Model(1_607_392_319, "Baseline Q/A", fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Extra"}],
                   templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr>{{Back}}"}])
CLOZE = genanki.Model(1_607_392_320, "Baseline cloze", fields=[{"name": "Text"}, {"name": "Extra"}],
                      templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}"}],
                      model_type=genanki.Model.CLOZE)


def cards(sections: list[dict[str, Any]], path: tuple[str, ...]) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    for section in sections:
        here = (*path, str(section["key"]))
        for card in section.get("cards", []):
            yield card, here
        yield from cards(section.get("sections", []), here)


def main(deck: str, out: str) -> None:
    """One deck file to one package, or each deck file of a folder to a package in ``out``."""
    if Path(deck).is_dir():
        Path(out).mkdir(exist_ok=True)
        for deck_file in sorted(Path(deck).glob("*.yaml")):
            package(str(deck_file), str(Path(out) / (deck_file.stem + ".apkg")))
    else:
        package(deck, out)


def package(deck_file: str, out: str) -> None:
    with open(deck_file, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    meta = data["deck"]
    deck = genanki.Deck(2_059_400_110, meta["name"])
    for card, path in cards(data["sections"], ()):
        tags = ["::".join((meta["key"], *path)), *card.get("tags", [])]
        if "cloze" in card:
            note = genanki.Note(model=CLOZE, fields=[card["cloze"], card.get("extra", "")], tags=tags)
        else:
            note = genanki.Note(model=QA, fields=[card["q"], card["a"], card.get("extra", "")], tags=tags)
        deck.add_note(note)
    genanki.Package(deck).write_to_file(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("deck", help="a deck file, e.g. from benchmarks/generate.py, or a folder of them")
    parser.add_argument("out", help="the package to write (a folder for a folder of decks)")
    args = parser.parse_args()
    main(args.deck, args.out)
