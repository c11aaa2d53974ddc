"""Fixes made in Anki come back (issue 22): a real collection ("the phone") holds a built deck, reviews it,
fixes a typo in one note and tags another ``marked``; ``rcc-cards pull`` (from an exported .apkg and from the
collection file) proposes the fix beside the deck, ``check`` lists it, ``accept`` writes exactly that value,
and the next build reaches the phone without undoing anything of its own."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from anki.decks import DeckId

from conftest import NO_COVERAGE, import_apkg, notes_by_card_id, run, study_fix_and_mark, write_deck

CARDS = """\
      - id: one
        q: What does question one have?
        a: anser one   # a typo, fixed in Anki
        quote: Question one has answer one.
      - id: two
        cloze: A cloze with {{c1::two}} deletions.
        quote: A cloze with two deletions.
"""
Scheduling = list[Any]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose deck was built a while ago (so a fix made in Anki now is newer than its build)."""
    folder = tmp_path / "project"
    write_deck(folder / "decks", CARDS, deck_lines=NO_COVERAGE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) - 1000))
    built = run(["build"], cwd=folder)
    assert built.exit_code == 0, built.output
    return folder


def _phone(project: Path, folder: Path, fix: str = "answer one") -> Path:
    """A collection that imported the build, answered both cards, fixed note 'one' and marked note 'two'."""
    path = folder / "phone.anki2"
    col = Collection(str(path))
    import_apkg(col, project / "build" / "t.apkg")
    col.close()
    study_fix_and_mark(path, fix)
    return path


def _export(collection: Path, out: Path) -> Path:
    col = Collection(str(collection))
    try:
        deck = col.decks.id("Test deck")
        assert deck
        col.export_anki_package(out_path=str(out), limit=DeckIdLimit(DeckId(deck)),
                                options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False,
                                                                 with_media=True, legacy=False))
    finally:
        col.close()
    return out


def _export_collection(collection: Path, out: Path) -> Path:
    col = Collection(str(collection))
    try:
        col.export_collection_package(str(out), include_media=True, legacy=False)
    finally:
        col.close()
    return out


def _scheduling(path: Path) -> tuple[Scheduling, Scheduling]:
    col = Collection(str(path))
    try:
        assert col.db is not None
        return (col.db.all("select id, ivl, due, reps, queue from cards order by id"),
                col.db.all("select id, cid, ease from revlog order by id"))
    finally:
        col.close()


def _diff(before: str, after: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]


