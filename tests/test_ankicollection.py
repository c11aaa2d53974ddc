"""Reading Anki files (ankicollection.py, issue 21) with the real Anki backend: a collection made with
``anki.collection.Collection`` (stock note types, subdecks, hierarchical tags, media, formatted fields,
reviews, a suspended card), exported as a current and a legacy ``.apkg`` and a ``.colpkg``, read back value
for value; genanki's own packages; and one clear error for each kind of file that cannot be read."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import genanki
import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from anki.decks import DeckId
from anki.errors import DBError
from anki.models import NotetypeId

from conftest import REPO, add_note
from rcc_cards import ankicollection
from rcc_cards.ankicollection import AnkiCard, AnkiDeckData, AnkiNote
from rcc_cards.errors import RccCardsError

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
MP3 = b"ID3\x03\x00" + b"\xff\xfb" * 100
AMP_PNG = b"\x89PNG\r\n\x1a\n" + b"ampersand"

CELL_FRONT = "<b>Cell</b> membrane<br>keeps&nbsp;ions in &amp; out"


@dataclass(frozen=True)
class Source:
    """The collection the packages are exported from, and what a reader must find in each."""

    folder: Path
    collection: Path
    guids: dict[str, str]  # a short name of each note -> its GUID
    note_types: dict[str, int]  # stock name -> id
    stable_ids: dict[str, tuple[list[int], list[int]]]  # note type name -> its fields' and templates' ids
    decks: dict[str, int]  # full name -> id
    apkg: Path
    legacy_apkg: Path
    colpkg: Path
    legacy_colpkg: Path


def _fill(col: Collection) -> tuple[dict[str, str], dict[str, int]]:
    cells, genes = col.decks.id("Biology::Cells"), col.decks.id("Biology::Genes")
    top = col.decks.id("Biology")
    assert cells and genes and top
    assert col.media.write_data("cell.png", PNG) == "cell.png"
    assert col.media.write_data("dna.mp3", MP3) == "dna.mp3"
    assert col.media.write_data("a & b.png", AMP_PNG) == "a & b.png"
    guids = {
        "basic": add_note(col, "Basic", cells, [CELL_FRONT, '<img src="cell.png">'],
                      ["biology::cells::membrane", "exam"]),
        "reversed": add_note(col, "Basic (and reversed card)", genes, ["DNA", "a helix [sound:dna.mp3]"],
                         ["biology::genes"]),
        "optional_on": add_note(col, "Basic (optional reversed card)", genes, ["RNA", "single strand", "y"], []),
        "optional_off": add_note(col, "Basic (optional reversed card)", top, ["Protein", "amino acids", ""],
                             ["biology"]),
        "cloze": add_note(col, "Cloze", cells, ["{{c1::Mitochondria}} make {{c2::ATP}}",
                                            "<img src='a &amp; b.png'>"], ["biology::cells"]),
    }
    return guids, {"Biology": top, "Biology::Cells": cells, "Biology::Genes": genes}


def _review_and_suspend(col: Collection, deck: int, guid: str) -> None:
    col.decks.select(deck)  # type: ignore[arg-type]
    for _ in range(3):
        card = col.sched.getCard()
        assert card is not None
        col.sched.answerCard(card, 3)
    nid = col.db.scalar("select id from notes where guid=?", guid)  # type: ignore[union-attr]
    second = [cid for cid in col.card_ids_of_note(nid) if col.get_card(cid).ord == 1]
    col.sched.suspend_cards(second)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Source:
    folder = tmp_path_factory.mktemp("anki-source")
    path = folder / "collection.anki2"
    col = Collection(str(path))
    guids, decks = _fill(col)
    _review_and_suspend(col, decks["Biology"], guids["cloze"])
    note_types = {entry.name: int(entry.id) for entry in col.models.all_names_and_ids()}
    stable_ids = {}
    for name in note_types:
        notetype = col.models.by_name(name)
        assert notetype is not None
        stable_ids[name] = ([f["id"] for f in notetype["flds"]], [t["id"] for t in notetype["tmpls"]])
    for legacy, name in ((False, "biology.apkg"), (True, "biology-legacy.apkg")):
        col.export_anki_package(out_path=str(folder / name), limit=DeckIdLimit(decks["Biology"]),  # type: ignore[arg-type]
                                options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False,
                                                                 with_media=True, legacy=legacy))
    col.export_collection_package(str(folder / "whole.colpkg"), include_media=True, legacy=False)
    col.close()  # export_collection_package has already let the backend close it; this clears the rest
    col = Collection(str(path))
    col.export_collection_package(str(folder / "whole-legacy.colpkg"), include_media=True, legacy=True)
    col.close()
    return Source(folder, path, guids, note_types, stable_ids, decks, folder / "biology.apkg",
                  folder / "biology-legacy.apkg", folder / "whole.colpkg", folder / "whole-legacy.colpkg")


def _by_guid(data: AnkiDeckData, guid: str) -> AnkiNote:
    return next(note for note in data.notes if note.guid == guid)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the values ---------------------------------------------------------------------------------------

FORMATS = ["apkg", "legacy_apkg", "colpkg", "legacy_colpkg", "collection"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_note_is_read_with_its_guid_fields_tags_and_cards(source: Source, fmt: str) -> None:
    data = ankicollection.read(getattr(source, fmt))
    assert [note.guid for note in data.notes] == list(source.guids.values())
    basic = _by_guid(data, source.guids["basic"])
    assert basic.fields == (CELL_FRONT, '<img src="cell.png">')
    assert basic.tags == ("biology::cells::membrane", "exam")
    assert basic.cards == (AnkiCard(0, "Card 1", "Biology::Cells", False),)
    assert basic.media == ("cell.png",)
    reversed_ = _by_guid(data, source.guids["reversed"])
    assert reversed_.cards == (AnkiCard(0, "Card 1", "Biology::Genes", False),
                               AnkiCard(1, "Card 2", "Biology::Genes", False))
    assert reversed_.fields == ("DNA", "a helix [sound:dna.mp3]") and reversed_.media == ("dna.mp3",)
    assert len(_by_guid(data, source.guids["optional_on"]).cards) == 2
    off = _by_guid(data, source.guids["optional_off"])
    assert off.fields == ("Protein", "amino acids", "") and off.decks == ("Biology",)
    assert off.cards == (AnkiCard(0, "Card 1", "Biology", False),)
    cloze = _by_guid(data, source.guids["cloze"])
    assert cloze.fields == ("{{c1::Mitochondria}} make {{c2::ATP}}", "<img src='a &amp; b.png'>")
    assert cloze.cards == (AnkiCard(0, "Cloze", "Biology::Cells", False), AnkiCard(1, "Cloze", "Biology::Cells", True))
    assert cloze.media == ("a & b.png",) and cloze.tags == ("biology::cells",)


@pytest.mark.parametrize("fmt", FORMATS)
def test_note_types_keep_their_ids_names_fields_templates_and_kinds(source: Source, fmt: str) -> None:
    data = ankicollection.read(getattr(source, fmt))
    used = ["Basic", "Basic (and reversed card)", "Basic (optional reversed card)", "Cloze"]
    assert [(nt.id, nt.name) for nt in data.note_types] == sorted((source.note_types[n], n) for n in used)
    kinds = {nt.name: nt.kind for nt in data.note_types}
    assert kinds == {"Basic": "basic", "Basic (and reversed card)": "basic",
                     "Basic (optional reversed card)": "basic", "Cloze": "cloze"}
    fields = {nt.name: nt.field_names for nt in data.note_types}
    assert fields["Basic (optional reversed card)"] == ("Front", "Back", "Add Reverse")
    assert fields["Cloze"] == ("Text", "Back Extra")
    col = Collection(str(source.folder / f"check-{fmt}.anki2"))  # the stock note types, for comparison
    try:
        for nt in data.note_types:
            stock = col.models.by_name(nt.name)
            assert stock is not None
            assert [t.name for t in nt.templates] == [t["name"] for t in stock["tmpls"]]
            assert [(t.qfmt, t.afmt) for t in nt.templates] == [(t["qfmt"], t["afmt"]) for t in stock["tmpls"]]
            assert nt.css == stock["css"]
            fields_ids, template_ids = source.stable_ids[nt.name]
            assert [f.id for f in nt.fields] == fields_ids and [t.id for t in nt.templates] == template_ids
            assert all(isinstance(i, int) for i in fields_ids + template_ids)
    finally:
        col.close()
    assert {note.note_type_id for note in data.notes} == {nt.id for nt in data.note_types}
    assert data.note_type(source.note_types["Cloze"]).name == "Cloze"
    with pytest.raises(KeyError):
        data.note_type(source.note_types["Basic (type in the answer)"])  # in the collection, used by no note


@pytest.mark.parametrize("fmt", FORMATS)
def test_decks_are_read_by_full_name(source: Source, fmt: str) -> None:
    data = ankicollection.read(getattr(source, fmt))
    names = [deck.name for deck in data.decks]
    assert names == ["Biology", "Biology::Cells", "Biology::Genes"]  # the empty Default deck is left out
    ids = [deck.id for deck in data.decks]
    if fmt.endswith("apkg"):
        assert ids == [None, None, None]  # Anki's importer gives a package's decks new ids
    else:
        assert ids == [source.decks[name] for name in names]


@pytest.mark.parametrize("fmt", FORMATS)
def test_media_is_listed_and_its_bytes_are_read(source: Source, fmt: str) -> None:
    with ankicollection.opened(getattr(source, fmt)) as deck:
        assert deck.data.media_names == ("a & b.png", "cell.png", "dna.mp3")
        assert deck.media("cell.png") == PNG and deck.media("dna.mp3") == MP3 and deck.media("a & b.png") == AMP_PNG
        for name in ("missing.png", "../collection.anki2", "", "sub/cell.png"):
            with pytest.raises(ankicollection.MediaNotFound) as caught:
                deck.media(name)
            assert str(caught.value) == f"{getattr(source, fmt)}: no media file named {name!r} in it"
        media_dir = deck.media_dir
    if fmt != "collection":
        assert not media_dir.exists()  # the temporary collection is gone with the block


def test_reading_a_collection_file_leaves_it_unchanged(source: Source) -> None:
    before = {path.name: _sha(path) for path in source.folder.iterdir() if path.is_file()}
    data = ankicollection.read(source.collection)
    assert len(data.notes) == 5
    assert {path.name: _sha(path) for path in source.folder.iterdir() if path.is_file()} == before


def test_reading_packages_leaves_them_unchanged(source: Source) -> None:
    for path in (source.apkg, source.legacy_apkg, source.colpkg, source.legacy_colpkg):
        before = _sha(path)
        ankicollection.read(path)
        assert _sha(path) == before


def test_a_collection_anki_holds_open_is_read_with_its_latest_notes(tmp_path: Path) -> None:
    path = tmp_path / "open.anki2"
    col = Collection(str(path))
    try:
        guid = add_note(col, "Basic", 1, ["written while open", "b"], [])
        with pytest.raises(DBError, match="Anki already open"):
            Collection(str(path))  # what opening it directly would do
        data = ankicollection.read(path)
    finally:
        col.close()
    assert [(note.guid, note.fields) for note in data.notes] == [(guid, ("written while open", "b"))]
    assert data.decks == (ankicollection.AnkiDeck(1, "Default"),)  # the Default deck, holding the card


def test_a_card_in_a_filtered_deck_is_read_in_its_home_deck(tmp_path: Path) -> None:
    path = tmp_path / "filtered.anki2"
    col = Collection(str(path))
    try:
        home = col.decks.id("Home")
        assert home is not None
        guid = add_note(col, "Basic", home, ["q", "a"], [])
        filtered = col.sched.get_or_create_filtered_deck(DeckId(0))
        filtered.name = "Filtered"
        filtered.config.search_terms[0].search = "deck:Home"
        moved = col.sched.add_or_update_filtered_deck(filtered).id
        assert col.db.all("select did, odid from cards") == [[moved, home]]  # type: ignore[union-attr]
    finally:
        col.close()
    data = ankicollection.read(path)
    assert data.decks == (ankicollection.AnkiDeck(home, "Home"),)
    assert [(n.guid, n.cards) for n in data.notes] == [(guid, (AnkiCard(0, "Card 1", "Home", False),))]


def test_suspension_survives_only_an_import_with_scheduling(source: Source, tmp_path: Path) -> None:
    """The measurement behind importing with ``with_scheduling=True`` (and reading nothing of it but the
    suspension): without it Anki resets every card to new, and the suspended card comes back unsuspended."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    queues = {}
    for with_scheduling in (False, True):
        col = Collection(str(tmp_path / f"{with_scheduling}.anki2"))
        try:
            col.import_anki_package(ImportAnkiPackageRequest(
                package_path=str(source.apkg), options=ImportAnkiPackageOptions(with_scheduling=with_scheduling)))
            queues[with_scheduling] = sorted(col.db.list("select queue from cards"))  # type: ignore[union-attr]
        finally:
            col.close()
    assert -1 not in queues[False] and queues[True].count(-1) == 1


