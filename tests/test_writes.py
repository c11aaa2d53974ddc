"""Writes on a real full disk (small tmpfs mounts), real signals sent to a real build, paths that would break
a line, and the pages of a tag subset: whatever stops a write, every output is as it was and no temporary
file is left."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, run, write_deck
from rcc_cards.errors import Problem, shown

CARDS = "".join(f"      - id: c{i}\n        q: Question {i} about the source?\n        a: Answer {i}\n"
                for i in range(1, 6))
FILLER = "filler.bin"


def _mount(folder: Path, size: str = "32m") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"a real full disk needs a tmpfs mount, which is not permitted here: {done.stderr.strip()}")


@pytest.fixture
def disks(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Two small file systems: one for the deck folder (its lock file), one for the build folder."""
    decks, build = tmp_path / "decks", tmp_path / "build"
    _mount(decks)
    try:
        _mount(build)
        try:
            yield decks, build
        finally:
            subprocess.run(["umount", str(build)], check=True)
    finally:
        subprocess.run(["umount", str(decks)], check=True)


def _leave_free(mount: Path, free: int) -> None:
    """Fill the file system at ``mount`` until about ``free`` bytes are left (0: none at all)."""
    info = os.statvfs(mount)
    size = max(info.f_bavail * info.f_frsize - free, 0)
    with open(mount / FILLER, "wb") as out:
        try:
            for _ in range(size // (1 << 20)):
                out.write(bytes(1 << 20))
            out.write(bytes(size % (1 << 20)))
            out.flush()
        except OSError:  # the last block: the disk is full, as asked
            pass


def _snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != FILLER}


def _temporary_files(*folders: Path) -> list[str]:
    return [str(p) for folder in folders for p in folder.rglob("*") if p.name.endswith(".tmp")]


def _uncovered_source(sentences: int) -> str:
    """A source whose sentences no card quotes: a warning each, all kept in the build record."""
    return "# A test source.\n" + "".join(f"Sentence number {i} of the source says nothing much at all.\n"
                                         for i in range(sentences))


@pytest.mark.parametrize("failing", ["package", "lock file", "build record", "preview page"])
def test_a_full_disk_is_exit_1_and_changes_nothing(disks: tuple[Path, Path], failing: str) -> None:
    decks, build = disks
    deck = write_deck(decks, CARDS)
    if failing == "build record":  # a record far larger than the package and its working file
        (decks / "source.txt").write_text(_uncovered_source(12_000), encoding="utf-8")
    if failing == "preview page":  # a page far larger than the package: the image inlined as base64
        (decks / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2 << 20))
        deck.write_text(deck.read_text().replace("      - id: c1\n", "      - id: c1\n        image: pic.png\n"))
    command = ["build", str(deck), "-o", str(build / "out"), "--preview"]
    assert run(command).exit_code == 0
    deck.write_text(deck.read_text().replace("Answer 1", "Answer one"))  # a new package and lock file
    package = build / "out" / "t.apkg"
    free = {"package": (build, 0), "lock file": (decks, 0),
            "build record": (build, package.stat().st_size + (1 << 20)),
            "preview page": (build, package.stat().st_size + (1 << 20))}[failing]
    target = {"package": package, "lock file": decks / "t.lock.json", "build record": build / "out" /
              ".rcc-cards-cache.json", "preview page": build / "out" / "preview.html"}[failing]
    _leave_free(*free)
    before = _snapshot(decks, build)
    result = run(command)
    assert result.exit_code == 1
    assert result.stderr == f"rcc-cards: error: cannot write {target}: No space left on device\n"
    assert result.stdout == ""
    assert _snapshot(decks, build) == before  # every output byte-identical
    assert _temporary_files(decks, build) == []


def test_standard_output_on_a_full_disk_is_exit_1(tmp_path: Path) -> None:
    full = tmp_path / "full"
    _mount(full, "64k")
    try:
        _leave_free(full, 0)
        with open(full / "schema.json", "wb") as out:
            done = subprocess.run([sys.executable, "-m", "rcc_cards", "schema"], stdout=out, stderr=subprocess.PIPE,
                                  text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr == "rcc-cards: error: cannot write standard output: No space left on device\n"
    finally:
        subprocess.run(["umount", str(full)], check=True)


def test_a_disk_with_room_writes_everything(disks: tuple[Path, Path]) -> None:
    """The passing twin: the same build with room to spare writes all four outputs."""
    decks, build = disks
    deck = write_deck(decks, CARDS)
    _leave_free(build, 4 << 20)
    result = run(["build", str(deck), "-o", str(build / "out"), "--preview"])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (build / "out").iterdir()) == [".rcc-cards-cache.json", "preview.html", "t.apkg"]
    assert (decks / "t.lock.json").is_file()


