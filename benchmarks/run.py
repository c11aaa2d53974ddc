"""Benchmark runner: rcc-cards against the obvious approach and the floor, side by side, repeated.

    python benchmarks/run.py                      # 1k, 10k, 100k cards, and 100k in 100 files, 3 repeats
    python benchmarks/run.py --sizes 1000,10000 --repeat 5
    python benchmarks/run.py --sizes 100x1000 --watch 100x1000   # 100,000 cards in 100 files of 1,000
    python benchmarks/run.py --sizes "" --shipped-repeat 21   # the shipped deck only
    python benchmarks/run.py --legacy ...         # the decks of record before issue 24 (300 sentences)

Every command runs as its own process; each repetition runs all of them in turn (so machine noise hits
all alike). Reports the median wall time with the min-max range, the median CPU time (user + system of
the process and its children, from wait4: what a one-core machine would wait for) and each process's
peak memory (max RSS, from wait4), as a markdown table, then the ratios the targets are stated in. Decks
come from benchmarks/generate.py (a size FILESxCARDS is that many deck files of that many cards, built
together); nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

PY = sys.executable
# Every command runs with bytecode caching allowed, as on a user's machine: some environments (this
# project's machines among them) set PYTHONDONTWRITEBYTECODE, which would make every rcc-cards start
# recompile its own modules (about 90 ms) while the libraries it is compared with load from .pyc files.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: Sequence[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one run of ``cmd``."""
    seconds, rss, _ = measure_cpu(cmd, cwd)
    return seconds, rss