def test_a_genanki_package_with_its_default_note_types(tmp_path: Path) -> None:
    deck = genanki.Deck(2059400110, "Genanki::Deck")
    deck.add_note(genanki.Note(model=genanki.BASIC_MODEL, fields=["front <i>x</i>", "back"], tags=["g::t"],
                               guid="guid-basic"))
    deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=["{{c1::a}} and {{c2::b}}", ""],
                               guid="guid-cloze"))
    path = tmp_path / "genanki.apkg"
    genanki.Package(deck).write_to_file(str(path))
    data = ankicollection.read(path)
    assert [(nt.id, nt.name, nt.kind, nt.field_names) for nt in data.note_types] == [
        (1550428389, "Cloze (genanki)", "cloze", ("Text", "Back Extra")),
        (1559383000, "Basic (genanki)", "basic", ("Front", "Back"))]
    assert [nt.templates[0].qfmt for nt in data.note_types] == [
        genanki.CLOZE_MODEL.templates[0]["qfmt"], genanki.BASIC_MODEL.templates[0]["qfmt"]]
    assert [(n.guid, n.fields, n.tags, n.decks) for n in data.notes] == [
        ("guid-basic", ("front <i>x</i>", "back"), ("g::t",), ("Genanki::Deck",)),
        ("guid-cloze", ("{{c1::a}} and {{c2::b}}", ""), (), ("Genanki::Deck",))]
    assert [len(n.cards) for n in data.notes] == [1, 2]
    assert data.decks == (ankicollection.AnkiDeck(None, "Genanki"), ankicollection.AnkiDeck(None, "Genanki::Deck"))


