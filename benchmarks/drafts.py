"""What ``rcc-cards draft`` proposes for a whole source: how many sentences it covers and how many of the
source's numbers it puts in a deletion. Not a timing; a measure of the drafts.

    python benchmarks/drafts.py decks/sources/rcc_stage_iv.txt tests/second_deck/sources/examplumab.txt

For each source: a new deck is made from it with ``rcc-cards new`` (so it has no cards), ``rcc-cards
draft`` runs on it, and the drafts file is loaded and checked like any deck. Counted independently of
how the drafts were made: the source's sentences (headings aside) and the ones a draft's quote covers
(:mod:`rcc_cards.coverage`); the numbers of each sentence that are quantities
(:func:`rcc_cards.grounding.quantities`, citation brackets removed; not the labels a draft never deletes,
:func:`rcc_cards.drafts.label_numbers`: list markers, figure and table numbers, p-values, phase numerals)
and those that lie inside one of the sentence's cloze deletions. ``--check`` exits 1 unless every figure is complete (the tests use it).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from rcc_cards import cloze, coverage, drafts, grounding, project

_BRACKETS = re.compile(r"\[[^\[\]\n]*\]")


class Figures(NamedTuple):
    source: str
    sentences: int
    covered: int
    numbers: int
    in_deletions: int
    clozes: int
    skeletons: int
    problems: int  # errors the drafts file has when checked

    @property
    def complete(self) -> bool:
        return self.covered == self.sentences and self.in_deletions == self.numbers and self.problems == 0


def measure(source: Path, work: Path) -> Figures:
    decks = work / "decks"
    rcc = [sys.executable, "-m", "rcc_cards"]
    subprocess.run([*rcc, "new", "measured", "--source", str(source), "--as-of", "measured", "--decks",
                    str(decks)], check=True, capture_output=True)
    subprocess.run([*rcc, "draft", str(decks / "measured.yaml")], check=True, capture_output=True)
    loaded = project.load([decks])
    drafted = loaded.drafts[0]
    errors = sum(1 for p in loaded.problems if p.is_error)
    found = coverage.of_deck(drafted)[0]
    sentences = [line for line in found.lines if not line.sentence.heading]
    covered = sum(1 for line in sentences if line.cards)
    numbers = in_deletions = 0
    quoting = {card.quote: card for card in drafted.cards()}
    for line in sentences:
        wanted = drafts.fact_quantities(_BRACKETS.sub(" ", line.sentence.raw))
        numbers += len(wanted)
        card = next((c for q, c in quoting.items() if grounding.normalize(q) in line.sentence.text), None)
        hidden: set[str] = set()
        if card is not None and card.text:
            for deletion in cloze.parse(card.text)[0]:
                hidden |= grounding.quantities(deletion.answer)
        in_deletions += len(wanted & hidden)
    cards = list(drafted.cards())
    clozes = sum(1 for c in cards if c.text)
    return Figures(str(source), len(sentences), covered, numbers, in_deletions, clozes, len(cards) - clozes, errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", type=Path, help="source text files")
    parser.add_argument("--check", action="store_true", help="exit 1 unless every figure is complete")
    args = parser.parse_args()
    print("| source | sentences covered by drafts | numbers in a deletion | cloze drafts | q/a to write | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    complete = True
    for source in args.sources:
        with tempfile.TemporaryDirectory() as tmp:
            f = measure(source.resolve(), Path(tmp))
        complete &= f.complete
        print(f"| {f.source} | {f.covered} of {f.sentences} | {f.in_deletions} of {f.numbers} | {f.clozes} | "
              f"{f.skeletons} | {f.problems} |")
    return 0 if complete or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
