"""Syncing collections with Anki's own sync server (issue 22), run on loopback by each test: the
``sync_server`` fixture (tests/conftest.py) and :func:`rcc_cards.ankicollection.sync_file`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import SyncServer, add_note
from rcc_cards import ankicollection


def _collection(path: Path, fronts: list[str]) -> Path:
    col = Collection(str(path))
    for front in fronts:
        add_note(col, "Basic", 1, [front, "back"])
    col.close()
    return path


def _fronts(path: Path) -> list[str]:
    col = Collection(str(path))
    try:
        return sorted(col.get_note(nid)["Front"] for nid in col.find_notes(""))
    finally:
        col.close()


def test_two_collections_meet_through_the_server(sync_server: SyncServer, tmp_path: Path) -> None:
    desktop = _collection(tmp_path / "desktop.anki2", ["one", "two"])
    phone = _collection(tmp_path / "phone.anki2", [])
    server = sync_server.server()
    assert ankicollection.sync_file(desktop, server) == "full upload"  # the server was empty
    assert ankicollection.sync_file(phone, server) == "full download"  # the phone was
    assert _fronts(phone) == ["one", "two"]
    col = Collection(str(phone))
    add_note(col, "Basic", 1, ["three", "back"])
    col.close()
    assert ankicollection.sync_file(phone, server) == "normal"
    assert ankicollection.sync_file(desktop, server) == "normal"
    assert _fronts(desktop) == ["one", "three", "two"]
    data = ankicollection.read_server(server)
    assert sorted(note.fields[0] for note in data.notes) == ["one", "three", "two"]


def _unchanged(path: Path) -> bytes:
    return path.read_bytes()


def test_a_wrong_password_is_a_clear_error_and_changes_nothing(sync_server: SyncServer, tmp_path: Path) -> None:
    desktop = _collection(tmp_path / "desktop.anki2", ["one"])
    before = _unchanged(desktop)
    with pytest.raises(ankicollection.SyncFailed) as caught:
        ankicollection.sync_file(desktop, sync_server.server(password="wrong"))
    assert str(caught.value) == (f"sync server {sync_server.url}: the user name or password was refused (logging "
                                 "in); check --user and the password (asked for, or from the environment variable "
                                 "given)")
    assert _unchanged(desktop) == before
    with pytest.raises(ankicollection.EmptyDeck):  # nothing reached the server
        ankicollection.read_server(sync_server.server())


def test_a_server_that_is_down_is_a_clear_error(sync_server: SyncServer, tmp_path: Path) -> None:
    desktop = _collection(tmp_path / "desktop.anki2", ["one"])
    sync_server.stop()
    with pytest.raises(ankicollection.SyncFailed) as caught:
        ankicollection.sync_file(desktop, sync_server.server())
    assert str(caught.value).startswith(f"sync server {sync_server.url}: cannot reach it (logging in: ")
    assert str(caught.value).endswith("is the server running and the URL right?")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on loopback that accepts connections and never answers (an overloaded or hung server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def test_a_server_that_never_answers_times_out(silent_server: str, tmp_path: Path) -> None:
    desktop = _collection(tmp_path / "desktop.anki2", ["one"])
    before = _unchanged(desktop)
    started = time.monotonic()
    with pytest.raises(ankicollection.SyncFailed) as caught:
        ankicollection.sync_file(desktop, ankicollection.Server(silent_server, "learner", "pw", timeout=2))
    assert 1.5 < time.monotonic() - started < 10
    assert str(caught.value) == (f"sync server {silent_server}: no answer within 2 s (logging in); is the server "
                                 "overloaded? try again, or give a longer --timeout")
    assert _unchanged(desktop) == before
