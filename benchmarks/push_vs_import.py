"""What ``rcc-cards push`` keeps that a package import (Anki's File → Import, default options) does not,
measured on the shipped deck (issue 22). A learner imports the first build, answers cards and adds tags
(``marked`` and one of their own) to every note; the author then revises the question of CHANGED cards and
rebuilds. One copy of the learner's collection imports the new package as File → Import does, another gets
``rcc-cards push --collection``; the script prints, for each, the notes updated, the learner's tags left,
the reviews and card scheduling kept, and how long the update took (median of --repeat runs, each on fresh
copies; the push's time includes its build).

    .venv/bin/python benchmarks/push_vs_import.py --changed 12 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.decks import DeckId

from rcc_cards.loader import edit, load_file

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "rcc_cards"]


def _cli(args: list[str], cwd: Path, epoch: int) -> str:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _learner(package: Path, path: Path, built: int) -> None:
    col = Collection(str(path))
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package),
                                                     options=ImportAnkiPackageOptions()))
    deck = col.decks.id("Oncology::Renal cell cancer::Stage IV and recurrent")
    assert deck
    col.decks.select(DeckId(deck))
    for _ in range(10):
        card = col.sched.getCard()
        if card is None:
            break
        col.sched.answerCard(card, 3)
    nids = col.find_notes("")
    col.tags.bulk_add(nids, "marked my_own_tag")
    assert col.db is not None
    col.db.execute("update notes set mod = ?", built + 100)  # tagged after the build, before the next one
    col.close()


def _revise(deck_file: Path, changed: int) -> None:
    deck, _ = load_file(deck_file)
    assert deck is not None
    cards = [card for card in deck.cards() if card.front and "q" in card.key_locs][:changed]
    text = deck_file.read_text(encoding="utf-8")
    edits = [edit.Edit(*card.key_locs["q"], card.front + " (revised)") for card in cards]
    deck_file.write_text(edit.edited(text, edits), encoding="utf-8")


def _state(path: Path) -> tuple[int, int, int, list[object]]:
    col = Collection(str(path))
    try:
        assert col.db is not None
        marked = len(col.find_notes("tag:marked"))
        own = len(col.find_notes("tag:my_own_tag"))
        reviews = int(col.db.scalar("select count() from revlog"))
        return marked, own, reviews, col.db.all("select id, ivl, due, reps, queue from cards order by id")
    finally:
        col.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changed", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(REPO / "decks", project / "decks")
        (project / "decks" / "rcc.lock.json").unlink()
        built = int(time.time()) - 1000
        _cli(["build"], project, built)
        first = Path(tmp) / "first.apkg"
        shutil.copy(project / "build" / "rcc.apkg", first)
        learner = Path(tmp) / "learner.anki2"
        _learner(first, learner, built)
        before = _state(learner)
        _revise(project / "decks" / "rcc.yaml", args.changed)
        _cli(["build"], project, built + 500)
        lock = (project / "decks" / "rcc.lock.json").read_bytes()
        times: dict[str, list[float]] = {"import": [], "push": []}
        results: dict[str, tuple[int, int, int, int, bool]] = {}
        for _ in range(args.repeat):
            for way in ("import", "push"):
                copy = Path(tmp) / f"{way}.anki2"
                shutil.copy(learner, copy)
                (project / "decks" / "rcc.lock.json").write_bytes(lock)
                started = time.perf_counter()
                if way == "import":
                    col = Collection(str(copy))
                    log = col.import_anki_package(ImportAnkiPackageRequest(
                        package_path=str(project / "build" / "rcc.apkg"), options=ImportAnkiPackageOptions())).log
                    col.close()
                    updated = len(log.updated)
                else:
                    out = _cli(["push", "--collection", str(copy)], project, built + 500)
                    found = re.search(r"(\d+) updated", out)
                    updated = int(found.group(1)) if found else -1
                times[way].append(time.perf_counter() - started)
                marked, own, reviews, scheduling = _state(copy)
                results[way] = (updated, marked, own, reviews, scheduling == before[3])
        notes = before[0]
        print(f"shipped deck: {notes} notes, all tagged 'marked' and 'my_own_tag' by the learner; "
              f"{before[2]} reviews; {args.changed} questions revised")
        for way, (updated, marked, own, reviews, same) in results.items():
            shown = "" if updated < 0 else f"{updated} notes updated, "
            print(f"{way:>6}: {shown}'marked' on {marked}/{notes}, 'my_own_tag' on {own}/{notes}, "
                  f"reviews {reviews}/{before[2]}, card scheduling unchanged: {same}; "
                  f"median {statistics.median(times[way]):.2f} s of {args.repeat}")


if __name__ == "__main__":
    main()