def measure_cpu(cmd: Sequence[str], cwd: Path) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system) of one run of ``cmd``."""
    # stderr goes to a file, not a pipe: a build that prints many warnings would block on a full pipe
    # while this process waits for it to end.
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return seconds, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


class Row:
    def __init__(self, name: str) -> None:
        self.name = name
        self.times: list[float] = []
        self.rss: list[int] = []
        self.cpu: list[float] = []

    def add(self, result: tuple[float, int] | tuple[float, int, float]) -> None:
        self.times.append(result[0])
        self.rss.append(result[1])
        if len(result) > 2:
            self.cpu.append(result[2])

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    def cells(self) -> str:
        cpu = f"{self.cpu_median:.3f}" if self.cpu else "–"
        return (f"| {self.name} | {self.median:.3f} | {min(self.times):.3f}–{max(self.times):.3f} | {cpu} "
                f"| {max(self.rss)} |")


def _one_card_changed(deck: Path, n: int) -> None:
    text = deck.read_text(encoding="utf-8")
    card = f"card {n // 2})"
    assert card in text, card
    deck.write_text(text.replace(card, f"card {n // 2}, edited)", 1), encoding="utf-8")


def _label(files: int, per_file: int) -> str:
    cards = f"{files * per_file:,} cards"
    return cards if files == 1 else f"{cards} in {files} files"


def bench_size(files: int, per_file: int, work: Path, repeat: int, legacy: bool = False) -> list[Row]:
    """Build, rebuild, check, the obvious script and the floor on ``files`` deck files of ``per_file`` cards
    (one file: ``deck-N.yaml``; more: a folder of them, built together, one package each)."""
    if files == 1:
        deck = generate(per_file, work / f"deck-{per_file}.yaml", legacy)
        target, out, locks, edited = deck, "ours.apkg", [deck.with_name("bench.lock.json")], deck
    else:
        target = _deck_files(work, files, per_file, legacy)
        out, edited = "ours", target / "deck000.yaml"
        locks = [target / f"bench{i}.lock.json" for i in range(files)]
    pristine = edited.read_text(encoding="utf-8")
    rows = {k: Row(k) for k in ("rcc-cards build", "rcc-cards build, nothing changed",
                                "rcc-cards build, one card changed", "rcc-cards check",
                                "baseline: safe_load + genanki write_to_file",
                                "floor: libyaml events + executemany, deflate level 1")}
    ours = [PY, "-m", "rcc_cards", "build", target.name, "-o", out]
    for _ in range(repeat):
        for lock in locks:
            lock.unlink(missing_ok=True)
        edited.write_text(pristine, encoding="utf-8")
        rows["rcc-cards build"].add(measure_cpu(ours, work))
        rows["rcc-cards build, nothing changed"].add(measure_cpu(ours, work))
        _one_card_changed(edited, per_file)
        rows["rcc-cards build, one card changed"].add(measure_cpu(ours, work))
        rows["rcc-cards check"].add(measure_cpu([PY, "-m", "rcc_cards", "check", target.name], work))
        rows["baseline: safe_load + genanki write_to_file"].add(
            measure_cpu([PY, str(HERE / "baseline.py"), target.name, "base" if files > 1 else "base.apkg"], work))
        rows["floor: libyaml events + executemany, deflate level 1"].add(
            measure_cpu([PY, str(HERE / "floor.py"), target.name, "floor" if files > 1 else "floor.apkg"], work))
    edited.write_text(pristine, encoding="utf-8")
    return list(rows.values())


def bench_shipped(work: Path, repeat: int) -> list[Row]:
    rows = {k: Row(k) for k in ('python -c "import genanki, yaml, click"', "rcc-cards build --force (shipped deck)",
                                "rcc-cards build, up to date (shipped deck)",
                                "rcc-cards check (shipped deck)", "rcc-cards tags (shipped deck)")}
    build = [PY, "-m", "rcc_cards", "build", "-o", str(work / "shipped.apkg")]
    measure([PY, "-m", "rcc_cards", "check"], REPO)  # warm-up: writes rcc-cards' .pyc files
    for _ in range(repeat):
        rows['python -c "import genanki, yaml, click"'].add(measure([PY, "-c", "import genanki, yaml, click"], REPO))
        rows["rcc-cards build --force (shipped deck)"].add(measure([*build, "--force"], REPO))
        rows["rcc-cards build, up to date (shipped deck)"].add(measure(build, REPO))
        rows["rcc-cards check (shipped deck)"].add(measure([PY, "-m", "rcc_cards", "check"], REPO))
        rows["rcc-cards tags (shipped deck)"].add(measure([PY, "-m", "rcc_cards", "tags"], REPO))
    return list(rows.values())


def _deck_files(work: Path, decks: int, per_deck: int, legacy: bool = False) -> Path:
    """``decks`` deck files of ``per_deck`` cards each (distinct keys and card ids) in one folder."""
    folder = work / f"decks-{decks}x{per_deck}"
    if folder.exists():
        return folder
    for i in range(decks):
        deck = generate(per_deck, folder / f"deck{i:03d}.yaml", legacy)
        text = deck.read_text(encoding="utf-8")
        text = text.replace("key: bench", f"key: bench{i}", 1).replace("id: card-", f"id: d{i}-card-")
        deck.write_text(text.replace("(card ", f"(deck {i}, card "), encoding="utf-8")
    return folder


class _Output:
    """A process's output lines, read by a thread (waiting never blocks on a full pipe)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        import queue
        import threading

        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in proc.stdout or ()], daemon=True).start()

    def until(self, needle: str, timeout: float = 600) -> str:
        seen = ""
        while needle not in seen:
            seen += self.lines.get(timeout=timeout)
        return seen


def bench_watch(work: Path, decks: int, per_deck: int, repeat: int, legacy: bool = False) -> list[Row]:
    """``build --watch`` on ``decks`` files of ``per_deck`` cards: after one card of one file is edited, the
    time from the file being saved to the new package renamed into place (polling included), and the
    rebuild itself as the watch reports it; beside a full build of the same files."""
    folder = _deck_files(work, decks, per_deck, legacy)
    total = f"{decks * per_deck:,} cards in {decks} file{'s' * (decks != 1)}"
    rows = {k: Row(k) for k in (f"rcc-cards build --force, {total}", f"watch: saved -> package in place, {total}",
                                f"watch: the rebuild itself, {total}")}
    for _ in range(repeat):
        rows[f"rcc-cards build --force, {total}"].add(measure_cpu([PY, "-m", "rcc_cards", "build", folder.name, "-o",
                                                               "full", "--force"], work))
    out = work / f"watch-out-{decks}"
    proc = subprocess.Popen([PY, "-m", "rcc_cards", "build", "--watch", folder.name, "-o", str(out)], cwd=work,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**ENV, "PYTHONUNBUFFERED": "1"})
    output = _Output(proc)
    try:
        output.until("watching")
        deck = folder / "deck000.yaml"
        package = out / "bench0.apkg"
        for i in range(max(repeat, 7)):
            before = package.stat().st_ino
            text = deck.read_text(encoding="utf-8")
            card = f", card {5 + i})"  # a different card each time
            assert card in text, card
            deck.write_text(text.replace(card, f", card {5 + i}, edited)", 1), encoding="utf-8")
            saved = time.perf_counter()
            while package.stat().st_ino == before:
                time.sleep(0.0005)
            in_place = time.perf_counter() - saved
            said = output.until("watching")
            rebuild = float(said.split("built in ", 1)[1].split(" s", 1)[0])
            rows[f"watch: saved -> package in place, {total}"].add((in_place, 0))
            rows[f"watch: the rebuild itself, {total}"].add((rebuild, 0))
    finally:
        proc.terminate()
        proc.wait()
    return list(rows.values())


