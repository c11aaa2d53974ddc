"""A deck's ``personal_field`` (issue 22): one field of every note that is the learner's own. The package
writes it empty; the back shows it, labelled as the learner's and not from the source, only when filled;
``rcc-cards push`` keeps what learners wrote there when it updates a note, where a package import empties
it (measured here, and said by ``build``). Real collections throughout."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection

from conftest import NO_COVERAGE, import_apkg, notes_by_card_id, run, write_deck
from rcc_cards.templates import PERSONAL_LABEL

CARDS = """\
      - id: c1
        q: Which question?
        a: Answer one
        quote: Question one has answer one.
      - id: c2
        cloze: "A {{c1::cloze}} with two deletions."
        quote: A cloze with two deletions.
"""
PERSONAL = NO_COVERAGE + "  personal_field: My notes\n"


def _studied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A project with a personal-field deck, built (stamped 100 s ago); a collection that imported it,
    studied it, and wrote a note of its own on both notes (90 s ago, after the build)."""
    project = tmp_path / "project"
    write_deck(project / "decks", CARDS, deck_lines=PERSONAL)
    built_at = int(time.time()) - 100
    with monkeypatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", str(built_at))
        assert run(["build"], cwd=project).exit_code == 0
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    try:
        import_apkg(col, project / "build" / "t.apkg")
        deck_id = col.decks.id("Test deck")
        assert deck_id
        col.decks.select(deck_id)
        for _ in range(3):
            card = col.sched.getCard()
            assert card is not None
            col.sched.answerCard(card, 3)
        for card_id, note in notes_by_card_id(col).items():
            assert note["My notes"] == ""
            assert PERSONAL_LABEL not in note.cards()[0].answer()  # shown only when filled
            note["My notes"] = f"my mnemonic for {card_id}"
            col.update_note(note)
        shown = notes_by_card_id(col)["c1"].cards()[0].answer()
        assert "my mnemonic for c1" in shown and PERSONAL_LABEL in shown and "My notes" in shown
        assert col.db is not None
        col.db.execute("update notes set mod = ?", built_at + 10)
    finally:
        col.close()
    deck = project / "decks" / "t.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("a: Answer one", "a: Answer one, revised"),
                    encoding="utf-8")
    return project, path


def _state(path: Path) -> tuple[dict[str, str], dict[str, str], list[Any], int]:
    col = Collection(str(path))
    try:
        notes = notes_by_card_id(col)
        assert col.db is not None
        return ({k: n["My notes"] for k, n in notes.items()}, {k: n["Back"] if "Back" in n else n["Text"]
                                                                for k, n in notes.items()},
                col.db.all("select id, ivl, due, reps, queue from cards order by id"),
                int(col.db.scalar("select count() from revlog")))
    finally:
        col.close()


def test_push_keeps_what_learners_wrote_in_the_personal_field_and_a_package_import_empties_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, collection = _studied(tmp_path, monkeypatch)
    _, _, scheduling, reviews = _state(collection)
    built = run(["build"], cwd=project)
    assert built.exit_code == 0, built.output
    assert ("  a package import also empties the field 'My notes' (the learner's own) of that note; "
            "'rcc-cards push' keeps it") in built.stdout.splitlines()
    imported = tmp_path / "imported.anki2"
    shutil.copyfile(collection, imported)
    col = Collection(str(imported))
    try:
        log = import_apkg(col, project / "build" / "t.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
    finally:
        col.close()
    mine, backs, after, count = _state(imported)
    assert mine == {"c1": "", "c2": "my mnemonic for c2"}  # the package import emptied the updated note's
    assert backs["c1"] == "Answer one, revised" and (after, count) == (scheduling, reviews)

    pushed = run(["push", "--collection", str(collection)], cwd=project)
    assert pushed.exit_code == 0, pushed.output
    mine, backs, after, count = _state(collection)
    assert mine == {"c1": "my mnemonic for c1", "c2": "my mnemonic for c2"}  # push kept both
    assert backs["c1"] == "Answer one, revised" and (after, count) == (scheduling, reviews)


@pytest.mark.parametrize("value,message", [
    ("Back", "'personal_field: Back' is the name of a field rcc-cards fills ('Back')"),
    ("cardid", "'personal_field: cardid' is the name of a field rcc-cards fills ('CardId')"),
    ("My {{notes}}", "a field name of letters, digits, spaces, '-' and '_', e.g. My notes"),
])
def test_a_personal_field_that_cannot_be_one_is_an_error(tmp_path: Path, value: str, message: str) -> None:
    deck = write_deck(tmp_path / "decks", CARDS, deck_lines=NO_COVERAGE + f"  personal_field: '{value}'\n")
    result = run(["check", str(deck)])
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_adding_a_personal_field_to_a_studied_deck_is_refused(tmp_path: Path) -> None:
    """Its notes would change note type under the same ids, which Anki reports as conflicting: the build
    refuses, as for any note-type change (a deck declares it before learners study it)."""
    deck = write_deck(tmp_path / "decks", CARDS, deck_lines=NO_COVERAGE)
    assert run(["build"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text(encoding="utf-8").replace("  rules:", "  personal_field: My notes\n  rules:"),
                    encoding="utf-8")
    result = run(["build"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "card 'c1' was a 'rcc-cards Q/A' note and is now 'rcc-cards Q/A + My notes' under the same id" in \
        result.stderr


def test_a_note_touched_in_anki_after_the_build_is_reported_and_updated_when_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A learner who writes a personal note (or adds a tag) after a build and before it reaches them makes
    their note newer than the package's: Anki's importer keeps it as it is. push says so, naming the card,
    and --update-touched updates it, the personal note kept."""
    project, collection = _studied(tmp_path, monkeypatch)
    now = int(time.time())
    with monkeypatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", str(now - 50))
        assert run(["build"], cwd=project).exit_code == 0  # c1 changed: stamped 50 s ago
    col = Collection(str(collection))
    try:
        note = notes_by_card_id(col)["c1"]
        note["My notes"] = "written after the build"
        col.update_note(note)
        assert col.db is not None
        col.db.execute("update notes set mod = ? where id = ?", now - 40, note.id)
    finally:
        col.close()
    kept = run(["push", "--collection", str(collection)], cwd=project)
    assert kept.exit_code == 0, kept.output
    assert ("  1 note(s) differ from this build but were changed in Anki after it (a tag, a note or an edit "
            "there), so Anki kept them as they are: c1") in kept.stdout.splitlines()
    mine, backs, _, _ = _state(collection)
    assert backs["c1"] == "Answer one"
    forced = run(["push", "--collection", str(collection), "--update-touched"], cwd=project)
    assert forced.exit_code == 0, forced.output
    assert "  1 of the updated notes had been changed in Anki after the build (updated as asked by " \
           "--update-touched)" in forced.stdout.splitlines()
    mine, backs, _, _ = _state(collection)
    assert backs["c1"] == "Answer one, revised" and mine["c1"] == "written after the build"
    again = run(["push", "--collection", str(collection)], cwd=project)
    assert "differ from this build" not in again.stdout
