"""The round trip of issue 21 with the real Anki backend: a collection with stock Basic, Basic (and reversed
card), Basic (optional reversed card) and Cloze notes in subdecks, tags, an image, a bold field, answered
reviews and a suspended card, exported as a current and a legacy ``.apkg`` and a ``.colpkg`` (and, as a second
source, a genanki package with genanki's default note types), imported with ``rcc-cards import``, checked,
edited (one answer changed, one card removed), built, and imported back into the ORIGINAL collection.

Each card keeps its note's GUID and its note type (the deck's note_types file), and the import's lock file
stamps each card with its note's time in Anki: so nothing is new, nothing conflicting, exactly the note
whose answer changed is updated, and every review, interval and suspension stays."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import genanki
import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from anki.decks import DeckId

from conftest import add_note, import_apkg, run

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
Scheduling = list[Any]


def _review_and_suspend(col: Collection, deck: int) -> None:
    col.decks.select(DeckId(deck))
    for _ in range(4):
        card = col.sched.getCard()
        assert card is not None
        col.sched.answerCard(card, 3)
    cloze = col.find_cards('"note:Cloze*"')  # stock "Cloze", genanki's "Cloze (genanki)"
    assert cloze
    col.sched.suspend_cards(cloze[-1:])
    assert col.db is not None
    col.db.execute("update notes set mod = mod - 3600")  # the learner made them an hour ago


def _stock(folder: Path) -> Path:
    path = folder / "collection.anki2"
    col = Collection(str(path))
    top, cells, genes = col.decks.id("Biology"), col.decks.id("Biology::Cells"), col.decks.id("Biology::Genes")
    assert top and cells and genes
    col.media.write_data("cell.png", PNG)
    add_note(col, "Basic", cells, ["What surrounds a <b>cell</b>?", 'the membrane <img src="cell.png">'],
         ["biology::cells", "exam"])
    add_note(col, "Basic", cells, ["What makes proteins?", "ribosomes"], ["biology::cells"])
    add_note(col, "Basic (and reversed card)", genes, ["DNA", "deoxyribonucleic acid"], ["biology::genes"])
    add_note(col, "Basic (optional reversed card)", genes, ["RNA", "ribonucleic acid", "y"], [])
    add_note(col, "Cloze", cells, ["{{c1::Mitochondria}} make {{c2::ATP}}", "the cell's power"], ["biology::cells"])
    _review_and_suspend(col, top)
    col.close()
    return path


def _genanki(folder: Path) -> Path:
    """A genanki package with genanki's default note types, imported and studied in a fresh collection."""
    deck = genanki.Deck(2059400110, "Biology")
    for model, fields in ((genanki.BASIC_MODEL, ["What surrounds a cell?", "the membrane"]),
                          (genanki.BASIC_MODEL, ["What makes proteins?", "ribosomes"]),
                          (genanki.BASIC_AND_REVERSED_CARD_MODEL, ["DNA", "deoxyribonucleic acid"]),
                          (genanki.BASIC_OPTIONAL_REVERSED_CARD_MODEL, ["RNA", "ribonucleic acid", "y"]),
                          (genanki.CLOZE_MODEL, ["{{c1::Mitochondria}} make {{c2::ATP}}", "the cell's power"])):
        deck.add_note(genanki.Note(model=model, fields=fields, tags=["biology"]))
    package = folder / "genanki.apkg"
    genanki.Package(deck).write_to_file(str(package))
    path = folder / "collection.anki2"
    col = Collection(str(path))
    import_apkg(col, package)
    top = col.decks.id("Biology")
    assert top
    _review_and_suspend(col, top)
    col.close()
    return path


def _export(collection: Path, folder: Path, fmt: str) -> Path:
    col = Collection(str(collection))
    try:
        if fmt == "colpkg":
            col.export_collection_package(str(folder / "biology.colpkg"), include_media=True, legacy=False)
            return folder / "biology.colpkg"
        top = col.decks.id("Biology")
        assert top
        out = folder / f"biology-{fmt}.apkg"
        col.export_anki_package(out_path=str(out), limit=DeckIdLimit(DeckId(top)),
                                options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False,
                                                                 with_media=True, legacy=fmt == "legacy"))
        return out
    finally:
        col.close()


def _scheduling(col: Collection) -> tuple[Scheduling, int]:
    assert col.db is not None
    return (col.db.all("select c.id, c.ivl, c.due, c.reps, c.queue from cards c order by c.id"),
            int(col.db.scalar("select count() from revlog")))


