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
    real_read, real_discover = project.read, project.discover

    def counted_read(files: project.DeckFiles, reuse: project.Reuse = project.FRESH) -> project.Read:
        loads.append(1)
        return real_read(files, reuse)

    def counted_discover(paths: Sequence[Path]) -> project.DeckFiles:
        discoveries.append(1)
        return real_discover(paths)

    monkeypatch.setattr(project, "read", counted_read)
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


def _watching(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], Lines]:
    proc = subprocess.Popen([sys.executable, "-m", "rcc_cards", "build", "--watch", *args],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return proc, Lines(proc)


def _quiet_for(lines: Lines, seconds: float) -> str:
    """What the process printed over ``seconds`` (nothing, when it waits quietly)."""
    deadline, seen = time.monotonic() + seconds, ""
    while (left := deadline - time.monotonic()) > 0:
        try:
            seen += lines.queue.get(timeout=left)
        except queue.Empty:
            break
    return seen


CARD = "      - id: c1\n        q: Question\n        a: Answer\n"


@pytest.mark.parametrize("case", ["up to date", "no cards yet", "error", "nothing selected"])
def test_a_cycle_that_builds_nothing_waits_quietly_for_the_next_change(tmp_path: Path, case: str) -> None:
    deck = write_deck(tmp_path, CARD)
    if case == "no cards yet":
        deck.write_text(deck.read_text().replace("    cards:\n" + CARD, "    cards: []\n"))
    if case == "error":
        deck.write_text(deck.read_text().replace("a: Answer", "anwser: Answer"))
    if case == "up to date":
        assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    tags = ["--tag", "no-such-tag"] if case == "nothing selected" else []
    proc, lines = _watching(tmp_path, "t.yaml", "-o", "out", *tags)
    try:
        first = lines.until("watching")
        assert _quiet_for(lines, 1.0) == ""  # no rebuild while nothing changes
        deck.write_text(deck.read_text() + "\n")
        assert "change detected; rebuilding" in lines.until("watching")
        assert _quiet_for(lines, 0.5) == ""
    finally:
        proc.kill()
        proc.wait()
    expected = {"up to date": "watching 3 files", "no cards yet": "no deck has cards to build yet",
                "error": "unknown key 'anwser'", "nothing selected": "no note is left after --tag no-such-tag"}
    assert expected[case] in first


def test_a_named_deck_file_briefly_absent_is_waited_for(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARD)
    proc, lines = _watching(tmp_path, "t.yaml", "-o", "out")
    try:
        lines.until("watching")
        deck.rename(tmp_path / "t.yaml~")  # a backup-rename save, caught half-way
        waited = lines.until("watching")
        assert "waiting for t.yaml: not found (a save or a branch switch in progress?); building when it is back" \
            in waited
        assert "Traceback" not in waited and proc.poll() is None
        assert _quiet_for(lines, 0.5) == ""
        (tmp_path / "t.yaml~").rename(deck)
        back = lines.until("built in")
        assert "change detected; rebuilding" in back and "Traceback" not in back
    finally:
        proc.kill()
        proc.wait()


def _replace(path: Path, text: str) -> None:
    """Write ``path`` whole, as an editor's save does (a rename), so a watcher never reads half of it."""
    temporary = path.with_name(path.name + ".tmp-save")
    temporary.write_text(text)
    os.replace(temporary, path)


def test_restoring_a_damaged_lock_file_rebuilds(tmp_path: Path) -> None:
    write_deck(tmp_path, CARD)
    lock = tmp_path / "t.lock.json"
    proc, lines = _watching(tmp_path, "t.yaml", "-o", "out")
    try:
        lines.until("watching")
        good = lock.read_text()
        _replace(lock, good[: len(good) // 2])  # damaged: cut short
        damaged = lines.until("watching")
        assert "t.lock.json:" in damaged and "nothing was written" in damaged
        assert _quiet_for(lines, 0.5) == ""
        _replace(lock, good)  # restored, as the message advises (whole: the watcher never sees it half-written)
        restored = lines.until("watching")
        assert "change detected; rebuilding" in restored and "built in" in restored
        assert "error" not in restored
    finally:
        proc.kill()
        proc.wait()
    assert lock.read_text() == good


def test_a_save_during_a_cycle_is_built_by_the_next_one(tmp_path: Path) -> None:
    """The deck is saved while the cycle writes its package (the build's own progress hook): the cycle
    waits for what it read, so the save counts as a change, and the next cycle's lock file agrees with it."""
    from rcc_cards import watch

    deck = write_deck(tmp_path, CARD)
    options = builder.BuildOptions((deck,), tmp_path / "out")
    session = watch.Session()

    def save_while_compiling(step: str) -> None:
        if step == builder.BUILD_STEPS[1]:
            deck.write_text(deck.read_text().replace("a: Answer", "a: Saved mid-cycle"))

    with watch.cycle() as seen:
        session.build(options, progress=save_while_compiling)
    assert watch.changed((deck,), seen)
    with watch.cycle() as seen:
        report = session.build(options)
    assert [c.id for item in report.stamped for c in item.changed] == ["c1"]
    assert not watch.changed((deck,), seen)
    assert run(["diff", "--locked", "t.yaml"], cwd=tmp_path).exit_code == 0  # the lock file agrees with the deck
    assert "Saved mid-cycle" in _fresh_answers(tmp_path / "out" / "t.apkg")


def _fresh_answers(package: Path) -> str:
    import zipfile

    with zipfile.ZipFile(package) as archive:
        return archive.read("collection.anki2").decode("latin-1")


def test_a_plain_build_after_a_save_during_a_build_is_not_up_to_date(tmp_path: Path) -> None:
    """The build record keeps no digest of a file that changed after the build read it."""
    deck = write_deck(tmp_path, CARD)
    options = builder.BuildOptions((deck,), tmp_path / "out")

    def save_while_compiling(step: str) -> None:
        if step == builder.BUILD_STEPS[1]:
            deck.write_text(deck.read_text().replace("a: Answer", "a: Saved mid-build"))

    builder.build(options, progress=save_while_compiling)
    again = builder.build(options)
    assert [w.up_to_date for w in again.written] == [False]
    assert builder.build(options).written[0].up_to_date


@pytest.mark.parametrize("link, target", [("source.txt", "b.txt"), ("pic.png", "b.png")])
def test_a_watch_session_rebuilds_when_a_link_is_re_pointed(tmp_path: Path, link: str, target: str) -> None:
    from test_buildcache import _linked_project, _repoint

    _linked_project(tmp_path)
    proc, lines = _watching(tmp_path, "t.yaml", "-o", "out")
    try:
        assert "wrote out/t.apkg" in lines.until("watching")
        _repoint(tmp_path / link, target)
        again = lines.until("watching")
        assert "change detected; rebuilding" in again and "wrote out/t.apkg" in again
        assert _quiet_for(lines, 0.5) == ""
    finally:
        proc.kill()
        proc.wait()


def test_a_new_deck_file_in_a_subfolder_ends_the_wait_and_the_search_runs_only_when_a_folder_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """wait_for_change searches for deck files only when a folder it searches changed (or every
    search_every seconds): polls of an unchanged project stat files, they do not walk the tree."""
    from rcc_cards import project, reads, watch

    decks = tmp_path / "decks"
    write_deck(decks / "sub", CARD)
    seen = {reads.key(p): reads.signature(p) for p, _ in project.discover([decks])}
    searches: list[int] = []
    real = project.discover

    def counted(paths: Sequence[Path]) -> project.DeckFiles:
        searches.append(1)
        return real(paths)

    monkeypatch.setattr(project, "discover", counted)
    polls: list[int] = []

    def sleep(_: float) -> None:
        polls.append(1)
        if len(polls) == 5:  # a new deck file appears, in a subfolder
            (decks / "sub" / "more.yaml").write_text((decks / "sub" / "t.yaml").read_text(), encoding="utf-8")
        assert len(polls) < 50, "the new deck file was not noticed"

    watch.wait_for_change([decks], seen, sleep=sleep, clock=lambda: 0.0)
    assert len(polls) == 5 and len(searches) == 1  # one search: after the folder changed