@pytest.mark.parametrize("fmt", ["apkg", "colpkg", "collection"])
def test_a_fix_made_in_anki_comes_back_and_reaches_the_phone(project: Path, tmp_path: Path, fmt: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first.apkg"
    first.write_bytes((project / "build" / "t.apkg").read_bytes())
    phone = _phone(project, tmp_path)
    source = {"apkg": lambda: _export(phone, tmp_path / "phone.apkg"),
              "colpkg": lambda: _export_collection(phone, tmp_path / "phone.colpkg"),
              "collection": lambda: phone}[fmt]()
    deck_file = project / "decks" / "t.yaml"
    before = deck_file.read_text(encoding="utf-8")

    pulled = run(["pull", str(source)], cwd=project)
    assert pulled.exit_code == 0, pulled.output
    assert pulled.stdout.splitlines() == [
        f"read 2 notes from {source}",
        "t: 1 proposal written to decks/t.proposals.json (review, then: rcc-cards accept decks/t.proposals.json)",
        '  one (a): "anser one" -> "answer one"',
        "t: tags added in Anki on two: marked (kept by 'rcc-cards push'; a package import replaces them)",
    ]
    entry = json.loads((project / "decks" / "t.proposals.json").read_text(encoding="utf-8"))["proposals"][0]
    assert {k: entry[k] for k in ("card", "key", "deck", "anki")} == {
        "card": "one", "key": "a", "deck": "anser one", "anki": "answer one"}
    checked = run(["check"], cwd=project)
    assert checked.exit_code == 0, checked.output
    assert "decks/t.proposals.json:8:1: warning: proposal from Anki for card 'one' (a): \"anser one\" -> " \
           "\"answer one\"; 'rcc-cards accept decks/t.proposals.json' writes it into the deck, or delete its entry" \
           in checked.stderr
    assert run(["check", "--strict"], cwd=project).exit_code == 1

    accepted = run(["accept", "decks/t.proposals.json"], cwd=project)
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.splitlines() == [
        "accepted one (a)",
        "wrote decks/t.yaml: 1 value(s) changed; decks/t.proposals.json deleted",
        "next: rcc-cards build (or push): it updates those notes for every learner (those who made the fix get the "
        "same text)"]
    assert _diff(before, deck_file.read_text(encoding="utf-8")) == [
        ("        a: anser one   # a typo, fixed in Anki", "        a: answer one   # a typo, fixed in Anki")]
    assert not (project / "decks" / "t.proposals.json").exists()

    desktop = Collection(str(tmp_path / "desktop.anki2"))
    try:  # a learner who did not make the fix, and marked that note after the phone fixed it
        import_apkg(desktop, first)
        note = notes_by_card_id(desktop)["one"]
        note.tags.append("marked")
        desktop.update_note(note)
    finally:
        desktop.close()
    scheduling = _scheduling(phone)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) + 1))  # the author's build, after all that
    built = run(["build"], cwd=project)
    assert built.exit_code == 0, built.output
    assert "  changed  one" in built.stdout.splitlines()
    col = Collection(str(phone))
    try:  # the phone that made the fix gets the same text back: nothing to see, every review kept
        log = import_apkg(col, project / "build" / "t.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        assert notes_by_card_id(col)["one"]["Back"] == "answer one"
    finally:
        col.close()
    assert _scheduling(phone) == scheduling
    desktop = Collection(str(tmp_path / "desktop.anki2"))
    try:  # the other learner gets the fix, though their note changed after it was made
        log = import_apkg(desktop, project / "build" / "t.apkg")
        assert (len(log.new), len(log.updated)) == (0, 1)
        assert notes_by_card_id(desktop)["one"]["Back"] == "answer one"
    finally:
        desktop.close()
    again = run(["pull", str(phone)], cwd=project)
    assert again.exit_code == 0, again.output
    assert "t: 2 notes, nothing to propose" in again.stdout.splitlines()


def test_a_fix_that_breaks_grounding_is_reported_and_not_accepted(project: Path, tmp_path: Path) -> None:
    phone = _phone(project, tmp_path, fix="answer 2")  # a number the quote does not have
    pulled = run(["pull", str(phone)], cwd=project)
    assert pulled.exit_code == 0, pulled.output
    broken = [line for line in pulled.stdout.splitlines() if "breaks a rule" in line]
    assert len(broken) == 1 and broken[0].startswith("  proposal for one (a) breaks a rule: ")
    assert "'2'" in broken[0] and "[number-not-in-quote]" in broken[0], broken[0]
    checked = run(["check"], cwd=project)
    assert "decks/t.proposals.json:8:1: warning: proposal for card 'one' (a) would bring: " in checked.stderr
    deck = (project / "decks" / "t.yaml").read_bytes()
    refused = run(["accept", "decks/t.proposals.json"], cwd=project)
    assert refused.exit_code == 1
    assert refused.stderr.startswith("rcc-cards: error: decks/t.proposals.json: the proposal for card 'one' (a) "
                                     "breaks a rule: ")
    assert (project / "decks" / "t.yaml").read_bytes() == deck
    assert (project / "decks" / "t.proposals.json").exists()


def test_accept_refuses_a_deck_file_changed_since_the_pull(project: Path, tmp_path: Path) -> None:
    phone = _phone(project, tmp_path)
    assert run(["pull", str(phone)], cwd=project).exit_code == 0
    deck_file = project / "decks" / "t.yaml"
    deck_file.write_text(deck_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = deck_file.read_bytes()
    lock = (project / "decks" / "t.lock.json").read_bytes()
    refused = run(["accept", "decks/t.proposals.json"], cwd=project)
    assert refused.exit_code == 1
    assert refused.stderr == ("rcc-cards: error: decks/t.yaml changed since 'rcc-cards pull' wrote "
                              "decks/t.proposals.json; nothing was written. Pull again (the proposals are then made "
                              "against the deck as it is now)\n")
    assert deck_file.read_bytes() == changed
    assert (project / "decks" / "t.lock.json").read_bytes() == lock


def test_pull_refuses_to_replace_proposals_not_yet_reviewed(project: Path, tmp_path: Path) -> None:
    phone = _phone(project, tmp_path)
    assert run(["pull", str(phone)], cwd=project).exit_code == 0
    again = run(["pull", str(phone)], cwd=project)
    assert again.exit_code == 1
    assert again.stderr == ("rcc-cards: error: decks/t.proposals.json is still there: accept its proposals "
                            "('rcc-cards accept decks/t.proposals.json') or delete it, then pull again; nothing was "
                            "written\n")


def test_deleted_and_suspended_notes_are_reported_not_applied(project: Path, tmp_path: Path) -> None:
    phone = tmp_path / "phone.anki2"
    col = Collection(str(phone))
    try:
        import_apkg(col, project / "build" / "t.apkg")
        notes = notes_by_card_id(col)
        col.sched.suspend_cards(notes["one"].card_ids())
        col.remove_notes([notes["two"].id])
    finally:
        col.close()
    deck = (project / "decks" / "t.yaml").read_bytes()
    pulled = run(["pull", str(phone)], cwd=project)
    assert pulled.exit_code == 0, pulled.output
    assert pulled.stdout.splitlines() == [
        f"read 1 notes from {phone}",
        "t: 1 notes, nothing to propose",
        f"t: 1 note(s) not in {phone} (deleted in Anki, or not exported with it): two; nothing done",
        "t: suspended in Anki: one; nothing done"]
    assert (project / "decks" / "t.yaml").read_bytes() == deck
    assert not (project / "decks" / "t.proposals.json").exists()


def test_a_fix_that_drops_a_hedge_is_reported_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "hedged"
    write_deck(folder / "decks", """\
      - id: helps
        q: What does the drug do?
        a: It appears to help.
        quote: The drug appears to help.
""", deck_lines=NO_COVERAGE)
    (folder / "decks" / "source.txt").write_text("# A test source.\nThe drug appears to help.\n", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) - 1000))
    assert run(["build"], cwd=folder).exit_code == 0
    phone = tmp_path / "phone.anki2"
    col = Collection(str(phone))
    try:
        import_apkg(col, folder / "build" / "t.apkg")
        note = notes_by_card_id(col)["helps"]
        note["Back"] = "It helps."  # "appears" dropped
        col.update_note(note)
    finally:
        col.close()
    pulled = run(["pull", str(phone)], cwd=folder)
    assert pulled.exit_code == 0, pulled.output
    broken = [line for line in pulled.stdout.splitlines() if "breaks a rule" in line]
    assert len(broken) == 1 and broken[0].endswith("[hedge-dropped]"), broken
    assert "'appears'" in broken[0]


