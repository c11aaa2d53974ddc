"""Safe regeneration, proven against the real Anki backend: edit, rebuild, re-import over a studied
collection. Each test is one scenario of issue 4."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.dbproxy import DBProxy

from conftest import import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import kinds, lockfile, render, tags, templates
from rcc_cards.model import Kind

CARDS = "".join(
    f"      - id: c{i}\n        q: Question {i} about the source?\n        a: Answer {i}\n"
    for i in range(1, 6)
)


def _build(folder: Path, name: str, *args: str) -> str:
    result = run(["build", "t.yaml", "-o", name, *args], cwd=folder)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _study(col: Collection, answers: int = 3) -> None:
    deck_id = col.decks.id("Test deck")
    assert deck_id is not None
    col.decks.select(deck_id)
    for _ in range(answers):
        card = col.sched.getCard()
        assert card is not None
        col.sched.answerCard(card, 3)


def _db(col: Collection) -> DBProxy:
    assert col.db is not None
    return col.db


def _scheduling(col: Collection) -> dict[int, tuple[object, ...]]:
    rows = _db(col).all("select id, type, queue, due, ivl, factor, reps, lapses from cards")
    return {row[0]: tuple(row[1:]) for row in rows}


def _revlog(col: Collection) -> list[tuple[object, ...]]:
    return [tuple(r) for r in _db(col).all("select id, cid, ease, ivl, type from revlog order by id")]


def _studied_v1(folder: Path, col: Collection) -> tuple[dict[int, tuple[object, ...]], list[tuple[object, ...]]]:
    """Build v1 of a five-card deck, import it, answer three cards; the scheduling and review log."""
    write_deck(folder, CARDS)
    _build(folder, "v1.apkg")
    import_apkg(col, folder / "v1.apkg")
    _study(col)
    return _scheduling(col), _revlog(col)


@contextmanager
def _reopened(col: Collection) -> Iterator[Collection]:
    """The collection reopened: the Python-side note-type cache can be stale after an import."""
    col.close()
    fresh = Collection(col.path)
    try:
        yield fresh
    finally:
        fresh.close()
        col.reopen()


def test_editing_one_card_updates_exactly_that_note_and_keeps_all_scheduling(tmp_path: Path, col: Collection) -> None:
    scheduling, revlog = _studied_v1(tmp_path, col)
    deck = tmp_path / "t.yaml"
    assert len(revlog) == 3
    deck.write_text(deck.read_text().replace("Answer 2\n", "Answer two\n"))
    out = _build(tmp_path, "v2.apkg")
    assert out.splitlines()[:2] == ["t: 0 added, 1 changed, 0 removed since t.lock.json", "  changed  c2"]
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 1, 4)
    assert notes_by_card_id(col)["c2"]["Back"] == "Answer two"
    assert _scheduling(col) == scheduling
    assert _revlog(col) == revlog


def test_a_learners_edit_to_an_unchanged_note_survives_the_next_import(tmp_path: Path, col: Collection) -> None:
    deck = write_deck(tmp_path, CARDS)
    _build(tmp_path, "v1.apkg")
    import_apkg(col, tmp_path / "v1.apkg")
    note = notes_by_card_id(col)["c1"]
    note["Extra"] = "my own mnemonic"
    note.tags.append("marked")
    col.update_note(note)
    deck.write_text(deck.read_text().replace("Answer 3\n", "Answer three\n"))
    _build(tmp_path, "v2.apkg")
    import_apkg(col, tmp_path / "v2.apkg")
    notes = notes_by_card_id(col)
    assert notes["c1"]["Extra"] == "my own mnemonic"
    assert "marked" in notes["c1"].tags
    assert notes["c3"]["Back"] == "Answer three"


def test_a_rebuild_without_changes_is_byte_identical_and_imports_as_nothing(tmp_path: Path, col: Collection) -> None:
    write_deck(tmp_path, CARDS)
    _build(tmp_path, "v1.apkg")
    lock_before = (tmp_path / "t.lock.json").read_bytes()
    time.sleep(1.1)  # a later clock must not change anything
    out = _build(tmp_path, "v2.apkg")
    assert out.splitlines()[0] == "t: no changes since t.lock.json"
    assert (tmp_path / "v1.apkg").read_bytes() == (tmp_path / "v2.apkg").read_bytes()
    assert (tmp_path / "t.lock.json").read_bytes() == lock_before
    import_apkg(col, tmp_path / "v1.apkg")
    _study(col, 1)
    scheduling, revlog = _scheduling(col), _revlog(col)
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, 5)
    assert (_scheduling(col), _revlog(col)) == (scheduling, revlog)


def test_a_typo_fix_in_the_question_updates_the_same_note(tmp_path: Path, col: Collection) -> None:
    deck = write_deck(tmp_path, CARDS.replace("Question 4 about", "Qeustion 4 about"))
    _build(tmp_path, "v1.apkg")
    import_apkg(col, tmp_path / "v1.apkg")
    _study(col, 5)
    guid = notes_by_card_id(col)["c4"].guid
    deck.write_text(deck.read_text().replace("Qeustion", "Question"))
    _build(tmp_path, "v2.apkg")
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.updated)) == (0, 1)
    note = notes_by_card_id(col)["c4"]
    assert (note.guid, note["Front"]) == (guid, "Question 4 about the source?")
    assert col.note_count() == 5


def test_removing_a_card_is_reported_with_the_search_that_finds_it(tmp_path: Path, col: Collection) -> None:
    deck = write_deck(tmp_path, CARDS.replace("id: c5", "id: old_card"))
    _build(tmp_path, "v1.apkg")
    import_apkg(col, tmp_path / "v1.apkg")
    text = deck.read_text()
    removed = text[text.index("      - id: old_card"):]
    deck.write_text(text.replace(removed, "").replace("Answer 1\n", "Answer one\n"))
    out = _build(tmp_path, "v2.apkg").splitlines()
    search = '"tag:t" ("CardId:re:(?-i)^old_card$")'
    assert out[:4] == [
        "t: 0 added, 1 changed, 1 removed since t.lock.json",
        "  changed  c1",
        "  removed  old_card",
        f"  removed cards stay in learners' collections (an import never deletes); find them in Anki with: {search}",
    ]
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 1, 3)
    assert [col.get_note(n)["CardId"] for n in col.find_notes(search)] == ["old_card"]
    assert col.note_count() == 5
    lock = json.loads((tmp_path / "t.lock.json").read_text())
    assert "old_card" not in lock["cards"] and lock["removed"]["old_card"] > 0  # its last stamp is kept


def test_two_decks_with_the_same_card_id_make_two_notes(tmp_path: Path, col: Collection) -> None:
    for key in ("one", "two"):
        write_deck(tmp_path / key, "      - id: c1\n        q: Same id\n        a: A\n", key=key, name=f"Deck {key}")
        assert run(["build", f"{key}.yaml", "-o", "p.apkg"], cwd=tmp_path / key).exit_code == 0
        import_apkg(col, tmp_path / key / "p.apkg")
    assert col.note_count() == 2
    assert len({col.get_note(n).guid for n in col.find_notes("")}) == 2


def test_diff_reports_without_writing(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    assert run(["diff", "t.yaml"], cwd=tmp_path).stdout == "t: first build; every card is new to t.lock.json\n"
    assert not (tmp_path / "t.lock.json").exists()
    _build(tmp_path, "v1.apkg")
    deck.write_text(deck.read_text().replace("Answer 2\n", "Answer two\n"))
    assert run(["diff", "t.yaml"], cwd=tmp_path).stdout == (
        "t: 0 added, 1 changed, 0 removed since t.lock.json\n  changed  c2\n"
        "  1 changed note: a package import replaces the tags learners added to it in Anki (marked, leech, their "
        "own); 'rcc-cards push' keeps them\n")


@pytest.mark.parametrize("epoch,ok", [("1600000000", True), (str(int(time.time()) + 3600), False)])
def test_source_date_epoch_stamps_new_content_and_the_future_is_refused(tmp_path: Path, epoch: str,
                                                                       ok: bool) -> None:
    write_deck(tmp_path, CARDS)
    from click.testing import CliRunner

    from rcc_cards.cli import cli

    os.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "t.yaml", "-o", "p.apkg"], env={"SOURCE_DATE_EPOCH": epoch})
    assert result.exit_code == (0 if ok else 1)
    if ok:
        lock, _ = lockfile.read(tmp_path / "t.lock.json", "t.lock.json")
        assert lock is not None and {s.changed for s in lock.cards.values()} == {1600000000}
    else:
        assert "is in the future" in result.stderr
        assert not (tmp_path / "p.apkg").exists() and not (tmp_path / "t.lock.json").exists()


def test_a_killed_build_leaves_the_previous_package_intact(tmp_path: Path) -> None:
    cards = "".join(f"      - id: c{i}\n        q: Question {i} of a large deck?\n        a: Answer {i}\n"
                    for i in range(3000))
    deck = write_deck(tmp_path, cards)
    out = tmp_path / "out"
    _build(tmp_path, "out")
    previous = (out / "t.apkg").read_bytes()
    deck.write_text(deck.read_text().replace("Answer ", "Changed answer "))
    killed_mid_write = 0
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "rcc_cards", "build", "t.yaml", "-o", "out"], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and not any(p.name.endswith(".tmp") for p in out.iterdir()):
            pass
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        current = (out / "t.apkg").read_bytes()
        if current == previous:
            killed_mid_write += any(p.name.endswith(".tmp") for p in out.iterdir())
        else:  # the rename had already happened: then the new package is complete
            with zipfile.ZipFile(out / "t.apkg") as archive:
                assert archive.testzip() is None
            break
    assert killed_mid_write >= 1
    result = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [".rcc-cards-cache.json", "t.apkg"]  # leftovers cleaned


def test_a_template_change_updates_learners_note_types_and_keeps_their_notes(
        tmp_path: Path, col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    scheduling, revlog = _studied_v1(tmp_path, col)
    monkeypatch.setattr(templates, "CSS", templates.CSS + "\n.rcc-a { color: teal; }\n")  # rcc-cards, next release
    out = _build(tmp_path, "v2.apkg")
    assert "  note type 'rcc-cards Q/A': templates or styling changed; learners' copies update on import" in out
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    with _reopened(col) as reopened:
        note_type = reopened.models.by_name("rcc-cards Q/A")
        assert note_type is not None and "color: teal" in note_type["css"]
        assert [m["name"] for m in reopened.models.all() if m["name"].startswith("rcc-cards Q/A")] == ["rcc-cards Q/A"]
        assert (_scheduling(reopened), _revlog(reopened)) == (scheduling, revlog)


def _add_field(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a future rcc-cards that adds a field to the Q/A note type would do."""
    basic = kinds.of(Kind.BASIC)
    note_type = basic.note_type
    extended = templates.NoteType(note_type.id, note_type.name,
                                  (*note_type.fields, templates.Field("Mnemonic", 7_301_554_120_099)),
                                  note_type.templates, note_type.is_cloze)
    monkeypatch.setitem(kinds._SPECS, Kind.BASIC, basic._replace(note_type=extended))
    original = render.note_fields
    monkeypatch.setattr(render, "note_fields", lambda deck, card: [*original(deck, card)] +
                        (["new field"] if card.kind is Kind.BASIC else []))


