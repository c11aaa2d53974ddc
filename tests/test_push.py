"""``rcc-cards push`` (issue 22) with the real backend: into a collection file, and through Anki's own sync
server run on loopback, with two collections, "phone" and "desktop", holding a built deck."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import (
    NO_COVERAGE,
    SYNC_PASSWORD,
    SYNC_USER,
    SyncServer,
    import_apkg,
    notes_by_card_id,
    run,
    study_fix_and_mark,
    write_deck,
)
from rcc_cards import ankicollection
from test_pull import CARDS, _diff, _scheduling

EDITED_TWO = ("        cloze: A cloze with {{c1::two}} deletions.",
              "        cloze: A cloze with {{c1::two deletions}}.")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "project"
    write_deck(folder / "decks", CARDS, deck_lines=NO_COVERAGE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) - 1000))
    monkeypatch.setenv("RCC_CARDS_SYNC_PASSWORD", SYNC_PASSWORD)
    assert run(["build"], cwd=folder).exit_code == 0
    return folder


def _edit_two(project: Path) -> None:
    deck = project / "decks" / "t.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace(*EDITED_TWO), encoding="utf-8")


def _server_args(sync_server: SyncServer) -> list[str]:
    return ["--server", sync_server.url, "--user", SYNC_USER, "--timeout", "10"]


def test_the_whole_loop_through_the_sync_server(project: Path, tmp_path: Path, sync_server: SyncServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    server = sync_server.server()
    desktop, phone = tmp_path / "desktop.anki2", tmp_path / "phone.anki2"
    col = Collection(str(desktop))
    import_apkg(col, project / "build" / "t.apkg")
    col.close()
    Collection(str(phone)).close()  # a new, empty profile
    assert ankicollection.sync_file(desktop, server) == "full upload"
    assert ankicollection.sync_file(phone, server) == "full download"
    study_fix_and_mark(phone)
    assert ankicollection.sync_file(phone, server) == "normal"

    pulled = run(["pull", *_server_args(sync_server)], cwd=project)
    assert pulled.exit_code == 0, pulled.output
    assert pulled.stdout.splitlines()[1:] == [
        "t: 1 proposal written to decks/t.proposals.json (review, then: rcc-cards accept decks/t.proposals.json)",
        '  one (a): "anser one" -> "answer one"',
        "t: tags added in Anki on two: marked (kept by 'rcc-cards push'; a package import replaces them)",
    ]
    before = (project / "decks" / "t.yaml").read_text(encoding="utf-8")
    assert run(["accept", "decks/t.proposals.json"], cwd=project).exit_code == 0
    assert _diff(before, (project / "decks" / "t.yaml").read_text(encoding="utf-8")) == [
        ("        a: anser one   # a typo, fixed in Anki", "        a: answer one   # a typo, fixed in Anki")]
    _edit_two(project)  # and the author's own change, to a note the phone marked
    scheduling = _scheduling(phone)
    # the build after the phone's changes (a second later than the clock may say: Anki wants strictly newer)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 1))

    pushed = run(["push", *_server_args(sync_server)], cwd=project)
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stdout.splitlines()[-1] == (
        f"pushed build/t.apkg to sync server {sync_server.url}: 0 new, 2 updated (1 keeping tags added in Anki), "
        "0 unchanged, 0 conflicting; 0 removed card(s) tagged rcc-cards::retired")

    assert ankicollection.sync_file(phone, server) == "normal"
    col = Collection(str(phone))
    try:
        notes = notes_by_card_id(col)
        assert notes["one"]["Back"] == "answer one"
        assert notes["two"]["Text"] == "A cloze with {{c1::two deletions}}."
        assert "marked" in notes["two"].tags
    finally:
        col.close()
    assert _scheduling(phone) == scheduling  # every card's scheduling and every review
    assert ankicollection.sync_file(desktop, server) == "normal"
    col = Collection(str(desktop))
    try:
        notes = notes_by_card_id(col)
        assert (notes["one"]["Back"], notes["two"]["Text"]) == ("answer one", "A cloze with {{c1::two deletions}}.")
    finally:
        col.close()
    again = run(["pull", *_server_args(sync_server)], cwd=project)
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[1:] == [
        "t: 2 notes, nothing to propose",
        "t: tags added in Anki on two: marked (kept by 'rcc-cards push'; a package import replaces them)"]


def _phone_file(project: Path, tmp_path: Path) -> Path:
    phone = tmp_path / "phone.anki2"
    col = Collection(str(phone))
    import_apkg(col, project / "build" / "t.apkg")
    col.close()
    study_fix_and_mark(phone)
    return phone


HOLD = """\
import sys, time
from anki.collection import Collection
col = Collection(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_push_into_a_collection_file_keeps_tags_and_retires_removed_cards(project: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    phone = _phone_file(project, tmp_path)
    deck = project / "decks" / "t.yaml"
    text = deck.read_text(encoding="utf-8").replace(*EDITED_TWO)
    deck.write_text(text[:text.index("      - id: one")] + text[text.index("      - id: two"):], encoding="utf-8")
    scheduling = _scheduling(phone)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 1))
    pushed = run(["push", "--collection", str(phone)], cwd=project)
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stdout.splitlines() == [
        "t: 0 added, 1 changed, 1 removed since decks/t.lock.json",
        "  changed  two",
        "  removed  one",
        "  removed cards stay in learners' collections (an import never deletes); find them in Anki with: "
        '"tag:t" ("CardId:re:(?-i)^one$")',
        "  1 changed note: a package import replaces the tags learners added to it in Anki (marked, leech, their "
        "own); 'rcc-cards push' keeps them",
        "wrote decks/t.lock.json",
        f"pushed build/t.apkg to {phone}: 0 new, 1 updated (1 keeping tags added in Anki), 0 unchanged, "
        "0 conflicting; 1 removed card(s) tagged rcc-cards::retired"]
    col = Collection(str(phone))
    try:
        notes = notes_by_card_id(col)
        assert notes["two"]["Text"] == "A cloze with {{c1::two deletions}}."
        assert sorted(notes["two"].tags) == ["marked", "t::s"]
        assert sorted(notes["one"].tags) == ["rcc-cards::retired", "t::s"]  # still there, reviews and all
    finally:
        col.close()
    assert _scheduling(phone)[1] == scheduling[1]  # every review
    assert [row[1:] for row in _scheduling(phone)[0]] == [row[1:] for row in scheduling[0]]