@pytest.mark.parametrize(("args", "message"), [
    (["pull"], "give one SOURCE file (.apkg, .colpkg, collection) or --server URL, not both"),
    (["pull", "x.apkg", "--server", "http://127.0.0.1:9/", "--user", "u"], "not both"),
    (["pull", "--server", "http://127.0.0.1:9/"], "--server needs --user NAME"),
    (["pull", "--server", "127.0.0.1:9", "--user", "u"], "expected a URL such as http://127.0.0.1:8080/"),
    (["push"], "give --collection PATH or --server URL (with --user), one of them"),
    (["push", "--user", "u"], "--user needs --server"),
])
def test_usage_errors_are_exit_2(project: Path, args: list[str], message: str) -> None:
    result = run(args, cwd=project)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_pull_without_the_lock_file_is_refused(project: Path, tmp_path: Path) -> None:
    """Without its lock file a pull cannot tell which notes changed in Anki since the build: it says so
    (exit 1) instead of reporting nothing to propose."""
    phone = _phone(project, tmp_path)
    (project / "decks" / "t.lock.json").unlink()
    pulled = run(["pull", str(phone)], cwd=project)
    assert pulled.exit_code == 1 and not (project / "decks" / "t.proposals.json").exists()
    assert "decks/t.lock.json is missing: a pull compares the notes in Anki with the build the lock file records" \
        in pulled.stderr


def test_accept_given_a_file_that_is_not_a_proposals_file_says_what_to_give(project: Path) -> None:
    deck = project / "decks" / "t.yaml"
    before = deck.read_bytes()
    result = run(["accept", "decks/t.yaml"], cwd=project)
    assert result.exit_code == 1 and deck.read_bytes() == before
    assert "decks/t.yaml: expected a proposals file, KEY.proposals.json beside a deck" in result.stderr
    assert "delete" not in result.stderr
    damaged = project / "decks" / "t.proposals.json"
    damaged.write_text("{not json", encoding="utf-8")
    result = run(["accept", "decks/t.proposals.json"], cwd=project)
    assert result.exit_code == 1 and "(not JSON)" in result.stderr and "the deck file is not touched" in result.stderr