# -- the errors ---------------------------------------------------------------------------------------

def _error(path: Path) -> RccCardsError:
    with pytest.raises(RccCardsError) as caught:
        ankicollection.read(path)
    return caught.value


def test_a_text_file_named_apkg_is_not_an_anki_package(tmp_path: Path) -> None:
    path = tmp_path / "x.apkg"
    path.write_text("front,back\n", encoding="utf-8")
    error = _error(path)
    assert isinstance(error, ankicollection.NotAnAnkiFile)
    assert str(error) == (f"{path}: not an Anki package (.apkg, .colpkg: a zip) or collection (.anki2: an SQLite "
                          "file), but a text file; export the deck from Anki with File > Export")
    path.write_bytes(b"\x00\x01\xff binary")
    assert "but another kind of file;" in str(_error(path))
    path.write_bytes(b"")
    assert "but an empty file;" in str(_error(path))


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    error = _error(tmp_path / "nowhere.apkg")
    assert isinstance(error, ankicollection.NotAnAnkiFile)
    assert str(error) == f"{tmp_path / 'nowhere.apkg'}: cannot read it (No such file or directory); check the path"


def test_a_pipe_or_a_folder_is_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.apkg"
    os.mkfifo(fifo)
    error = _error(fifo)
    assert isinstance(error, ankicollection.NotAnAnkiFile)
    assert str(error) == f"{fifo}: not a regular file; give an exported .apkg or .colpkg, or a collection file (.anki2)"
    assert str(_error(tmp_path)) == (f"{tmp_path}: a folder; give an exported .apkg or .colpkg, or a collection file "
                                     "(.anki2) (an Anki profile folder holds collection.anki2)")