HEADER = "| command | median s | min–max s | CPU s | peak RSS MiB |\n| --- | ---: | ---: | ---: | ---: |"


def _sizes(spec: str) -> list[tuple[int, int]]:
    """``--sizes``: N (one file of N cards) or FILESxCARDS_PER_FILE, comma-separated."""
    out = []
    for size in (s for s in spec.split(",") if s):
        files, _, per_file = size.rpartition("x")
        out.append((int(files or 1), int(per_file)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000,100x1000",
                        help="deck sizes: N cards in one file, or FILESxCARDS_PER_FILE (comma-separated)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shipped-repeat", type=int, default=15)
    parser.add_argument("--watch", default="1x1000,100x1000",
                        help="watch-mode runs, as FILESxCARDS_PER_FILE (comma-separated; empty: none)")
    parser.add_argument("--legacy", action="store_true",
                        help="decks of the generator before issue 24 (300 sentences whatever the size)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rcc-bench-"))
    out = [f"Run on {date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python "
           f"{platform.python_version()}; {args.repeat} repeats per size, medians; "
           f"{'legacy' if args.legacy else 'realistic'} decks (benchmarks/generate.py).", ""]
    ratios = []
    try:
        if args.shipped_repeat:
            shipped = bench_shipped(work, args.shipped_repeat)
            out += ["**Shipped deck** (start-up dominated)", "", HEADER, *(r.cells() for r in shipped), ""]
            bare = shipped[0].median
            ratios += [f"- shipped deck: full build / bare import = {shipped[1].median / bare:.2f} (up to date: "
                       f"{shipped[2].median / bare:.2f}); check / bare import = {shipped[3].median / bare:.2f}, "
                       f"tags / bare import = {shipped[4].median / bare:.2f} (target <= 0.6)"]
        for spec in (s for s in args.watch.split(",") if s):
            files, per_file = (int(x) for x in spec.split("x"))
            rows = bench_watch(work, files, per_file, args.repeat, args.legacy)
            out += [f"**Watch mode, {_label(files, per_file)}**", "", HEADER, *(r.cells() for r in rows), ""]
            full, in_place, rebuild = rows
            ratios.append(f"- watch, {_label(files, per_file)}: saved -> package {in_place.median:.3f} s, rebuild "
                          f"{rebuild.median:.3f} s, = {in_place.median / full.median:.2f} of a full build (target, "
                          "100,000 cards in 100 files: <= 0.2 s; 0.5 s on the legacy decks)")
            print("\n".join(out[-len(rows) - 4:]), flush=True)
        for files, per_file in _sizes(args.sizes):
            rows = bench_size(files, per_file, work, args.repeat, args.legacy)
            out += [f"**{_label(files, per_file)}**", "", HEADER, *(r.cells() for r in rows), ""]
            build, same, one, _, base, floor = rows
            ratios.append(f"- {_label(files, per_file)}: baseline / build = {base.median / build.median:.1f}x faster "
                          f"(build / baseline = {build.median / base.median:.3f}; targets: >= 15x at 100,000 cards, "
                          f"<= 0.15 at 10,000); build / floor = {build.median / floor.median:.2f}x wall, "
                          f"{build.cpu_median / floor.cpu_median:.2f}x CPU (target <= 3.0 wall); rebuild unchanged / "
                          f"build = {same.median / build.median:.2f}, one card changed / build = "
                          f"{one.median / build.median:.2f}; peak RSS {max(build.rss)} MiB (target < 1024)")
            print("\n".join(out[-len(rows) - 4:]), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(out + ["Ratios:", ""] + ratios))


if __name__ == "__main__":
    main()
