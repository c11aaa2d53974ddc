"""Where a build's time goes: each phase of ``rcc-cards build`` timed on its own, in one process.

    python benchmarks/phases.py 100000              # a generated 100,000-card deck, 3 runs, fastest of each
    PYTHONPATH=/path/to/old/checkout/src python benchmarks/phases.py 100000   # the same for other code

Each run is a fresh process (no cache carries over) that loads the deck (load = read + decode +
parse + deck format), runs the checks, stamps the cards against an empty lock, writes the package
atomically and formats the lock file, as ``builder._build`` does, timing each step; the garbage
collector is paused throughout, as in a build. Only APIs that every version of rcc-cards has are
used, so the same script measures old and new code side by side. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

from rcc_cards import builder, compiler, writer  # noqa: E402
from rcc_cards.loader import load_file  # noqa: E402

# The same phases in every version: where a later version moved a function, the older place is the fallback.
try:  # issue 11 on: the rule registry; the lock file's policy in stamps
    from rcc_cards.rules import check_decks
    from rcc_cards.stamps import dumps as lock_text
    from rcc_cards.stamps import stamp_decks
except ImportError:  # before
    from rcc_cards.checks import check_decks  # type: ignore[import-not-found,no-redef]
    from rcc_cards.lockfile import dumps as lock_text  # type: ignore[import-not-found,no-redef]

    from rcc_cards.builder import stamp_decks  # type: ignore[attr-defined,no-redef]

PHASES = ("load", "checks", "stamp", "compile + write", "lock file text")


def _write_package(target: Path, produce: functools.partial[object]) -> None:
    """Write one package atomically, with whichever writer this version has (issue 14 on: staged)."""
    if hasattr(writer, "Staged"):
        with writer.Staged() as staged:
            staged.add_with(target, produce, writer.verify_zip)
            staged.commit()
    else:  # before
        writer.write_package(target, produce)


def one_run(deck_file: Path, out: Path) -> dict[str, float]:
    times: dict[str, float] = {}

    def timed(name: str, step: functools.partial[object]) -> object:
        start = time.perf_counter()
        result = step()
        times[name] = time.perf_counter() - start
        return result

    gc.disable()
    try:
        deck, _ = timed("load", functools.partial(load_file, deck_file))  # type: ignore[misc]
        timed("checks", functools.partial(check_decks, [deck], [deck]))
        stamped, _ = timed("stamp", functools.partial(stamp_decks, [deck], 1_700_000_000))  # type: ignore[misc]
        plan = builder.plan(stamped, out)
        timed("compile + write", functools.partial(
            lambda: [_write_package(t, functools.partial(compiler.write_package, b))
                     for t, b in plan.packages.items()]))
        timed("lock file text", functools.partial(lock_text, stamped[0].lock))
    finally:
        gc.enable()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cards", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a single run on this deck (internal)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.one, args.one.with_name("out.apkg"))))
        return
    with tempfile.TemporaryDirectory(prefix="rcc-phases-") as tmp:
        deck_file = generate(args.cards, Path(tmp) / "deck.yaml")
        runs = [json.loads(subprocess.run([sys.executable, __file__, str(args.cards), "--one", str(deck_file)],
                                          check=True, capture_output=True, text=True).stdout)
                for _ in range(args.runs)]
    best = {name: min(run[name] for run in runs) for name in PHASES}
    print(f"{args.cards:,} cards, fastest of {args.runs} runs (s):")
    for name in PHASES:
        print(f"  {name:16s} {best[name]:7.2f}")
    print(f"  {'total':16s} {sum(best.values()):7.2f}")


if __name__ == "__main__":
    main()