def test_a_field_addition_is_announced_and_applies_with_merge_and_update_always(
        tmp_path: Path, col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition as Condition

    scheduling, revlog = _studied_v1(tmp_path, col)
    _add_field(monkeypatch)
    out = _build(tmp_path, "v2.apkg")
    assert "  note type 'rcc-cards Q/A': fields or card templates were added, removed or renamed; learners must " \
           "import with 'Merge note types' checked and 'Update notes: Always', or their notes of this type will " \
           "not update" in out
    # With the default options the notes are stranded: that is why the build says what to do.
    default_col = Collection(str(tmp_path / "default.anki2"))
    try:
        import_apkg(default_col, tmp_path / "v1.apkg")
        assert len(import_apkg(default_col, tmp_path / "v2.apkg").conflicting) == 5
    finally:
        default_col.close()
    always = Condition.Value("IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS")
    # The merge stamps the learner's notes with the import time, and "Always" still needs the package's
    # time to differ. Real imports come long after the build; here v1, v2 and the import would share a
    # second (and v2's stamp, v1's + 1, would even equal the import's), so let the clock move on.
    time.sleep(2.1)
    log = import_apkg(col, tmp_path / "v2.apkg", merge_notetypes=True, update_notes=always)
    assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 5, 0)
    with _reopened(col) as reopened:
        names = sorted(m["name"] for m in reopened.models.all() if m["name"].startswith("rcc-cards Q/A"))
        assert names == ["rcc-cards Q/A"]
        assert {reopened.get_note(n)["Mnemonic"] for n in reopened.find_notes("")} == {"new field"}
        assert (_scheduling(reopened), _revlog(reopened)) == (scheduling, revlog)


