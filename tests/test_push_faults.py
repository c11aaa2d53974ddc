"""Faults of ``pull`` and ``push`` with the real sync server (issue 22): a server that is down, a wrong
password, a server that never answers, a push interrupted half-way (the connection dropped, the server
killed), a collection from a newer Anki, and the collection changed on the server while pushing. Each is one
clear message and exit 1, and nothing is lost: not the project's files, not the server's collection."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import (
    SYNC_PASSWORD,
    SYNC_USER,
    SyncServer,
    add_note,
    import_apkg,
    notes_by_card_id,
    run,
    study_fix_and_mark,
)
from rcc_cards import ankicollection, push
from test_push import EDITED_TWO, _edit_two, _server_args
from test_push import project as project  # noqa: F401  # the fixture


def _files(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project)): p.read_bytes() for p in sorted(project.rglob("*")) if p.is_file()}


@pytest.fixture
def shared(project: Path, tmp_path: Path, sync_server: SyncServer) -> Path:
    """The built deck on the server (uploaded by a desktop), and a phone that studied it and synced."""
    desktop, phone = tmp_path / "desktop.anki2", tmp_path / "phone.anki2"
    col = Collection(str(desktop))
    import_apkg(col, project / "build" / "t.apkg")
    col.close()
    Collection(str(phone)).close()
    server = sync_server.server()
    ankicollection.sync_file(desktop, server)
    ankicollection.sync_file(phone, server)
    study_fix_and_mark(phone)
    ankicollection.sync_file(phone, server)
    return phone


def _server_texts(sync_server: SyncServer) -> dict[str, tuple[str, ...]]:
    data = ankicollection.read_server(sync_server.server())
    return {note.fields[-1]: note.fields[:1] + tuple(note.tags) for note in data.notes}


def test_push_to_a_server_that_is_down(project: Path, shared: Path, sync_server: SyncServer,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _edit_two(project)
    files = _files(project)
    sync_server.stop()
    result = run(["push", *_server_args(sync_server)], cwd=project)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"rcc-cards: error: sync server {sync_server.url}: cannot reach it (logging in: ")
    assert _files(project) == files  # nothing built: the server is tried first


def test_a_wrong_password_pushes_nothing(project: Path, shared: Path, sync_server: SyncServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _edit_two(project)
    files, before = _files(project), _server_texts(sync_server)
    monkeypatch.setenv("RCC_CARDS_SYNC_PASSWORD", "not it")
    result = run(["push", *_server_args(sync_server)], cwd=project)
    assert result.exit_code == 1
    assert result.stderr == (f"rcc-cards: error: sync server {sync_server.url}: the user name or password was "
                             "refused (logging in); check --user and the password (asked for, or from the "
                             "environment variable given)\n")
    assert _files(project) == files and _server_texts(sync_server) == before
    pulled = run(["pull", *_server_args(sync_server)], cwd=project)
    assert pulled.exit_code == 1 and "password was refused" in pulled.stderr


def test_the_password_is_asked_for_when_the_variable_is_not_set(project: Path, shared: Path,
                                                                sync_server: SyncServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RCC_CARDS_SYNC_PASSWORD")
    from click.testing import CliRunner

    from rcc_cards.cli import cli

    monkeypatch.chdir(project)
    result = CliRunner().invoke(cli, ["pull", *_server_args(sync_server)], input=SYNC_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "t: 1 proposal written to decks/t.proposals.json" in result.stdout
    assert SYNC_PASSWORD not in result.output  # not echoed


class Proxy:
    """A loopback proxy in front of the sync server that forwards requests until one whose path contains
    ``cut_at``; then it calls ``on_cut`` (drop the connection, or kill the server) and forwards nothing more."""

    def __init__(self, target_port: int, cut_at: str, on_cut: Callable[[], None]) -> None:
        self.target_port, self.cut_at, self.on_cut = target_port, cut_at.encode(), on_cut
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.cut = threading.Event()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                client = self.listener.accept()[0]
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        pump = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        pump.start()
        client.settimeout(10)
        try:
            while not self.cut.is_set():
                data = client.recv(65536)
                if not data:
                    break
                if self.cut_at in data:
                    self.cut.set()
                    self.on_cut()
                    break
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while not self.cut.is_set():
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.threads[0].join(timeout=5)
        self.listener.close()


@pytest.fixture
def proxies() -> Iterator[list[Proxy]]:
    made: list[Proxy] = []
    yield made
    for proxy in made:
        proxy.close()


@pytest.mark.parametrize(("cut_at", "how"), [
    ("/sync/applyChunk", "connection dropped"), ("/sync/sanityCheck2", "connection dropped"),
    ("/sync/finish", "connection dropped"), ("/sync/applyChunk", "server killed"),
    ("/sync/finish", "server killed")])
def test_a_push_interrupted_half_way_leaves_the_server_as_it_was(
        project: Path, shared: Path, sync_server: SyncServer, proxies: list[Proxy], cut_at: str, how: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _edit_two(project)
    before = _server_texts(sync_server)
    on_cut = sync_server.kill if how == "server killed" else (lambda: None)
    proxy = Proxy(sync_server.port, cut_at, on_cut)
    proxies.append(proxy)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 1))
    result = run(["push", "--server", proxy.url, "--user", SYNC_USER, "--timeout", "5"], cwd=project)
    assert proxy.cut.is_set(), f"the push never sent {cut_at}"
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"rcc-cards: error: sync server {proxy.url}: "), result.stderr
    assert result.stderr == (f"rcc-cards: error: sync server {proxy.url}: the connection was lost while sending "
                             "the changes (A network error occurred.); the server keeps the collection it had (it "
                             "applies a sync whole or not at all): push again\n")
    if how == "server killed":
        sync_server.start()
    assert _server_texts(sync_server) == before  # the server kept the collection it had
    phone = ankicollection.sync_file(shared, sync_server.server())  # and the phone syncs as before
    assert phone == "normal"
    again = run(["push", *_server_args(sync_server)], cwd=project)  # the next push delivers it
    assert again.exit_code == 0, again.output
    assert ankicollection.sync_file(shared, sync_server.server()) == "normal"
    col = Collection(str(shared))
    try:
        assert notes_by_card_id(col)["two"]["Text"] == EDITED_TWO[1].split("cloze: ")[1]
    finally:
        col.close()


def test_the_collection_changed_on_the_server_while_pushing_is_merged(
        project: Path, shared: Path, sync_server: SyncServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the push's download and its sync up, the phone syncs a change of its own: both arrive."""
    _edit_two(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 1))
    monkeypatch.chdir(project)
    with ankicollection.server_target(sync_server.server()) as target:
        push.push([], target)
        col = Collection(str(shared))
        notes = notes_by_card_id(col)
        notes["one"].tags.append("phone-tag")
        col.update_note(notes["one"])
        col.close()
        assert ankicollection.sync_file(shared, sync_server.server()) == "normal"
    texts = _server_texts(sync_server)
    assert texts["one"][1:] == ("phone-tag", "t::s")
    assert texts["two"][0] == EDITED_TWO[1].split("cloze: ")[1] and "marked" in texts["two"]