# -- SIGTERM and SIGHUP clean up like Ctrl-C ----------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_build_stopped_by_a_signal_leaves_no_temporary_file(tmp_path: Path, signum: int) -> None:
    cards = "".join(f"      - id: c{i}\n        q: Which is question c{i} of a large deck?\n        a: Answer c{i}\n"
                    "        unsourced: written for this test\n" for i in range(30_000))
    deck = write_deck(tmp_path, cards)
    command = [sys.executable, "-m", "rcc_cards", "build", "t.yaml", "-o", "out", "--preview"]
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, timeout=120).returncode == 0
    deck.write_text(deck.read_text().replace("Answer c7\n", "Answer seven\n"))
    before = _snapshot(tmp_path)
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _temporary_files(tmp_path / "out") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert proc.poll() is None, "the build ended before it wrote a temporary file"
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == (1 if signum == signal.SIGINT else 128 + signum), stderr  # Ctrl-C: Click's "Aborted!"
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert _temporary_files(tmp_path) == []
    assert _snapshot(tmp_path) == before  # the previous package, lock file, record and page intact


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_watch_session_stopped_by_a_signal_exits_128_plus_its_number(tmp_path: Path, signum: int) -> None:
    write_deck(tmp_path, CARDS)
    proc = subprocess.Popen([sys.executable, "-m", "rcc_cards", "build", "--watch", "t.yaml", "-o", "out"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # until the session says it is watching (or the process ends)
            if line.startswith("watching"):
                break
        proc.send_signal(signum)
        assert proc.wait(timeout=20) == 128 + signum
        assert _temporary_files(tmp_path) == []
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".rcc-cards-cache.json", "t.apkg"]
    finally:
        proc.kill()
        proc.communicate()


# -- a path that would break a line -------------------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("a\nb", "$'a\\nb'"), ("tab\there", "$'tab\\there'"), ("it's\r", "$'it\\'s\\r'"), ("sep\u2028x", "$'sep\\u2028x'"),
    ("byte\udcff", "$'byte\\xff'"), ("plain name é.yaml", "plain name é.yaml"),
])
def test_a_path_is_shown_on_one_line(name: str, expected: str) -> None:
    assert shown(name) == expected
    problem = str(Problem(name, 3, 4, f"first used at {name}:2"))
    assert len(problem.splitlines()) == 1 and problem.startswith(f"{expected}:3:4: error: first used at ")


