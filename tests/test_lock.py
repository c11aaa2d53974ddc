"""A deck's identity and its lock file: note GUIDs and content hashes that never drift; the lock kept through
every move and rename, a damaged or stale one a clear problem, refused only for a real key change, and
stamps that always move forward (docs/updates.md, "How updates reach learners"). Each scenario builds, imports into a
real Anki collection, changes something, rebuilds and re-imports."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import REPO, import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import compiler

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


def test_renaming_the_deck_file_keeps_its_lock(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    deck.rename(tmp_path / "renamed.yaml")
    result = run(["build", "renamed.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "t: no changes since t.lock.json" in result.stdout and "first build" not in result.stdout


def test_a_lock_named_after_the_file_is_still_used_and_moved(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS, filename="notes.yaml")
    assert run(["build", "notes.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    (tmp_path / "t.lock.json").rename(tmp_path / "notes.lock.json")  # as rcc-cards named it before
    lock = json.loads((tmp_path / "notes.lock.json").read_text(encoding="utf-8"))
    result = run(["build", "notes.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "first build" not in result.stdout
    assert "the lock file is now t.lock.json (named after the deck key; it was notes.lock.json)" in result.stdout
    assert json.loads((tmp_path / "t.lock.json").read_text(encoding="utf-8"))["cards"] == lock["cards"]
    assert deck.exists()


@pytest.mark.parametrize("damage", [
    lambda d: d["cards"]["c1"].update(changed=float("nan")),
    lambda d: d["cards"]["c1"].update(changed=1e400),
    lambda d: d["cards"]["c1"].update(changed=-5),
    lambda d: d["cards"]["c1"].update(changed=2**63),
    lambda d: d["cards"]["c1"].update(changed="1796000000"),
    lambda d: d["cards"]["c1"].update(changed=True),
    lambda d: d["cards"]["c1"].update(hash=12),
    lambda d: d["cards"]["c1"].update(type="x"),
    lambda d: d["cards"].update(c1=[1, 2]),
    lambda d: d.update(cards=[]),
    lambda d: d.update(note_types={"1": {"schema": "a", "style": "b", "changed": None}}),
    lambda d: d.update(removed={"x": "y"}),
    lambda d: d.update(name=["a"]),
    lambda d: d.update(deck=None),
    lambda d: d.update(format="1"),
    lambda d: d.clear(),
], ids=["nan", "inf", "negative", "too-large", "string", "bool", "hash", "type", "list-entry", "list-cards",
        "null-time", "removed-text", "name-list", "deck-null", "format-text", "empty"])
def test_a_damaged_lock_file_is_a_clear_problem(tmp_path: Path, damage: object) -> None:
    write_deck(tmp_path, CARDS)
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    lock = tmp_path / "t.lock.json"
    data = json.loads(lock.read_text(encoding="utf-8"))
    damage(data)  # type: ignore[operator]
    lock.write_text(json.dumps(data).replace("NaN", "NaN").replace("Infinity", "1e400"), encoding="utf-8")
    result = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 1, result.stderr
    problem = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(problem) == 1 and problem[0].startswith("t.lock.json:"), result.stderr
    assert "the lock file is not valid" in problem[0] and "restore it from git, or delete it" in problem[0]


def test_a_lock_file_nested_absurdly_deep_is_a_clear_problem(tmp_path: Path) -> None:
    write_deck(tmp_path, CARDS)
    (tmp_path / "t.lock.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 1 and "the lock file is not valid" in result.stderr


def test_locked_build_fails_on_a_stale_lock_and_writes_nothing(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS.split("      - id: c6\n", 1)[0])  # five cards
    assert run(["build", "t.yaml", "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    assert run(["build", "t.yaml", "--locked", "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text().replace("Answer 2\n", "Answer two\n").replace(
        "      - id: c5", "      - id: c6").replace("Question 5", "Question 6"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    result = run(["build", "t.yaml", "--locked", "-o", "v2.apkg"], cwd=tmp_path)
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if ": warning: " not in line] == [
        "t.lock.json:13:5: error: card 'c5' was removed from the deck; run 'rcc-cards build' and commit t.lock.json",
        "t.yaml:15:9: error: card 'c2' changed since t.lock.json was written; run 'rcc-cards build' and commit "
        "t.lock.json",
        "t.yaml:24:9: error: card 'c6' is not in t.lock.json; run 'rcc-cards build' and commit t.lock.json",
        "rcc-cards: 3 errors, 7 warnings in 3 files; nothing was written",
    ]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_the_shipped_lock_files_are_up_to_date(tmp_path: Path) -> None:
    result = run(["build", "--locked", "-o", str(tmp_path)], cwd=REPO)
    assert result.exit_code == 0, result.stderr
    assert "rcc: no changes since decks/rcc.lock.json" in result.stdout


def test_identity_depends_only_on_deck_key_and_card_id() -> None:
    assert compiler.note_guid("rcc", "c1") == compiler.note_guid("rcc", "c1")
    assert compiler.note_guid("rcc", "c1") != compiler.note_guid("other", "c1")
    assert compiler.note_guid("rcc", "c1") != compiler.note_guid("rcc", "c2")
    assert compiler.deck_id("rcc") == compiler.deck_id("rcc") != compiler.deck_id("other")
    assert (1 << 30) <= compiler.deck_id("rcc") < (1 << 31)


def test_note_guid_is_exactly_genankis_guid_for() -> None:
    """The GUID is the note's identity in every learner's collection: the fast version must never drift
    from genanki.guid_for, which earlier releases used."""
    import genanki

    ids = ["c1", "surg-limited-mets-who", "x" * 100, "a.b_c-d", "0", "ÄÖü-ß", "🙂", "card-099999"]
    ids += [f"card-{i:06d}" for i in range(0, 5000, 7)]
    for deck_key in ("rcc", "bench", "a_b9"):
        for card_id in ids:
            assert compiler.note_guid(deck_key, card_id) == genanki.guid_for(compiler.GUID_NAMESPACE, deck_key,
                                                                             card_id)


def test_content_hash_is_the_hash_of_the_documented_json() -> None:
    """Lock files written by earlier releases must keep matching: the hash is of this exact JSON text."""
    import hashlib
    import json
    from pathlib import Path

    from rcc_cards import kinds, lockfile, render, tags
    from rcc_cards.model import Card, Deck, Kind, Loc, Section, Source

    source = Source("T", Path("s.txt"), "2020")
    for kind, text in [(Kind.BASIC, ""), (Kind.REVERSE, ""), (Kind.CLOZE, "a {{c1::b}} \"c\" \\ é 🙂 \u2028")]:
        card = Card("c-1", kind, ("s",), ("Séction",), front="x < y & \"z\"\n\\", back="ünï 🫘\x7f", text=text,
                    extra="tab\there", quote="q", tags=("Topic::B", "topic::a"), loc=Loc("d.yaml", 1, 1))
        deck = Deck("k", "K", "", (source,), (Section("s", "S", (), (card,), (), Loc("d.yaml", 1, 1)),),
                    Loc("d.yaml", 1, 1), context="ctx")
        fields = render.note_fields(deck, card)
        expected = json.dumps({"type": kinds.of(kind).note_type.id, "fields": fields,
                               "tags": sorted(t.casefold() for t in tags.note_tags(deck, card))},
                              sort_keys=True, ensure_ascii=False)
        assert lockfile.content_hash(deck, card, fields) == hashlib.sha256(expected.encode()).hexdigest()[:20]
