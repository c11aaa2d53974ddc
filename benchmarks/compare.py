"""rcc-cards against an earlier version of itself, side by side in one run: for a refactoring that must
make nothing slower.

    python benchmarks/compare.py BEFORE_PYTHON [--sizes 10000,100000] [--repeat 5] [--watch 1x1000,100x1000]

BEFORE_PYTHON is the interpreter of a virtual environment where the earlier version is installed, e.g.
``git worktree add /tmp/before <commit> && python -m venv /tmp/before/.venv && /tmp/before/.venv/bin/pip
install -e /tmp/before``. The version under test is this interpreter's. Every repetition runs each command
with both, in turn (before, then after), on the same generated decks, so machine noise hits both alike.
Reports each row's median for both and the ratio after / before (below 1: faster). Watch rows come from
``run.bench_watch`` (one session per version per repetition); build and check rows from
``run.measure``. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run  # noqa: E402
from generate import generate  # noqa: E402


def _size_rows(py: str, deck: Path, pristine: str, n: int) -> dict[str, float]:
    work, lock = deck.parent, deck.with_name("bench.lock.json")  # named by the deck key
    lock.unlink(missing_ok=True)
    deck.write_text(pristine, encoding="utf-8")
    build = [py, "-m", "rcc_cards", "build", deck.name, "-o", "out.apkg"]
    rows = {f"build, {n:,} cards": run.measure(build, work)[0],
            f"build, nothing changed, {n:,} cards": run.measure(build, work)[0]}
    run._one_card_changed(deck, n)
    rows[f"build, one card changed, {n:,} cards"] = run.measure(build, work)[0]
    rows[f"check, {n:,} cards"] = run.measure([py, "-m", "rcc_cards", "check", deck.name], work)[0]
    deck.write_text(pristine, encoding="utf-8")
    return rows


def _watch_rows(py: str, work: Path, files: int, per_file: int) -> dict[str, float]:
    run.PY = py
    rows = run.bench_watch(work, files, per_file, 1)
    return {row.name: row.median for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", help="the Python of a venv with the earlier version installed")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--watch", default="1x1000,100x1000")
    args = parser.parse_args()
    versions = {"before": args.before, "after": sys.executable}
    times: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    work = Path(tempfile.mkdtemp(prefix="rcc-compare-"))
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        decks = {n: generate(n, work / f"d{n}" / f"deck-{n}.yaml") for n in sizes}
        pristine = {n: deck.read_text(encoding="utf-8") for n, deck in decks.items()}
        for _ in range(args.repeat):
            for label, py in versions.items():
                found: dict[str, float] = {}
                for n, deck in decks.items():
                    found |= _size_rows(py, deck, pristine[n], n)
                for spec in (s for s in args.watch.split(",") if s):
                    files, per_file = (int(x) for x in spec.split("x"))
                    place = work / f"w-{label}-{spec}"
                    shutil.rmtree(place, ignore_errors=True)
                    place.mkdir()
                    found |= _watch_rows(py, place, files, per_file)
                for name, seconds in found.items():
                    times[label].setdefault(name, []).append(seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"Run on {date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.repeat} repeats, each version in turn; medians in seconds.\n")
    print("| command | before | after | after / before |\n| --- | ---: | ---: | ---: |")
    for name, before in times["before"].items():
        b, a = statistics.median(before), statistics.median(times["after"][name])
        print(f"| {name} | {b:.3f} | {a:.3f} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