def test_problems_and_outputs_under_a_folder_with_a_newline_stay_one_line_each(tmp_path: Path) -> None:
    folder = tmp_path / "two\nlines"
    deck = write_deck(folder, CARDS + "      - id: c1\n        q: Again?\n        a: Again\n")
    result = run(["check", str(deck)])
    assert result.exit_code == 1
    quoted = shown(deck)
    assert quoted == "$'" + str(folder).replace("\n", "\\n") + "/t.yaml'"
    lines = result.stderr.splitlines()
    inline = str(deck).replace("\n", "\\n")  # a path inside a message: escaped, without the quotes
    assert f"{quoted}:27:13: error: duplicate card id 'c1'; first used at {inline}:12. Card ids must be unique " \
           "across all decks built together: rename this one [duplicate-card-id]" in lines
    assert len(lines) == 11 and lines[-1] == "rcc-cards: 1 error, 9 warnings in 2 files"
    assert all(line.startswith("$'" + str(folder).replace("\n", "\\n")) for line in lines[:-1])
    deck.write_text(deck.read_text().replace("      - id: c1\n        q: Again?\n        a: Again\n", ""))
    result = run(["build", str(deck), "-o", str(folder / "out")], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [f"wrote {shown(folder / 'out' / 't.apkg')}: 5 notes, 5 cards, 1 tags",
                                              f"wrote {shown(folder / 't.lock.json')}"]


# -- the page's path -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("output,message", [
    ("", "the path is empty; name the page's file, e.g. -o build/preview.html"),
    ("out", "out is a folder; name the page's file, e.g. -o out/preview.html"),
    (".", ". is a folder; name the page's file, e.g. -o preview.html"),
])
def test_preview_to_no_file_is_refused_naming_the_path(tmp_path: Path, output: str, message: str) -> None:
    write_deck(tmp_path, CARDS)
    (tmp_path / "out").mkdir()
    before = _snapshot(tmp_path)
    result = run(["preview", "t.yaml", "-o", output], cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: Invalid value for '-o' / '--output': {message}"
    assert _snapshot(tmp_path) == before


def test_a_package_path_that_is_a_folder_is_named(tmp_path: Path) -> None:
    write_deck(tmp_path, CARDS)
    (tmp_path / "x.apkg").mkdir()
    before = _snapshot(tmp_path)
    result = run(["build", "t.yaml", "-o", "x.apkg"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == "rcc-cards: error: cannot write x.apkg: it is a folder, not a file; name a file to write\n"
    assert _snapshot(tmp_path) == before


# -- the source view of a tag subset -------------------------------------------------------------------------

@pytest.mark.parametrize("tag", ["topic::dosing", "rcc::stage_iv::cytokine_therapy::interleukin_2"])
def test_the_source_view_of_a_subset_links_only_cards_on_the_page(tmp_path: Path, tag: str) -> None:
    page_file = tmp_path / "p.html"
    result = run(["preview", str(REPO / "decks" / "rcc.yaml"), "--tag", tag, "-o", str(page_file)])
    assert result.exit_code == 0, result.stderr
    page = page_file.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<article class="pv-entry" id="([^"]+)"', page))
    links = re.findall(r'<a class="pv-ref" href="#([^"]+)">', page)
    off_page = re.findall(r'<span class="pv-off-page" title="not on this page">([^<]+)</span>', page)
    assert links and set(links) <= anchors  # every link reaches a card on the page
    assert off_page and not {f"pv-card-{card_id}" for card_id in off_page} & anchors
    full = tmp_path / "full.html"
    assert run(["preview", str(REPO / "decks" / "rcc.yaml"), "-o", str(full)]).exit_code == 0
    assert full.read_text(encoding="utf-8").count('class="pv-off-page"') == 0  # the twin: every card is on it


def test_sqlite_on_a_full_disk_is_the_disk_error_and_bad_sql_stays_a_bug(tmp_path: Path) -> None:
    import errno
    import sqlite3

    from rcc_cards import compiler, project, stamps

    deck = write_deck(tmp_path / "deck", CARDS)
    (loaded_deck,) = project.load([deck]).decks
    (item,), _ = stamps.stamp_decks([loaded_deck], 1_700_000_000)
    build = compiler.DeckBuild(item.deck, list(item.deck.cards()), item.mods, item.type_mods)
    full = tmp_path / "full"
    _mount(full, "64k")
    try:
        _leave_free(full, 0)
        with pytest.raises(OSError) as caught:
            compiler.write_collection([build], full / "collection.anki2")
        assert caught.value.errno == errno.ENOSPC and caught.value.strerror == "No space left on device"
        assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
        assert str(caught.value.__cause__) == "database or disk is full"
    finally:
        subprocess.run(["umount", str(full)], check=True)
    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as bad_sql:
        conn.execute("SELECT * FROM no_such_table")
    assert compiler._disk_error(bad_sql.value) is None  # an error of ours is not the disk's


def test_a_disk_that_fills_while_the_package_is_zipped_changes_nothing(disks: tuple[Path, Path]) -> None:
    """The collection (SQLite) fits, the zip made from it does not: the zip's error, not SQLite's."""
    decks, build = disks
    cards = "".join(f"      - id: c{i}\n        q: Which is question c{i} of a large deck?\n        a: Answer c{i}\n"
                    "        unsourced: written for this test\n" for i in range(2000))
    deck = write_deck(decks, cards)
    command = ["build", str(deck), "-o", str(build / "out")]
    assert run(command).exit_code == 0
    deck.write_text(deck.read_text().replace("Answer c7\n", "Answer seven\n"))
    from rcc_cards import compiler, project, stamps

    (item,), _ = stamps.stamp_decks(project.load([deck]).decks, stamps.build_timestamp())
    compiler.write_collection([compiler.DeckBuild(item.deck, list(item.deck.cards()), item.mods, item.type_mods)],
                              decks / "measure.anki2")
    collection = (decks / "measure.anki2").stat().st_size
    (decks / "measure.anki2").unlink()
    package = build / "out" / "t.apkg"
    assert package.stat().st_size > 64 << 10  # so that half of it is more than a few blocks
    _leave_free(build, collection + package.stat().st_size // 2)
    before = _snapshot(decks, build)
    result = run(command)
    assert result.exit_code == 1
    assert result.stderr == f"rcc-cards: error: cannot write {package}: No space left on device\n"
    assert _snapshot(decks, build) == before
    assert _temporary_files(decks, build) == []


# -- packages written aside, by a child process, while the checks run (issue 24) ---------------------------

ASIDE_CARDS = "".join(f"      - id: c{i}\n        q: Which is question c{i} of a large deck?\n        a: Answer c{i}\n"
                      "        unsourced: written for this test\n" for i in range(6_000))


@pytest.fixture
def asides(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many builds had their packages written aside (by a child process)."""
    from rcc_cards import writer

    started: list[int] = []
    real = writer.Staged.aside

    def counted(self: writer.Staged, jobs: Any) -> writer.Aside:
        started.append(len(jobs))
        return real(self, jobs)

    monkeypatch.setattr(writer.Staged, "aside", counted)
    return started


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process counts as single-threaded, whatever threads other tests of the run left behind (a
    server's, a reader's): the tests of the child's writing need the child."""
    from rcc_cards import builder

    monkeypatch.setattr(builder, "_one_thread", lambda: True)


def test_packages_written_aside_are_the_bytes_written_here(tmp_path: Path, asides: list[int], one_thread: None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from rcc_cards import builder

    write_deck(tmp_path, ASIDE_CARDS)
    first = run(["build", "t.yaml", "-o", "aside"], cwd=tmp_path)
    assert first.exit_code == 0 and asides == [1]
    assert "wrote aside/t.apkg: 6000 notes, 6000 cards, 1 tags" in first.stdout  # counted by the child
    monkeypatch.setattr(builder, "ASIDE_MIN_CARDS", 10 ** 9)
    result = run(["build", "t.yaml", "-o", "here"], cwd=tmp_path)
    assert result.exit_code == 0 and asides == [1]
    assert (tmp_path / "aside" / "t.apkg").read_bytes() == (tmp_path / "here" / "t.apkg").read_bytes()
    assert "wrote here/t.apkg: 6000 notes, 6000 cards, 1 tags" in result.stdout
    assert _temporary_files(tmp_path) == []


def test_a_failing_check_stops_the_packages_written_aside(tmp_path: Path, asides: list[int], one_thread: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from rcc_cards import builder

    deck = write_deck(tmp_path, ASIDE_CARDS)
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text().replace("question c7 of", "question c8 of"))  # c7 asks what c8 asks
    before = _snapshot(tmp_path)
    aside = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert aside.exit_code == 1 and len(asides) == 2  # the packages were being written when the check failed
    assert "asks the same thing as card 'c8'" in aside.stderr or "asks the same thing as card 'c7'" in aside.stderr
    assert _snapshot(tmp_path) == before and _temporary_files(tmp_path) == []
    monkeypatch.setattr(builder, "ASIDE_MIN_CARDS", 10 ** 9)
    here = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert (here.exit_code, here.stderr) == (1, aside.stderr)  # the same problems, in the same words


def test_a_disk_error_of_the_child_writing_aside_is_reported_and_changes_nothing(
        tmp_path: Path, asides: list[int], one_thread: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from rcc_cards import compiler

    deck = write_deck(tmp_path, ASIDE_CARDS)
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text().replace("Answer c7\n", "Answer seven\n"))
    before = _snapshot(tmp_path)
    real = compiler.write_collection

    def full_disk(builds: Any, path: Path) -> Any:
        real(builds, path)  # the scratch collection is written (then left to the parent to remove) ...
        raise OSError(errno.ENOSPC, "No space left on device")  # ... and the disk fills

    monkeypatch.setattr(compiler, "write_collection", full_disk)  # the child inherits it
    result = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert len(asides) == 2
    assert (result.exit_code, result.stderr) == (1, "rcc-cards: error: cannot write out/t.apkg: No space left on "
                                                    "device\n")
    assert _snapshot(tmp_path) == before and _temporary_files(tmp_path) == []


def test_a_process_with_another_thread_writes_its_packages_itself(tmp_path: Path, asides: list[int]) -> None:
    """Forking copies one thread only: with another one running (of a library, say), no child is made."""
    import threading

    write_deck(tmp_path, ASIDE_CARDS)
    done = threading.Event()
    other = threading.Thread(target=done.wait, args=(60,))
    other.start()
    try:
        result = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    finally:
        done.set()
        other.join()
    assert result.exit_code == 0 and asides == []
    assert "wrote out/t.apkg: 6000 notes, 6000 cards, 1 tags" in result.stdout