@pytest.fixture(params=["current", "legacy", "colpkg", "genanki"])
def original(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The original collection and the file exported from it."""
    folder = tmp_path / "anki"
    folder.mkdir()
    if request.param == "genanki":
        collection = _genanki(folder)
        yield collection, _export(collection, folder, "current")
    else:
        collection = _stock(folder)
        yield collection, _export(collection, folder, request.param)


def _edit(deck: Path) -> None:
    """One card's answer changed, another card removed."""
    text = deck.read_text(encoding="utf-8")
    text = text.replace('a: "ribosomes"', 'a: "the ribosomes"', 1)
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == "- id: dna")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith(("- ", "sections:"))
                and not lines[i].lstrip().startswith("- \"")), len(lines))
    deck.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")


def test_an_import_built_and_edited_updates_the_original_collection(original: tuple[Path, Path],
                                                                    tmp_path: Path) -> None:
    collection, exported = original
    project = tmp_path / "project"
    project.mkdir()
    imported = run(["import", str(exported), "--deck", "Biology"], cwd=project)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout.splitlines()[1] == "wrote decks/biology.yaml: 5 cards (2 q/a, 2 q/a with reverse, 1 cloze)"
    assert run(["check"], cwd=project).exit_code == 0
    _edit(project / "decks" / "biology.yaml")
    built = run(["build"], cwd=project)
    assert built.exit_code == 0, built.output
    assert "biology: 0 added, 1 changed, 1 removed" in built.stdout
    assert "  removed  dna" in built.stdout.splitlines()
    assert 'find them in Anki with: "tag:biology" ("CardId:re:(?-i)^dna$")' in built.stdout
    copy = tmp_path / "original.anki2"
    shutil.copyfile(collection, copy)
    col = Collection(str(copy))
    try:
        before = _scheduling(col)
        assert before[1] == 4 and any(row[4] == -1 for row in before[0])  # four reviews, one suspended card
        types = sorted(entry.name for entry in col.models.all_names_and_ids())
        log = import_apkg(col, project / "build" / "biology.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        assert len(log.duplicate) == 3  # unchanged: left as the learner has them
        assert sorted(entry.name for entry in col.models.all_names_and_ids()) == types  # no new note type
        assert _scheduling(col) == before
        assert col.db is not None
        assert "the ribosomes" in col.db.scalar("select flds from notes where flds like '%ribosomes%'")
    finally:
        col.close()


def _imported_and_dna_edited(tmp_path: Path) -> tuple[Path, Path]:
    """The stock collection, and a project that imported it, edited the DNA card's answer and built."""
    collection = _stock(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    assert run(["import", str(collection), "--deck", "Biology"], cwd=project).exit_code == 0
    deck = project / "decks" / "biology.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace('a: "deoxyribonucleic acid"',
                                                              'a: "the deoxyribonucleic acid"', 1), encoding="utf-8")
    assert run(["build"], cwd=project).exit_code == 0
    return collection, project


