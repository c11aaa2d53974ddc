"""A deck's identity and its lock file: kept through every move, refused only for a real key change, and
stamps that always move forward (docs/updates.md, "How updates reach learners"). Each scenario builds, imports into a
real Anki collection, changes something, rebuilds and re-imports."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import import_apkg, notes_by_card_id, run, write_deck

CARDS = "".join(f"      - id: c{i}\n        q: Question {i} about the source?\n        a: Answer {i}\n"
                for i in range(1, 11))


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("start,end,lock_moves,lock_after", [
    ("decks", "decks/sub", False, "decks/t.lock.json"),  # into a subfolder: the lock above is used in place
    ("decks", "decks/sub", True, "decks/sub/t.lock.json"),
    ("decks/a", "decks/b", False, "decks/b/t.lock.json"),  # to a sibling folder: the lock follows the deck
    ("decks/sub", "decks", False, "decks/t.lock.json"),  # out of a subfolder
], ids=["into-subfolder", "into-subfolder-with-lock", "to-sibling", "out-of-subfolder"])
def test_a_moved_deck_keeps_its_stamps_and_learners_get_no_change(
        tmp_path: Path, col: Collection, start: str, end: str, lock_moves: bool, lock_after: str) -> None:
    write_deck(tmp_path / start, CARDS)
    first = run(["build"], cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    assert len(import_apkg(col, tmp_path / "build" / "t.apkg").new) == 10
    lock_before = f"{start}/t.lock.json"
    lock_text = (tmp_path / lock_before).read_bytes()
    (tmp_path / end).mkdir(exist_ok=True)
    for name in ("t.yaml", "source.txt", *(["t.lock.json"] if lock_moves else [])):
        shutil.move(tmp_path / start / name, tmp_path / end / name)
    rebuilt = run(["build"], cwd=tmp_path)
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert f"t: no changes since {lock_after}\n" in rebuilt.stdout
    if lock_after != lock_before and not lock_moves:  # written beside the moved deck; the old one is named
        assert (f"  the lock file is now {lock_after} (beside the deck, which was moved; it was {lock_before}): "
                f"commit {lock_after} and delete {lock_before}\n") in rebuilt.stdout
    assert (tmp_path / lock_after).read_bytes() == lock_text
    log = import_apkg(col, tmp_path / "build" / "t.apkg")
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, 10)
    if lock_after != lock_before and not lock_moves:
        (tmp_path / lock_before).unlink()  # as the build said: the one beside the deck is the lock now
    again = run(["build", "--locked", "--force"], cwd=tmp_path)
    assert again.exit_code == 0 and f"t: no changes since {lock_after}\n" in again.stdout, again.stderr


@pytest.mark.parametrize("filename", ["t.yaml", "notes.yaml"])
def test_a_key_change_is_refused_by_check_and_build_however_many_cards_the_edit_removes(
        tmp_path: Path, filename: str) -> None:
    deck = write_deck(tmp_path, CARDS, filename=filename)
    assert run(["build", filename, "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    text = deck.read_text(encoding="utf-8")
    kept = text[:text.index("      - id: c3\n")]  # keep c1 and c2, remove the other eight
    deck.write_text(kept.replace("key: t\n", "key: renamed\n", 1), encoding="utf-8")
    before = _tree(tmp_path)
    message = (f"{filename}:2:8: error: deck key 'renamed' has no lock file, but t.lock.json records deck 't' with "
               "2 of this deck's card ids: was the key changed? The key is part of every note's identity, so "
               "learners would get every card a second time. Restore key: t; if this really is a new deck, delete "
               "t.lock.json [deck-key-changed]")
    checked = run(["check", filename], cwd=tmp_path)
    assert (checked.exit_code, _errors(checked.stderr)) == (1, [message])
    built = run(["build", filename, "-o", "v2.apkg"], cwd=tmp_path)
    assert (built.exit_code, _errors(built.stderr)) == (1, [message])
    assert built.stderr.endswith(" in 2 files; nothing was written\n")  # the deck, and its source's warnings
    assert _tree(tmp_path) == before


def test_a_new_deck_sharing_one_id_with_an_old_lock_is_not_a_key_change(tmp_path: Path) -> None:
    """Only a real change is refused: a lock of another (removed) deck that shares one id out of ten with
    a new deck does not make the new deck a renamed one."""
    write_deck(tmp_path, CARDS, key="old", filename="old.yaml")
    assert run(["build", "old.yaml", "-o", "old.apkg"], cwd=tmp_path).exit_code == 0
    (tmp_path / "old.yaml").unlink()
    other = CARDS.replace("id: c", "id: n").replace("id: n1\n", "id: c1\n").replace("Question", "Other question")
    write_deck(tmp_path, other, key="fresh", filename="fresh.yaml")
    checked = run(["check", "fresh.yaml"], cwd=tmp_path)
    assert (checked.exit_code, _errors(checked.stderr)) == (0, [])
    built = run(["build", "fresh.yaml", "-o", "fresh.apkg"], cwd=tmp_path)
    assert built.exit_code == 0, built.stderr
    assert "fresh: first build; every card is new to fresh.lock.json" in built.stdout


def test_a_source_date_epoch_older_than_the_lock_still_moves_stamps_forward(
        tmp_path: Path, col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = write_deck(tmp_path, CARDS)
    epoch = int(time.time()) - 1000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    assert run(["build", "t.yaml", "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "v1.apkg")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch - 30 * 24 * 3600))  # a month before the lock's stamps
    deck.write_text(deck.read_text(encoding="utf-8").replace("Answer 2\n", "A corrected answer 2\n"),
                    encoding="utf-8")
    result = run(["build", "t.yaml", "-o", "v2.apkg"], cwd=tmp_path)
    assert (result.exit_code, _errors(result.stderr)) == (0, [])
    assert "lock file" not in result.stderr
    assert "t: 0 added, 1 changed, 0 removed since t.lock.json\n  changed  c2\n" in result.stdout
    cards = json.loads((tmp_path / "t.lock.json").read_text(encoding="utf-8"))["cards"]
    assert {k: v["changed"] for k, v in cards.items()} == {f"c{i}": epoch + (i == 2) for i in range(1, 11)}
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert notes_by_card_id(col)["c2"]["Back"] == "A corrected answer 2"
