"""Shared test helpers: run the CLI in a folder, and import packages into a real Anki collection."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportResponse
from anki.notes import Note
from click.testing import CliRunner, Result

from rcc_cards.ankicollection import Server
from rcc_cards.cli import cli

REPO = Path(__file__).resolve().parent.parent

DECK_HEAD = """\
deck:
  key: {key}
  name: {name}
  source:
    title: Test source
    file: source.txt
    as_of: "2024"
{deck_lines}sections:
  - key: s
    title: Section
    cards:
"""


SOURCE_TEXT = "# A test source.\nQuestion one has answer one. A cloze with two deletions.\n"


# For tests about other rules: decks whose few cards do not cover their whole source (deck_lines below).
NO_COVERAGE = "  rules: {sentence-uncovered: off}\n"


def write_deck(folder: Path, cards: str, key: str = "t", name: str = "Test deck", filename: str = "",
               deck_lines: str = "") -> Path:
    """A deck file with one section holding ``cards`` (YAML list items indented by 6 spaces); ``deck_lines``
    are more keys of ``deck:`` (indented by 2 spaces), placed after the source."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "source.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    path = folder / (filename or f"{key}.yaml")
    path.write_text(DECK_HEAD.format(key=key, name=name, deck_lines=deck_lines) + cards, encoding="utf-8")
    return path


def run(args: list[str], cwd: Path | None = None) -> Result:
    """Invoke ``rcc-cards`` in ``cwd`` and return the result (stdout and stderr kept apart)."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """The shipped rcc deck, in a copy of decks/ (its sources and lock file too): building it writes
    only into the copy, so no test changes the repository's lock file behind another test's back."""
    copy = tmp_path / "shipped-decks"
    shutil.copytree(REPO / "decks", copy)
    return copy / "rcc.yaml"


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection(str(tmp_path / "collection.anki2"))
    yield collection
    collection.close()


def import_apkg(col: Collection, path: Path, **options: Any) -> ImportResponse.Log:
    """Import a package the way Anki's importer does; returns the import log (``new``, ``updated``,
    ``duplicate``, ``conflicting``: the notes of each outcome)."""
    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions(**options))
    return col.import_anki_package(request).log


def notes_by_card_id(col: Collection) -> dict[str, Note]:
    """Every note in the collection, keyed by its CardId field."""
    out: dict[str, Note] = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        out[note["CardId"]] = note
    return out


def add_note(col: Collection, kind: str, deck: int, fields: list[str], tags: list[str] | None = None) -> str:
    """Add a note of the stock note type ``kind`` to deck ``deck`` of a real collection; its GUID."""
    from anki.decks import DeckId

    notetype = col.models.by_name(kind)
    assert notetype is not None
    note = col.new_note(notetype)
    for index, value in enumerate(fields):
        note.fields[index] = value
    note.tags = tags or []
    col.add_note(note, DeckId(deck))
    return note.guid


SYNC_USER, SYNC_PASSWORD = "learner", "s3cret pass"


class SyncServer:
    """Anki's own sync server (``python -m anki.syncserver``), run by a test on loopback with a free port and
    its own folder; ``stop()`` and ``start()`` again on the same port and folder (a server down, then back)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None

    def server(self, password: str = SYNC_PASSWORD, timeout: int = 10) -> Server:
        return Server(self.url, SYNC_USER, password, timeout)

    def start(self) -> None:
        env = {**os.environ, "SYNC_USER1": f"{SYNC_USER}:{SYNC_PASSWORD}", "SYNC_BASE": str(self.base),
               "SYNC_HOST": "127.0.0.1", "SYNC_PORT": str(self.port), "RUST_LOG": "warn"}
        self.process = subprocess.Popen([sys.executable, "-m", "anki.syncserver"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sync server exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the sync server did not answer within 20 s")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug would end it."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def sync_server(tmp_path: Path) -> Iterator[SyncServer]:
    """A running sync server with one account (``SYNC_USER``/``SYNC_PASSWORD``), stopped after the test."""
    running = SyncServer(tmp_path / "sync-server")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def study_fix_and_mark(path: Path, fix: str = "answer one") -> None:
    """A learner's part in the pull and push tests, on the collection at ``path`` holding the test deck
    (cards 'one' and 'two'): answer both cards, change note 'one''s answer to ``fix``, tag note 'two'
    marked."""
    from anki.decks import DeckId

    col = Collection(str(path))
    try:
        deck = col.decks.id("Test deck")
        assert deck
        col.decks.select(DeckId(deck))
        for _ in range(2):
            card = col.sched.getCard()
            assert card is not None
            col.sched.answerCard(card, 3)
        notes = notes_by_card_id(col)
        notes["one"]["Back"] = fix
        col.update_note(notes["one"])
        notes["two"].tags.append("marked")
        col.update_note(notes["two"])
    finally:
        col.close()