def test_the_removed_card_search_finds_exactly_the_removed_notes(tmp_path: Path, col: Collection) -> None:
    """Measured in a real collection: ids that differ only in case, that a wildcard would match
    (``_``, ``.``), and the same id in another deck are not found."""
    ids = ["a_b", "A_b", "axb", "a.b", "aXb", "ab"]
    cards = "".join(f"      - id: {i}\n        q: Question {n}?\n        a: Answer {n}\n" for n, i in enumerate(ids))
    write_deck(tmp_path / "one", cards)
    write_deck(tmp_path / "two", cards.replace("Question", "Other question"), key="u", name="Other deck")
    for folder in ("one", "two"):
        assert run(["build", "-o", "out.apkg", "t.yaml" if folder == "one" else "u.yaml"],
                   cwd=tmp_path / folder).exit_code == 0
        import_apkg(col, tmp_path / folder / "out.apkg")
    assert col.note_count() == 12
    for removed in (["a_b"], ["a.b"], ["ab", "A_b"]):
        found = {col.get_note(n)["CardId"] for n in col.find_notes(tags.card_id_search("t", removed))}
        assert found == set(removed)
        assert len(col.find_notes(tags.card_id_search("t", removed))) == len(removed)  # not deck u's


@pytest.mark.parametrize("touch", ["deck", "source", "lock", "media", "package", "new deck"])
def test_an_unchanged_rebuild_is_skipped_and_any_changed_input_rebuilds(tmp_path: Path, touch: str) -> None:
    deck = write_deck(tmp_path / "decks", CARDS.replace("      - id: c5\n", "      - id: c5\n        image: pic.png\n"))
    (tmp_path / "decks" / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(8))
    assert run(["build"], cwd=tmp_path).exit_code == 0
    package = tmp_path / "build" / "t.apkg"
    before = package.read_bytes()
    skipped = run(["build"], cwd=tmp_path).stdout
    assert skipped == "up to date: build/t.apkg: 5 notes, 5 cards, 1 tags (no input changed since it was built)\n"
    changes: dict[str, Callable[[], object]] = {
        "deck": lambda: deck.write_text(deck.read_text().replace("Answer 1\n", "Answer one\n")),
        "source": lambda: (tmp_path / "decks" / "source.txt").write_text("An edited source.\n"),
        "lock": lambda: (tmp_path / "decks" / "t.lock.json").unlink(),
        "media": lambda: (tmp_path / "decks" / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(9)),
        "package": lambda: package.write_bytes(b"damaged"),
        "new deck": lambda: write_deck(tmp_path / "decks", "      - id: n1\n        q: Q\n        a: A\n", key="n",
                                       name="New"),
    }
    changes[touch]()
    rebuilt = run(["build"], cwd=tmp_path)
    assert rebuilt.exit_code == 0
    assert "wrote build/t.apkg" in rebuilt.stdout
    if touch in ("source", "package", "new deck"):
        assert package.read_bytes() == before  # a full rebuild of the same content gives the same bytes