def test_push_refuses_a_collection_anki_has_open(project: Path, tmp_path: Path) -> None:
    phone = _phone_file(project, tmp_path)
    before = phone.read_bytes()
    lock = (project / "decks" / "t.lock.json").read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(phone)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        refused = run(["push", "--collection", str(phone)], cwd=project)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert refused.exit_code == 1
    assert refused.stderr == (f"rcc-cards: error: {phone}: Anki has this collection open (or is syncing its media); "
                              "close Anki (or switch to another profile), then run the command again\n")
    assert phone.read_bytes() == before
    assert (project / "decks" / "t.lock.json").read_bytes() == lock  # nothing built either


def test_a_push_to_an_empty_account_uploads_the_first_collection(project: Path, tmp_path: Path,
                                                                 sync_server: SyncServer) -> None:
    pushed = run(["push", *_server_args(sync_server)], cwd=project)
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stdout.splitlines()[-1].startswith(f"pushed build/t.apkg to sync server {sync_server.url}: 2 new")
    phone = tmp_path / "phone.anki2"
    Collection(str(phone)).close()
    assert ankicollection.sync_file(phone, sync_server.server()) == "full download"
    col = Collection(str(phone))
    try:
        assert sorted(notes_by_card_id(col)) == ["one", "two"]
    finally:
        col.close()


def test_a_card_that_comes_back_loses_its_retired_tag(project: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    phone = _phone_file(project, tmp_path)
    deck = project / "decks" / "t.yaml"
    text = deck.read_text(encoding="utf-8")
    deck.write_text(text[:text.index("      - id: one")] + text[text.index("      - id: two"):], encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 1))
    assert run(["push", "--collection", str(phone)], cwd=project).exit_code == 0
    deck.write_text(text, encoding="utf-8")  # the card is back
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 2))
    pushed = run(["push", "--collection", str(phone)], cwd=project)
    assert pushed.exit_code == 0, pushed.output
    assert pushed.stdout.splitlines()[-1].endswith(": 0 new, 1 updated (0 keeping tags added in Anki), 1 unchanged, "
                                                   "0 conflicting; 0 removed card(s) tagged rcc-cards::retired")
    col = Collection(str(phone))
    try:
        assert notes_by_card_id(col)["one"].tags == ["t::s"]
    finally:
        col.close()


def test_a_push_to_a_server_sends_the_media_files(tmp_path: Path, sync_server: SyncServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "pictured"
    write_deck(folder / "decks", CARDS.replace("        quote: Question one has answer one.\n",
                                               "        quote: Question one has answer one.\n"
                                               "        image: pic.png\n"), deck_lines=NO_COVERAGE)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    (folder / "decks" / "pic.png").write_bytes(png)
    monkeypatch.setenv("RCC_CARDS_SYNC_PASSWORD", SYNC_PASSWORD)
    pushed = run(["push", *_server_args(sync_server)], cwd=folder)
    assert pushed.exit_code == 0, pushed.output
    phone = tmp_path / "phone.anki2"
    Collection(str(phone)).close()
    assert ankicollection.sync_file(phone, sync_server.server()) == "full download"
    col = Collection(str(phone))
    try:
        media = Path(col.media.dir())
        names = [p.name for p in media.iterdir()]
        assert len(names) == 1 and names[0].startswith("pic_") and (media / names[0]).read_bytes() == png
        assert names[0] in notes_by_card_id(col)["one"]["Media"]
    finally:
        col.close()


def test_a_deck_with_errors_pushes_nothing(project: Path, tmp_path: Path) -> None:
    phone = _phone_file(project, tmp_path)
    before = phone.read_bytes()
    deck = project / "decks" / "t.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("a: anser one", "a: anser 7"), encoding="utf-8")
    result = run(["push", "--collection", str(phone)], cwd=project)
    assert result.exit_code == 1
    assert "[number-not-in-quote]" in result.stderr
    assert result.stderr.splitlines()[-1].endswith("; nothing was written")
    assert phone.read_bytes() == before