def test_a_zip_without_a_collection_is_not_an_anki_package(tmp_path: Path) -> None:
    path = tmp_path / "photos.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.jpg", b"jpeg")
    error = _error(path)
    assert isinstance(error, ankicollection.NotAnAnkiFile)
    assert str(error) == (f"{path}: a zip file without an Anki collection in it; "
                          "export the deck from Anki with File > Export")


@pytest.mark.parametrize("fmt", ["apkg", "legacy_apkg", "colpkg", "legacy_colpkg"])
def test_a_truncated_package_is_damaged(source: Source, tmp_path: Path, fmt: str) -> None:
    whole = getattr(source, fmt).read_bytes()
    path = tmp_path / f"cut.{fmt.rsplit('_', 1)[-1]}"
    path.write_bytes(whole[: len(whole) // 2])
    error = _error(path)
    assert isinstance(error, ankicollection.DamagedFile)
    assert str(error) == f"{path}: a damaged or truncated zip file (File is not a zip file); copy or export it again"


def _rewritten(original: Path, target: Path, entry: str, change: bytes | None) -> Path:
    """A copy of a package with one entry replaced (or, with ``None``, removed)."""
    with zipfile.ZipFile(original) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename != entry:
                new.writestr(info, old.read(info))
            elif change is not None:
                new.writestr(info, change)
    return target


@pytest.mark.parametrize(("fmt", "says"), [("apkg", "Anki cannot import it ("),
                                           ("colpkg", "Anki cannot read this collection package (")])
def test_a_package_with_a_damaged_collection_inside_is_damaged(source: Source, tmp_path: Path, fmt: str,
                                                               says: str) -> None:
    zstd_frame_of_zeros = b"\x28\xb5\x2f\xfd" + b"\0" * 64
    path = _rewritten(getattr(source, fmt), tmp_path / f"bad.{fmt}", "collection.anki21b", zstd_frame_of_zeros)
    error = _error(path)
    assert isinstance(error, ankicollection.DamagedFile)
    assert re.fullmatch(re.escape(f"{path}: {says}") + r".+" + re.escape("); export it again"), str(error)), error


def test_a_package_from_a_newer_anki_says_so(source: Source, tmp_path: Path) -> None:
    with zipfile.ZipFile(source.apkg) as archive:
        assert archive.read("meta") == b"\x08\x03"  # PackageMetadata(version=VERSION_LATEST)
    path = _rewritten(source.apkg, tmp_path / "future.apkg", "meta", b"\x08\x04")
    error = _error(path)
    assert isinstance(error, ankicollection.TooNew)
    assert str(error) == (f"{path}: written by a newer Anki (package version 4) than this backend reads; "
                          "upgrade anki (pip install -U anki) or export with 'Support older Anki versions' ticked")


def test_anki_itself_refuses_that_package_as_too_new(source: Source, tmp_path: Path) -> None:
    """The marker ankicollection checks is the one the backend checks: importing the same file fails."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.errors import BackendError

    path = _rewritten(source.apkg, tmp_path / "future.apkg", "meta", b"\x08\x04")
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        with pytest.raises(BackendError, match="requires a newer version of Anki"):
            col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path),
                                                             options=ImportAnkiPackageOptions()))
    finally:
        col.close()


def test_a_collection_from_a_newer_anki_says_so(source: Source, tmp_path: Path) -> None:
    path = tmp_path / "future.anki2"
    path.write_bytes(source.collection.read_bytes())
    with sqlite3.connect(path) as db:
        db.execute("update col set ver = 99")
    db.close()
    before = _sha(path)
    error = _error(path)
    assert isinstance(error, ankicollection.TooNew)
    assert str(error) == f"{path}: written by a newer Anki than this backend reads; upgrade anki (pip install -U anki)"
    assert _sha(path) == before


def test_an_sqlite_file_that_is_not_a_collection_is_refused_and_left_alone(tmp_path: Path) -> None:
    """Anki's backend would turn it into an empty collection in place; the copy is checked first."""
    path = tmp_path / "other.anki2"
    with sqlite3.connect(path) as db:
        db.execute("create table recipes (name text)")
    db.close()
    before = _sha(path)
    error = _error(path)
    assert isinstance(error, ankicollection.NotAnAnkiFile)
    assert str(error) == (f"{path}: an SQLite file but not an Anki collection; "
                          "give a collection.anki2 or an exported .apkg")
    assert _sha(path) == before


def test_a_truncated_collection_file_is_damaged(source: Source, tmp_path: Path) -> None:
    path = tmp_path / "cut.anki2"
    whole = source.collection.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])
    error = _error(path)
    assert isinstance(error, ankicollection.DamagedFile), error
    assert str(error).startswith(f"{path}: ")
    assert str(error).endswith("check it in Anki with Tools > Check Database")