def test_changing_the_deck_key_is_refused_because_every_note_would_be_duplicated(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    _build(tmp_path, "v1.apkg")
    deck.write_text(deck.read_text().replace("key: t\n", "key: renamed\n", 1))
    result = run(["build", "t.yaml", "-o", "v2.apkg"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "t.yaml:2:8: error: deck key 'renamed' has no lock file, but t.lock.json records deck 't' with 5 of " \
           "this deck's card ids: was the key changed? The key is part of every note's identity, so learners " \
           "would get every card a second time." in result.stderr
    assert not (tmp_path / "v2.apkg").exists()


def test_a_renamed_card_id_is_reported_as_a_duplicate_for_learners(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    _build(tmp_path, "v1.apkg")
    deck.write_text(deck.read_text().replace("id: c3", "id: c3-renamed"))
    out = run(["diff", "t.yaml"], cwd=tmp_path).stdout
    assert "  if a card id was renamed, learners get the card twice: keep ids stable, and rename only cards " \
           "nobody has studied yet\n" in out


def test_a_duplicate_id_blames_the_new_card_not_the_studied_one(tmp_path: Path) -> None:
    """Of two cards with one id, the lock file knows which one learners already study: the other is the
    one to rename, whichever comes first (another file, or above it in the same file)."""
    studied = "      - id: c1\n        q: Studied question\n        a: Studied answer\n"
    deck = write_deck(tmp_path, studied, key="b", filename="b.yaml")
    assert run(["build", "b.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0  # writes b.lock.json
    new = "      - id: c1\n        q: A new question\n        a: A new answer\n"
    write_deck(tmp_path, new, key="a", name="Other deck", filename="a.yaml")  # found before b.yaml
    result = run(["check", "a.yaml", "b.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert ("a.yaml:12:13: error: duplicate card id 'c1'; the card at b.yaml:12 has it and is in b.lock.json, "
            "so learners already study it. Rename this card, which is new (renaming the other would give every "
            "learner a duplicate and lose its review history) [duplicate-card-id]") in result.stderr.splitlines()
    (tmp_path / "a.yaml").unlink()
    deck.write_text(deck.read_text(encoding="utf-8").replace("    cards:\n", "    cards:\n" + new), encoding="utf-8")
    result = run(["check", "b.yaml"], cwd=tmp_path)  # the new card is above the studied one
    assert ("b.yaml:12:13: error: duplicate card id 'c1'; the card at b.yaml:15 has it and is in b.lock.json, "
            "so learners already study it. Rename this card, which is new (renaming the other would give every "
            "learner a duplicate and lose its review history) [duplicate-card-id]") in result.stderr.splitlines()
