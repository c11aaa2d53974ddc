"""How long ``rcc-cards import`` takes on a large package, and its peak memory: builds a package of N notes
with genanki (basic, reversed and cloze notes in subdecks, tags, HTML fields; half the notes reference an
image) and imports it into an empty project in a fresh process (``rcc-cards import``, exactly as a user runs
it), ``--repeat`` times; then times ``rcc-cards check`` of the result once.

    python benchmarks/import_anki.py --notes 10000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import genanki

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (run.measure: wall time and the child's own peak RSS, from wait4)


def build(path: Path, notes: int) -> None:
    decks = [genanki.Deck(2_059_400_120 + n, f"Bench::Part {n}") for n in range(10)]
    image = path.with_name("bench.png")
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2048)
    for number in range(notes):
        if number % 4 == 3:
            note = genanki.Note(model=genanki.CLOZE_MODEL, guid=f"bench-{number}", tags=[f"bench::t{number % 50}"],
                                fields=[f"Note {number}: {{{{c1::answer {number}}}}} and {{{{c2::more}}}}", "extra"])
        else:
            model = genanki.BASIC_AND_REVERSED_CARD_MODEL if number % 4 == 2 else genanki.BASIC_MODEL
            back = f"<b>back</b> {number}<br>&amp; more" + (' <img src="bench.png">' if number % 2 else "")
            note = genanki.Note(model=model, guid=f"bench-{number}", tags=["bench", "x::y"],
                                fields=[f"Question {number} &nbsp;<i>italic</i>", back])
        decks[number % len(decks)].add_note(note)
    package = genanki.Package(decks)
    package.media_files = [str(image)]
    package.write_to_file(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    command = [sys.executable, "-m", "rcc_cards"]
    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "bench.apkg"
        build(package, args.notes)
        runs = []
        for number in range(args.repeat):
            project = Path(tmp) / f"project{number}"
            project.mkdir()
            runs.append(run.measure([*command, "import", str(package)], project))
        check = run.measure([*command, "check", "decks"], Path(tmp) / "project0")
        size = package.stat().st_size
    print(f"{args.notes} notes, package {size / 1e6:.1f} MB")
    print("import: median {:.2f} s (runs: {}); peak RSS {:.0f} MiB".format(
        statistics.median(s for s, _ in runs), ", ".join(f"{s:.2f}" for s, _ in runs), max(m for _, m in runs)))
    print(f"check of the imported deck: {check[0]:.2f} s")


if __name__ == "__main__":
    main()