def test_an_empty_package_has_no_notes(tmp_path: Path) -> None:
    path = tmp_path / "empty.apkg"
    genanki.Package(genanki.Deck(1, "Nothing here")).write_to_file(str(path))
    error = _error(path)
    assert isinstance(error, ankicollection.EmptyDeck)
    assert str(error) == f"{path}: it holds no notes; export a deck that has cards"


def test_an_empty_collection_has_no_notes(tmp_path: Path) -> None:
    path = tmp_path / "empty.anki2"
    Collection(str(path)).close()
    error = _error(path)
    assert isinstance(error, ankicollection.EmptyDeck)


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def test_temporary_folders_are_removed_after_reading_and_after_every_error(
        source: Source, tmp_path: Path, own_tempdir: Path) -> None:
    ankicollection.read(source.apkg)
    ankicollection.read(source.colpkg)
    ankicollection.read(source.collection)
    empty = tmp_path / "empty.apkg"
    genanki.Package(genanki.Deck(1, "Nothing")).write_to_file(str(empty))
    bad = _rewritten(source.apkg, tmp_path / "bad.apkg", "collection.anki21b", b"\x28\xb5\x2f\xfd" + b"\0" * 64)
    future = tmp_path / "future.anki2"
    future.write_bytes(source.collection.read_bytes())
    with sqlite3.connect(future) as db:
        db.execute("update col set ver = 99")
    db.close()
    for path in (empty, bad, future):
        with pytest.raises(RccCardsError):
            ankicollection.read(path)
    assert [p.name for p in own_tempdir.iterdir() if p.name.startswith("rcc-cards-read-")] == []