def test_a_reverse_card_of_a_kept_note_type_asks_without_its_back_matter(tmp_path: Path) -> None:
    """A kept "Basic (and reversed card)" is asked with its Back field, which holds rcc-cards' back matter:
    in the learner's collection the reverse card's question shows the answer text, and the source block and
    card id only folded in a closed <details>."""
    collection, project = _imported_and_dna_edited(tmp_path)
    col = Collection(str(collection))
    try:
        log = import_apkg(col, project / "build" / "biology.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        note = col.get_note(col.find_notes('"Front:DNA"')[0])
        forward, reverse = sorted(note.cards(), key=lambda card: card.ord)
        question = reverse.question()
        assert "the deoxyribonucleic acid" in question
        folded = question.index('<details class="rcc-more"><summary>Source and notes (rcc-cards)</summary>')
        assert folded < question.index('class="rcc-source"') and folded < question.index('class="rcc-id"')
        assert "<details open" not in question
        assert "rcc-source" not in forward.question() and "rcc-source" in forward.answer()
    finally:
        col.close()


def test_a_deck_imported_from_anki_default_deck_gets_its_own_name_and_leaves_cards_where_they_are(
        tmp_path: Path) -> None:
    """Anki's "Default" deck cannot be a deck's name (check refuses it): import says to give one with --name;
    with it, re-importing the build updates the notes while their cards stay in Default."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    add_note(col, "Basic", 1, ["What makes proteins?", "ribosomes"])
    add_note(col, "Basic", 1, ["What surrounds a cell?", "the membrane"])
    col.close()
    project = tmp_path / "project"
    project.mkdir()
    refused = run(["import", str(path)], cwd=project)
    assert refused.exit_code == 1 and not (project / "decks").exists()
    assert "the Anki deck 'Default' cannot be the new deck's name" in refused.output
    assert "Give the new deck its name with --name NAME" in refused.output
    assert run(["import", str(path), "--name", "Biology::Basics"], cwd=project).exit_code == 0
    deck = project / "decks" / "biology_basics.yaml"
    assert 'name: "Biology::Basics"' in deck.read_text(encoding="utf-8")
    deck.write_text(deck.read_text(encoding="utf-8").replace('a: "ribosomes"', 'a: "the ribosomes"'),
                    encoding="utf-8")
    assert run(["build"], cwd=project).exit_code == 0
    col = Collection(str(path))
    try:
        log = import_apkg(col, project / "build" / "biology_basics.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        assert col.db is not None
        assert col.db.list("select distinct did from cards") == [1]  # still in Default
    finally:
        col.close()


def test_a_fix_made_in_anki_to_an_imported_card_is_proposed_by_pull(tmp_path: Path) -> None:
    """Cards that keep their Anki note type (rcc-cards import) are pulled too: a learner's fix of a note as it
    came in (no back matter yet), and of one a build updated (its back matter kept after the answer), each
    proposed as the answer alone; a note only studied proposes nothing."""
    collection, project = _imported_and_dna_edited(tmp_path)
    col = Collection(str(collection))
    try:
        import_apkg(col, project / "build" / "biology.apkg")  # the DNA note now has rcc-cards' back matter
        for front, old, new in (("DNA", "the deoxyribonucleic acid", "deoxyribonucleic acid (DNA)"),
                                ("What makes proteins?", "ribosomes", "the ribosomes")):
            note = col.get_note(col.find_notes(f'"Front:{front}"')[0])
            assert note["Back"].startswith(old)
            note["Back"] = note["Back"].replace(old, new, 1)
            col.update_note(note)
            assert col.db is not None
            col.db.execute("update notes set mod = mod + 5 where id = ?", note.id)  # after the build's second
    finally:
        col.close()
    pulled = run(["pull", str(collection)], cwd=project)
    assert pulled.exit_code == 0, pulled.output
    proposals = json.loads((project / "decks" / "biology.proposals.json").read_text(encoding="utf-8"))["proposals"]
    assert sorted((p["key"], p["deck"], p["anki"]) for p in proposals) == [
        ("a", "ribosomes", "the ribosomes"), ("a", "the deoxyribonucleic acid", "deoxyribonucleic acid (DNA)")]


def test_importing_a_collection_a_build_updated_carries_the_text_not_the_back_matter(tmp_path: Path) -> None:
    """A collection whose kept-type notes a build updated holds rcc-cards' back matter after their answers,
    and learners' marks: importing it again carries the answer alone, and neither 'marked' nor the back
    matter; notes of rcc-cards' own note types are not carried (their deck is already in YAML)."""
    collection, first = _imported_and_dna_edited(tmp_path)
    col = Collection(str(collection))
    try:
        import_apkg(col, first / "build" / "biology.apkg")
        note = col.get_note(col.find_notes('"Front:DNA"')[0])
        assert 'class="rcc-source"' in note["Back"]
        note.tags.append("marked")
        col.update_note(note)
    finally:
        col.close()
    second = tmp_path / "second"
    second.mkdir()
    again = run(["import", str(collection), "--deck", "Biology"], cwd=second)
    assert again.exit_code == 0, again.output
    text = (second / "decks" / "biology.yaml").read_text(encoding="utf-8")
    assert 'a: "the deoxyribonucleic acid"' in text and "rcc-source" not in text and "Source:" not in text
    assert '"marked"' not in text
    assert "tag 'marked' is not carried: it is a learner's mark in Anki" in again.stdout
    assert "rcc-cards' back matter in field 'Back'" in again.stdout


def test_notes_built_by_rcc_cards_are_not_imported(tmp_path: Path) -> None:
    from conftest import NO_COVERAGE, write_deck

    project = tmp_path / "project"
    write_deck(project / "decks", "      - id: c1\n        q: Which question?\n        a: Answer one\n"
                                  "        quote: Question one has answer one.\n", deck_lines=NO_COVERAGE)
    assert run(["build"], cwd=project).exit_code == 0
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    import_apkg(col, project / "build" / "t.apkg")
    col.close()
    other = tmp_path / "other"
    other.mkdir()
    refused = run(["import", str(path)], cwd=other)
    assert refused.exit_code == 1 and not (other / "decks").exists()
    assert "it was built by rcc-cards (note type 'rcc-cards Q/A'): its deck is already kept in YAML" in refused.stderr
