"""Watch mode with real file changes, in a real process stopped by a real Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from conftest import run, write_deck
from rcc_cards import builder


class Lines:
    """The process's output lines, read by a thread so that waiting never blocks the test forever."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.queue.put(line)

    def until(self, needle: str, timeout: float = 20) -> str:
        """Everything printed until a line containing ``needle``."""
        seen = ""
        deadline = time.monotonic() + timeout
        while needle not in seen:
            try:
                seen += self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {needle!r}; got:\n{seen}") from None
        return seen


def test_watch_rebuilds_on_change_reports_problems_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "      - id: c1\n        q: Question\n        a: Answer\n")
    proc = subprocess.Popen([sys.executable, "-m", "rcc_cards", "build", "--watch", "t.yaml", "-o", "out"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = Lines(proc)
    try:
        first = lines.until("watching")
        assert "wrote out/t.apkg: 1 notes, 1 cards, 1 tags" in first
        assert "watching 3 files for changes (Ctrl-C to stop)" in first  # the deck, its source, its lock file
        deck.write_text(deck.read_text().replace("Answer", "New answer"))
        second = lines.until("watching")
        assert "change detected; rebuilding" in second
        assert "t: 0 added, 1 changed, 0 removed since t.lock.json" in second
        deck.write_text(deck.read_text().replace("id: c1", "id: c1\n        anwser: typo"))
        third = lines.until("watching")
        assert "t.yaml:13:9: error: section 's' > card 'c1': unknown key 'anwser'" in third
        assert "nothing was written" in third
        (tmp_path / "source.txt").write_text("An edited source.\n")  # the source is watched too
        assert "change detected; rebuilding" in lines.until("watching")
        proc.send_signal(signal.SIGINT)
        assert "stopped watching" in lines.until("stopped watching")
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()


def test_build_reports_its_steps_to_a_progress_callback(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "      - id: c1\n        q: Question\n        a: Answer\n")
    steps: list[str] = []
    builder.build(builder.BuildOptions((deck,), tmp_path / "out"), progress=steps.append)
    assert steps == list(builder.BUILD_STEPS)


def test_a_watch_cycle_finds_and_loads_the_decks_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each cycle builds from one load; the files it watches are the ones that build read."""
    from rcc_cards import project, watch

    write_deck(tmp_path, "      - id: c1\n        q: Question\n        a: Answer\n")
    loads: list[int] = []
    discoveries: list[int] = []
    real_load, real_discover = project._load, project.discover

    def counted_load(files: project.DeckFiles, session: object) -> project.Loaded:
        loads.append(1)
        return real_load(files, session)  # type: ignore[arg-type]

    def counted_discover(paths: Sequence[Path]) -> project.DeckFiles:
        discoveries.append(1)
        return real_discover(paths)

    monkeypatch.setattr(project, "_load", counted_load)
    monkeypatch.setattr(project, "discover", counted_discover)
    watched: list[list[Path]] = []

    def one_cycle(paths: object, seen: dict[Path, object], **_: object) -> None:
        watched.append(list(seen))
        raise KeyboardInterrupt

    monkeypatch.setattr(watch, "wait_for_change", one_cycle)
    result = run(["build", "--watch", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("watching 3 files for changes (Ctrl-C to stop)\nstopped watching\n")
    assert (len(loads), len(discoveries)) == (1, 1)
    assert sorted(p.name for p in watched[0]) == ["source.txt", "t.lock.json", "t.yaml"]