# -- media references ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "names"), [
    ('<img src="a.png">', ("a.png",)),
    ("<img src='a.png'>", ("a.png",)),
    ("<img src=a.png>", ("a.png",)),
    ('<IMG class="x" SRC="b c.jpg" alt="">', ("b c.jpg",)),
    ('<img alt="" src="a&amp;b&#39;s.png">', ("a&b's.png",)),
    ("x [sound:hello world.mp3] y [sound:two.ogg]", ("hello world.mp3", "two.ogg")),
    ('<img src="a.png"><img src="a.png">[sound:a.png]', ("a.png",)),
    ('<img src="https://example.org/a.png"> <img src="data:image/png;base64,xx">', ()),
    ('<audio src="s.mp3"></audio> <object data="o.svg"></object>', ("s.mp3", "o.svg")),
    ("<b>no media</b> [sound:] <img>", ()),
])
def test_media_references(field: str, names: tuple[str, ...]) -> None:
    assert ankicollection.media_references(field) == names


def test_media_references_agree_with_ankis_own(tmp_path: Path) -> None:
    fields = ['<img src="a.png">', "<img src='q.png' >", "<img src=u.png>", "[sound:s s.mp3]",
              '<img class="x" src="c.gif">', '<object data="o.svg">', "<img src='http://x/y.png'>"]
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        basic = col.models.by_name("Basic")
        assert basic is not None
        for field in fields:
            found = col.media.files_in_str(NotetypeId(basic["id"]), field)
            assert list(ankicollection.media_references(field)) == found
    finally:
        col.close()


# -- the import boundary ------------------------------------------------------------------------------

def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)


def test_importing_the_module_does_not_import_anki() -> None:
    result = _python("import sys, rcc_cards.ankicollection\n"
                     "print(sorted(m for m in sys.modules if m.startswith('anki')))")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_without_anki_the_error_says_what_to_install(tmp_path: Path) -> None:
    result = _python("import sys; sys.modules['anki'] = None\n"
                     "from pathlib import Path\nfrom rcc_cards import ankicollection\n"
                     "try:\n    ankicollection.read(Path('any.apkg'))\n"
                     "except ankicollection.AnkiMissing as error:\n"
                     "    print(isinstance(error, ankicollection.RccCardsError), error)\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("True reading Anki files needs the anki package; "
                             "install with `pip install 'rcc-cards[anki]'`\n")


def test_only_ankicollection_imports_anki() -> None:
    src = REPO / "src" / "rcc_cards"
    importers = {str(p.relative_to(src)) for p in src.rglob("*.py")
                 if re.search(r"^\s*(import|from) anki\b", p.read_text(encoding="utf-8"), re.MULTILINE)}
    assert importers == {"ankicollection.py"}


def test_the_anki_extra_pins_the_version_the_tests_use() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    pins = re.findall(r'"anki==([\d.]+)"', text)
    assert len(pins) == 2 and len(set(pins)) == 1, pins
    assert re.search(r'^anki = \["anki==[\d.]+"\]$', text, re.MULTILINE)
