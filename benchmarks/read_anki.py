"""How long ``ankicollection.read`` takes on a large package, and its peak memory: builds a package of N notes
with genanki (basic and cloze notes, tags, HTML fields; half the notes reference an image) and reads it in a
fresh process, ``--repeat`` times.

    python benchmarks/read_anki.py --notes 10000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import genanki

READER = """
import json, resource, sys, time
from pathlib import Path
from rcc_cards import ankicollection
import anki.collection  # loaded before the baseline, so the peak below is the reading's own
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
data = ankicollection.read(Path(sys.argv[1]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_before_kib": before, "rss_peak_kib": peak, "notes": len(data.notes),
                  "cards": sum(len(n.cards) for n in data.notes)}))
"""


def build(path: Path, notes: int) -> None:
    deck = genanki.Deck(2_059_400_111, "Bench::Read")
    image = path.with_name("bench.png")
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2048)
    for number in range(notes):
        if number % 4 == 3:
            note = genanki.Note(model=genanki.CLOZE_MODEL, guid=f"bench-{number}", tags=[f"bench::t{number % 50}"],
                                fields=[f"Note {number}: {{{{c1::answer {number}}}}} and {{{{c2::more}}}}", ""])
        else:
            back = f'<b>back</b> {number}<br>&amp; more' + (' <img src="bench.png">' if number % 2 else "")
            note = genanki.Note(model=genanki.BASIC_MODEL, guid=f"bench-{number}", tags=["bench", "x::y"],
                                fields=[f"Question {number} &nbsp;<i>italic</i>", back])
        deck.add_note(note)
    package = genanki.Package(deck)
    package.media_files = [str(image)]
    package.write_to_file(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.apkg"
        build(path, args.notes)
        runs = [json.loads(subprocess.run([sys.executable, "-c", READER, str(path)], check=True,
                                          capture_output=True, text=True).stdout) for _ in range(args.repeat)]
        size = path.stat().st_size
    print(f"{args.notes} notes, {runs[0]['cards']} cards, package {size / 1e6:.1f} MB")
    print("read: median {:.2f} s (runs: {})".format(statistics.median(r["seconds"] for r in runs),
                                                     ", ".join(f"{r['seconds']:.2f}" for r in runs)))
    print("peak RSS: {:.0f} MiB, of which the reading added {:.0f} MiB".format(
        max(r["rss_peak_kib"] for r in runs) / 1024,
        max(r["rss_peak_kib"] - r["rss_before_kib"] for r in runs) / 1024))


if __name__ == "__main__":
    main()