def test_a_collection_replaced_on_the_server_while_pushing_is_not_overwritten(
        project: Path, shared: Path, sync_server: SyncServer, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    _edit_two(project)
    monkeypatch.chdir(project)
    with pytest.raises(ankicollection.SyncFailed) as caught, \
            ankicollection.server_target(sync_server.server()) as target:
        push.push([], target)
        other = tmp_path / "other.anki2"  # another device replaces the server's collection (a full upload)
        col = Collection(str(other))
        add_note(col, "Basic", 1, ["another collection", "back"])
        col.close()
        assert ankicollection.sync_file(other, sync_server.server(), full="upload") == "full upload"
        after_upload = _server_texts(sync_server)
    assert "this push needs a full sync" in str(caught.value)
    assert _server_texts(sync_server) == after_upload  # the phone's upload stands; nothing was overwritten


def test_a_collection_from_a_newer_anki_is_refused(project: Path, tmp_path: Path) -> None:
    path = tmp_path / "newer.anki2"
    col = Collection(str(path))
    col.close()
    with sqlite3.connect(path) as db:
        db.execute("update col set ver = 99")
    db.close()
    before = path.read_bytes()
    result = run(["push", "--collection", str(path)], cwd=project)
    assert result.exit_code == 1
    assert result.stderr == (f"rcc-cards: error: {path}: written by a newer Anki than this backend reads; "
                             "upgrade anki (pip install -U anki)\n")
    assert path.read_bytes() == before


def test_pull_from_a_server_that_never_answers_times_out(project: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    try:
        started = time.monotonic()
        result = run(["pull", "--server", f"http://127.0.0.1:{listener.getsockname()[1]}/", "--user", "u",
                      "--timeout", "2"], cwd=project)
        assert time.monotonic() - started < 15
    finally:
        listener.close()
    assert result.exit_code == 1
    assert "no answer within 2 s (logging in)" in result.stderr
    assert not (project / "decks" / "t.proposals.json").exists()


def test_a_push_whose_process_is_killed_half_way_leaves_the_server_as_it_was(
        project: Path, shared: Path, sync_server: SyncServer, proxies: list[Proxy]) -> None:
    """SIGKILL of the pushing process itself (a closed laptop, a killed job) in the middle of its sync."""
    _edit_two(project)
    before = _server_texts(sync_server)
    started: list[subprocess.Popen[bytes]] = []
    proxy = Proxy(sync_server.port, "/sync/applyChunk", lambda: os.kill(started[0].pid, signal.SIGKILL))
    proxies.append(proxy)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(int(time.time()) + 1)}
    started.append(subprocess.Popen([sys.executable, "-m", "rcc_cards", "push", "--server", proxy.url, "--user",
                                     SYNC_USER, "--timeout", "5"], cwd=project, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    assert started[0].wait(timeout=60) == -signal.SIGKILL
    assert proxy.cut.is_set()
    assert _server_texts(sync_server) == before
    assert ankicollection.sync_file(shared, sync_server.server()) == "normal"
    assert run(["push", *_server_args(sync_server)], cwd=project).exit_code == 0
    assert _server_texts(sync_server)["two"][0] == EDITED_TWO[1].split("cloze: ")[1]
