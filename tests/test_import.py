"""``rcc-cards import`` (issue 21): field HTML as plain text, the deck file's YAML read back exactly, the
mapping of notes to cards on plain values, and the command on real Anki files made with the ``anki``
package (a current and a legacy ``.apkg``, a ``.colpkg``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions
from anki.decks import DeckId

from conftest import NO_COVERAGE, add_note, import_apkg, run, write_deck
from rcc_cards import adopt, cloze, htmltext, loader
from rcc_cards.ankicollection import AnkiCard, AnkiDeckData, AnkiField, AnkiNote, AnkiNoteType, AnkiTemplate

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
MP3 = b"ID3\x03\x00" + b"\xff\xfb" * 100


# -- HTML -> plain text --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "text", "dropped"), [
    ("plain", "plain", ()),
    ("a<br>b", "a\nb", ()),
    ("a<br/>b<BR>c", "a\nb\nc", ()),
    ("<div>a</div><div>b</div>", "a\nb", ()),
    ("a<div>b</div>", "a\nb", ()),
    ("a<div><br></div><div>b</div>", "a\n\nb", ()),
    ("<p>a</p><p>b</p>", "a\nb", ()),
    ("x&nbsp;&lt;&nbsp;y &amp; z &quot;q&quot; &#91;", "x\xa0<\xa0y & z \"q\" [", ()),
    ("<b>bold</b> and <i>it</i>", "bold and it", ("b", "i")),
    ('<span style="color: red">red</span> <font color=x>f</font>', "red f", ("font", "span")),
    ("H<sub>2</sub>O", "H2O", ("sub",)),
    ("<ul><li>one</li><li>two</li></ul>", "- one\n- two", ("li", "ul")),
    ("Items:<ol><li>one</li></ol>after", "Items:\n- one\nafter", ("li", "ol")),
    ('a <img src="x.png"> b', "a  b", ()),
    ("a helix [sound:dna.mp3]", "a helix", ()),
    ("a<script>alert(1)</script>b", "ab", ("script",)),
    ("line\none", "line one", ()),
    ("  <br> padded <br> ", "padded", ()),
    ("a\x1fb\x07c", "abc", ()),
    ("<!-- note -->text", "text", ("<!-- -->",)),
])
def test_field_html_becomes_plain_text(field: str, text: str, dropped: tuple[str, ...]) -> None:
    assert htmltext.plain(field) == (text, dropped)


# -- the YAML written reads back exactly -----------------------------------------------------------------
TRICKY = ["no", "yes", "off", "1.10", "012", "1:20", "2024-01-01", "~", "null", "#", "C# is #1", "a: b",
          "key: value # not a comment", "'single'", '"double"', "back\\slash", "tab\there", "ünïcødé 日本語 🧬",
          "  leading spaces", "trailing spaces  ", "line one\nline two", "para\n\nbreak", "&anchor", "*alias",
          "!tag", "@at", "`tick", "%percent", "- dash", "? question", "{{c1::not a cloze here}}", "[list]",
          "{map: 1}", "|", ">", "e\u0301", "\u200bzero width", "nbsp\xa0here", "\u2028 line separator",
          "\ufeffbom"]


def test_quoted_is_valid_yaml_for_every_text() -> None:
    import yaml

    for text in TRICKY:
        assert yaml.safe_load(f"v: {adopt.quoted(text)}") == {"v": text}, text


def _card(index: int, text: str) -> adopt.Card:
    return adopt.Card(f"c{index}", f"g{index}", "basic", f"{index} {text}", text, ("topic::x",))


def test_the_deck_file_reads_back_every_text_exactly(tmp_path: Path) -> None:
    """What the loader finds in the written deck is exactly the mapped text (texts the format refuses anyway,
    such as control characters, never reach the writer: htmltext removes them)."""
    texts = [t for t in TRICKY if t.strip() and "\t" not in t]
    cards = tuple(_card(i, t) for i, t in enumerate(texts))
    adopted = adopt.Adopted("Deck::Sub", (adopt.Section("s", "Title: no #", cards, ()),), len(cards), ())
    header = adopt.Header("d", "Deck::Sub", "T", "source.txt", "no", ("a comment",))
    (tmp_path / "source.txt").write_text("A source.\n", encoding="utf-8")
    path = tmp_path / "d.yaml"
    path.write_text(adopt.deck_text(adopted, header, {}).text, encoding="utf-8")
    deck, problems = loader.load_file(path)
    assert [p for p in problems if p.is_error] == []
    assert deck is not None
    assert deck.name == "Deck::Sub" and deck.source.as_of == "no" and deck.sections[0].title == "Title: no #"
    read = list(deck.cards())
    assert [(c.id, c.front, c.back, c.tags) for c in read] == [(c.id, c.front, c.back, c.tags) for c in cards]


# -- the mapping, on plain values --------------------------------------------------------------------------
BASIC = AnkiNoteType(1, "Basic", "basic", (AnkiField("Front", 1), AnkiField("Back", 2)),
                     (AnkiTemplate("Card 1", "{{Front}}", "{{Back}}", 3),), "")
REVERSED = AnkiNoteType(2, "Basic (and reversed card)", "basic", BASIC.fields,
                        (*BASIC.templates, AnkiTemplate("Card 2", "{{Back}}", "{{Front}}", 4)), "")
OPTIONAL = AnkiNoteType(3, "Basic (optional reversed card)", "basic", (*BASIC.fields, AnkiField("Add Reverse", 5)),
                        REVERSED.templates, "")
CLOZE = AnkiNoteType(4, "Cloze", "cloze", (AnkiField("Text", 6), AnkiField("Back Extra", 7)),
                     (AnkiTemplate("Cloze", "{{cloze:Text}}", "{{cloze:Text}}", 8),), "")
WIDE = AnkiNoteType(5, "Vocabulary", "basic", (*BASIC.fields, AnkiField("Example", 9)), BASIC.templates, "")


def _note(guid: str, note_type: AnkiNoteType, fields: tuple[str, ...], deck: str = "Top",
          tags: tuple[str, ...] = (), cards: int = 1) -> AnkiNote:
    from rcc_cards.ankicollection import media_references

    return AnkiNote(guid, note_type.id, fields, tags,
                    tuple(AnkiCard(i, "Card", deck, False) for i in range(cards)),
                    tuple(n for f in fields for n in media_references(f)))


def _data(*notes: AnkiNote) -> AnkiDeckData:
    return AnkiDeckData(Path("x.apkg"), (), (BASIC, REVERSED, OPTIONAL, CLOZE, WIDE), notes, ("a.png", "b.png"))


def test_note_types_map_to_card_kinds() -> None:
    data = _data(_note("g1", BASIC, ("What is it?", "This")),
                 _note("g2", REVERSED, ("IL-2", "interleukin-2"), cards=2),
                 _note("g3", OPTIONAL, ("RNA", "single strand", "y"), cards=2),
                 _note("g4", OPTIONAL, ("DNA", "double strand", ""), cards=1),
                 _note("g5", CLOZE, ("{{c1::ATP}} is made", "<i>in</i> mitochondria")))
    adopted = adopt.adopt(data, "Top", set(), {})
    assert [(c.id, c.guid, c.kind, c.front, c.back) for c in adopted.cards()] == [
        ("what-is-it", "g1", "basic", "What is it?", "This"),
        ("il-2", "g2", "reverse", "IL-2", "interleukin-2"),
        ("rna", "g3", "reverse", "RNA", "single strand"),
        ("dna", "g4", "basic", "DNA", "double strand"),
        ("atp-is-made", "g5", "cloze", "{{c1::ATP}} is made", "in mitochondria"),
    ]
    assert [str(d) for d in adopted.dropped] == [
        "note g5 (card 'atp-is-made'): markup dropped from field 'Back Extra' (i); its text is kept"]


def test_subdecks_become_sections_with_unique_keys() -> None:
    data = _data(_note("g1", BASIC, ("one", "1"), deck="Top"),
                 _note("g2", BASIC, ("two", "2"), deck="Top::Cell biology"),
                 _note("g3", BASIC, ("three", "3"), deck="Top::Cell biology::Membranes"),
                 _note("g4", BASIC, ("four", "4"), deck="Top::Cell-Biology"),
                 _note("g5", BASIC, ("five", "5"), deck="Other"))
    adopted = adopt.adopt(data, "Top", set(), {})
    assert adopted.notes_read == 4

    def shape(section: adopt.Section) -> tuple[object, ...]:
        return (section.key, section.title, [c.id for c in section.cards], [shape(s) for s in section.sections])

    assert [shape(s) for s in adopted.sections] == [
        ("top", "Top", ["one"], []),
        ("cell_biology", "Cell biology", ["two"], [("membranes", "Membranes", ["three"], [])]),
        ("cell_biology_2", "Cell-Biology", ["four"], []),
    ]


def test_card_ids_are_readable_and_unique_in_the_project() -> None:
    data = _data(_note("g1", BASIC, ("What do <b>mitochondria</b> make in cells of the body?", "ATP")),
                 _note("g2", BASIC, ("What do mitochondria make in cells of the liver?", "ATP")),
                 _note("g3", BASIC, ("¿Qué? ¡Ñandú!", "x")), _note("g4", BASIC, ("!!!", "x")))
    used = {"que-nandu"}
    ids = [c.id for c in adopt.adopt(data, "Top", used, {}).cards()]
    assert ids == ["what-do-mitochondria-make-in-cells", "what-do-mitochondria-make-in-cells-2", "que-nandu-2", "card"]
    assert "card" in used


def test_a_label_most_fronts_share_is_left_out_of_the_ids() -> None:
    """A deck whose fronts mostly start with its subject (``Stage IV RCC: …``, ``Stage IV RCC, IL-2: …``)
    gets ids from what follows; a label only some fronts share, or a front with no label, keeps its words."""
    fronts = ["Stage IV RCC: what is the response rate?", "Stage IV RCC, interferon-alpha: in general, which "
              "patients?", "stage IV  RCC: what dose?", "Interferon-alpha: which trials?", "IL-2 (a cytokine)"]
    assert adopt.shared_label(fronts) == "stage iv rcc"
    data = _data(*(_note(f"g{i}", BASIC, (front, "x")) for i, front in enumerate(fronts)))
    assert [c.id for c in adopt.adopt(data, "Top", set(), {}).cards()] == [
        "what-is-the-response-rate", "interferon-alpha-in-general-which-patients", "what-dose",
        "interferon-alpha-which-trials", "il-2-a-cytokine"]
    assert adopt.shared_label(fronts[:2] + ["Other: x?", "Other: y?", "Third: z?"]) == ""  # 2 of 5
    assert adopt.shared_label(["A: b?", "A: c?"]) == ""  # fewer than three


def test_what_cannot_be_carried_is_reported_with_the_reason() -> None:
    data = _data(_note("g1", BASIC, ("", "answer")),
                 _note("g2", BASIC, ("front", "")),
                 _note("g3", CLOZE, ("no deletion", "")),
                 _note("g4", CLOZE, ("{{c1::a}} {{c1:b}}", "")),
                 _note("g5", WIDE, ("word", "meaning", "an <b>example</b>")),
                 _note("g6", BASIC, ("Word", "other")),
                 _note("g7", BASIC, ('two <img src="a.png"><img src="b.png">', '<img src="c.png"> [sound:d.txt]'),
                       tags=("ok::tag", "bad:tag", "OK::tag"), deck="Top"))
    adopted = adopt.adopt(data, "Top", set(), {"a.png": 10, "b.png": 10})
    assert [(c.id, c.image, c.tags) for c in adopted.cards()] == [("word", "", ()), ("two", "a.png", ("ok::tag",))]
    assert adopted.notices[-1] == (
        "note type 'Vocabulary' is kept (same id, fields, card types and styling), so a build updates its notes in "
        "place; its field 'Back' shows rcc-cards' back matter after the answer (extra, context, source, card id); "
        "WARNING: its field 'Example' will be EMPTIED in the learner's notes when a build updates them (rcc-cards "
        "carries no text there)")
    assert [str(d) for d in adopted.dropped] == [
        "note g1: not carried: its field 'Front' has no text (an rcc-cards card needs a front)",
        "note g2: not carried: its field 'Back' has no text (an rcc-cards card needs an answer)",
        "note g3: not carried: its cloze text is not valid in rcc-cards: "
        + cloze.parse("no deletion")[1][0].message,
        "note g4: not carried: its cloze text is not valid in rcc-cards: "
        + cloze.parse("{{c1::a}} {{c1:b}}")[1][0].message,
        "note g5 (card 'word'): markup dropped from field 'Example' (b); its text is kept",
        "note g5 (card 'word'): field 'Example' is not carried (its text: 'an example')",
        "note g6: not carried: its front reads like the front of card 'word' (rcc-cards needs every front to differ)",
        "note g7 (card 'two'): media of field 'Back' (c.png, d.txt) is shown with the question: an rcc-cards card "
        "shows its image and sound on both sides",
        "note g7 (card 'two'): its answer is only media: the answer reads '(see the image)', and the media is "
        "shown with the question",
        "note g7 (card 'two'): image 'b.png' is not carried: an rcc-cards card has one image",
        "note g7 (card 'two'): media file 'c.png' is not carried: it is not in the file",
        "note g7 (card 'two'): media file 'd.txt' is not carried: not an image or sound type rcc-cards knows",
        "note g7 (card 'two'): tag 'bad:tag' is not carried: tag 'bad:tag' has a single ':'; levels are separated "
        "by '::'. Did you mean 'bad::tag'?",
    ]


# -- the command, on real Anki files ---------------------------------------------------------------------
@dataclass(frozen=True)
class Files:
    apkg: Path
    legacy_apkg: Path
    colpkg: Path
    two_tops: Path
    guids: dict[str, str]


def _export(col: Collection, deck: int, path: Path, legacy: bool) -> None:
    col.export_anki_package(out_path=str(path), limit=DeckIdLimit(DeckId(deck)),
                            options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False,
                                                             with_media=True, legacy=legacy))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    folder = tmp_path_factory.mktemp("anki-import")
    col = Collection(str(folder / "collection.anki2"))
    top, cells, genes = col.decks.id("Biology"), col.decks.id("Biology::Cells"), col.decks.id("Biology::Genes")
    other = col.decks.id("Chemistry")
    assert top and cells and genes and other
    col.media.write_data("cell.png", PNG)
    col.media.write_data("dna.mp3", MP3)
    guids = {}
    guids["cell"] = add_note(col, "Basic", cells, ["<b>Cell</b> membrane<br>keeps&nbsp;ions in &amp; out",
                                               '<img src="cell.png">'], ["biology::cells::membrane", "exam"])
    guids["dna"] = add_note(col, "Basic (and reversed card)", genes, ["DNA", "a helix [sound:dna.mp3]"],
                        ["biology::genes"])
    guids["rna"] = add_note(col, "Basic (optional reversed card)", genes, ["RNA", "single strand", "y"], [])
    guids["protein"] = add_note(col, "Basic (optional reversed card)", top, ["Protein", "amino acids", ""], ["bad:tag"])
    guids["cloze"] = add_note(col, "Cloze", cells, ["{{c1::Mitochondria}} make {{c2::ATP}}", "in cells"],
                          ["biology::cells"])
    add_note(col, "Basic", other, ["Water", "H<sub>2</sub>O"], [])
    _export(col, top, folder / "biology.apkg", legacy=False)
    _export(col, top, folder / "biology-legacy.apkg", legacy=True)
    col.export_collection_package(str(folder / "whole.colpkg"), include_media=True, legacy=False)
    col.close()
    col = Collection(str(folder / "collection.anki2"))
    col.export_collection_package(str(folder / "whole-again.colpkg"), include_media=True, legacy=False)
    col.close()
    return Files(folder / "biology.apkg", folder / "biology-legacy.apkg", folder / "whole.colpkg",
                 folder / "whole-again.colpkg", guids)


EXPECTED_OUTPUT = [
    "read 5 notes of deck 'Biology' from {file}",
    "wrote decks/biology.yaml: 5 cards (2 q/a, 2 q/a with reverse, 1 cloze)",
    "wrote decks/sources/biology.txt: a placeholder source, to replace with the cards' source text",
    "wrote decks/biology.lock.json: each card stamped with its note's time in Anki (a build updates only the notes "
    "that change)",
    "wrote 2 media files into decks/media/biology",
    "wrote decks/biology.notetypes.json: the Anki note types the cards keep",
    "  note type 'Basic' is kept (same id, fields, card types and styling), so a build updates its notes in "
    "place; its field 'Back' shows rcc-cards' back matter after the answer (extra, context, source, card id)",
    *(f"  note type '{name}' is kept (same id, fields, card types and styling), so a build updates its notes in "
      "place; its field 'Back' shows rcc-cards' back matter after the answer (extra, context, source, card id) "
      "(a reverse card asks with 'Back': there the back matter is folded, closed, under 'Source and notes "
      "(rcc-cards)')"
      for name in ("Basic (and reversed card)", "Basic (optional reversed card)")),
    "  note type 'Cloze' is kept (same id, fields, card types and styling), so a build updates its notes in place; "
    "its field 'Back Extra' shows rcc-cards' back matter (extra, context, source, card id)",
    "not carried exactly (5):",
    "  note {g_cell} (card 'cell-membrane-keeps-ions-in-out'): markup dropped from field 'Front' (b); its text "
    "is kept",
    "  note {g_cell} (card 'cell-membrane-keeps-ions-in-out'): its answer is only media: the answer reads "
    "'(see the image)', and the media is shown with the question",
    "  note {g_cell} (card 'cell-membrane-keeps-ions-in-out'): media of field 'Back' (cell.png) is shown with "
    "the question: an rcc-cards card shows its image and sound on both sides",
    "  note {g_dna} (card 'dna'): media of field 'Back' (dna.mp3) is shown with the question: an rcc-cards card "
    "shows its image and sound on both sides",
    "  note {g_protein} (card 'protein'): tag 'bad:tag' is not carried: tag 'bad:tag' has a single ':'; levels "
    "are separated by '::'. Did you mean 'bad::tag'?",
    "next: replace decks/sources/biology.txt with the source text, quote it on each card, then: rcc-cards check "
    "decks/biology.yaml",
]


@pytest.mark.parametrize("which", ["apkg", "legacy_apkg", "colpkg", "collection"])
def test_import_writes_a_deck_that_check_accepts(files: Files, tmp_path: Path, which: str) -> None:
    path = files.apkg.parent / "collection.anki2" if which == "collection" else getattr(files, which)
    before = path.read_bytes()
    args = ["import", str(path)] + (["--deck", "biology"] if which in ("colpkg", "collection") else [])
    result = run(args, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    guids = files.guids
    lines = result.output.splitlines()
    assert lines[0] == f"read 5 notes of deck 'Biology' from {path}"
    expected = [line.format(file=path, **{f"g_{k}": v for k, v in guids.items()}) for line in EXPECTED_OUTPUT]
    assert lines[:11] == expected[:11] and sorted(lines[11:]) == sorted(expected[11:])
    assert (tmp_path / "decks" / "media" / "biology" / "cell.png").read_bytes() == PNG
    assert (tmp_path / "decks" / "media" / "biology" / "dna.mp3").read_bytes() == MP3
    check = run(["check"], cwd=tmp_path)
    assert check.exit_code == 0, check.output
    assert check.stdout == "ok: 1 deck, 5 notes, 8 cards, 5 tags; 0 of 1 sentences covered, 0 excused\n"
    assert "error" not in check.stderr
    assert "its header still says 'TO COMPLETE' (lines 4, 5)" in check.stderr  # the placeholder: --strict fails
    assert path.read_bytes() == before  # the file read is never modified


def test_the_deck_file_as_written(files: Files, tmp_path: Path) -> None:
    assert run(["import", str(files.apkg)], cwd=tmp_path).exit_code == 0
    text = (tmp_path / "decks" / "biology.yaml").read_text(encoding="utf-8")
    body = text[text.index("sections:"):]
    assert body == DECK_BODY.replace("{{", "{{{{").replace("}}", "}}}}").format(
        **{name: adopt.quoted(guid) for name, guid in files.guids.items()})


DECK_BODY = """\
sections:
  - key: biology
    title: "Biology"
    cards:
      - id: protein
        guid: {protein}
        note_type: "Basic (optional reversed card)"
        q: "Protein"
        a: "amino acids"
  - key: cells
    title: "Cells"
    cards:
      - id: cell-membrane-keeps-ions-in-out
        guid: {cell}
        note_type: "Basic"
        q: "Cell membrane\\nkeeps\u00a0ions in & out"
        a: "(see the image)"
        image: "media/biology/cell.png"
        tags: ["biology::cells::membrane", "exam"]
      - id: mitochondria-make-atp
        guid: {cloze}
        note_type: "Cloze"
        cloze: "{{c1::Mitochondria}} make {{c2::ATP}}"
        extra: "in cells"
        tags: ["biology::cells"]
  - key: genes
    title: "Genes"
    cards:
      - id: dna
        guid: {dna}
        note_type: "Basic (and reversed card)"
        q: "DNA"
        a: "a helix"
        reverse: true
        audio: "media/biology/dna.mp3"
        tags: ["biology::genes"]
      - id: rna
        guid: {rna}
        note_type: "Basic (optional reversed card)"
        q: "RNA"
        a: "single strand"
        reverse: true
"""


def test_a_file_with_several_top_level_decks_asks_which(files: Files, tmp_path: Path) -> None:
    result = run(["import", str(files.two_tops)], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (f"rcc-cards: error: {files.two_tops}: it holds 2 top-level decks; pick one with "
                             "--deck NAME:\n  Biology (5 notes)\n  Chemistry (1 note)\n")
    assert not (tmp_path / "decks").exists()
    wrong = run(["import", str(files.two_tops), "--deck", "Physics"], cwd=tmp_path)
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith(f"rcc-cards: error: {files.two_tops}: no deck named 'Physics' holds notes")
    sub = run(["import", str(files.two_tops), "--deck", "Biology::Genes", "--key", "genes"], cwd=tmp_path)
    assert sub.exit_code == 0, sub.output
    assert sub.output.splitlines()[1] == "wrote decks/genes.yaml: 2 cards (2 q/a with reverse)"


def test_nothing_is_overwritten_and_keys_and_ids_stay_unique(files: Files, tmp_path: Path) -> None:
    write_deck(tmp_path / "decks", "      - id: protein\n        q: Question one\n        a: answer one\n"
               "        quote: Question one has answer one.\n", key="biology", deck_lines=NO_COVERAGE)
    before = {p: p.read_bytes() for p in (tmp_path / "decks").rglob("*") if p.is_file()}
    again = run(["import", str(files.apkg), "--key", "biology"], cwd=tmp_path)
    assert again.exit_code == 2  # a usage error, as Click's own
    assert again.stderr.endswith("Error: Invalid value for '--key': is already the key of a deck of this project; "
                                 "each deck needs its own. Pick another key\n")
    second = run(["import", str(files.apkg)], cwd=tmp_path)
    assert second.exit_code == 0, second.output
    assert second.output.splitlines()[1].startswith("wrote decks/biology_2.yaml: 5 cards")
    text = (tmp_path / "decks" / "biology_2.yaml").read_text(encoding="utf-8")
    assert "- id: protein-2" in text and "media/biology_2/cell.png" in text
    assert {p: p.read_bytes() for p in before} == before
    assert run(["check"], cwd=tmp_path).exit_code == 0
    same = run(["import", str(files.apkg)], cwd=tmp_path)
    assert same.exit_code == 1
    assert same.stderr.startswith(f"rcc-cards: error: {files.apkg}: no note of deck 'Biology' can be carried:\n")
    assert (f"  note {files.guids['protein']}: not carried: it is already in the project, as card 'protein-2' of "
            "decks/biology_2.yaml (imported before); to bring back fixes made in Anki, use 'rcc-cards pull'") in \
        same.stderr.splitlines(), same.stderr
    (tmp_path / "decks" / "sources" / "biology_3.txt").write_text("mine\n", encoding="utf-8")
    refused = run(["import", str(files.two_tops), "--deck", "Chemistry", "--key", "biology_3"], cwd=tmp_path)
    assert refused.exit_code == 1
    assert refused.stderr == ("rcc-cards: error: decks/sources/biology_3.txt already exists; rcc-cards never "
                              "overwrites a file. Name the new deck with --key KEY\n")
    assert not (tmp_path / "decks" / "biology_3.yaml").exists()


def test_an_unreadable_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "notes.apkg").write_text("not a zip", encoding="utf-8")
    result = run(["import", "notes.apkg"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == ("rcc-cards: error: notes.apkg: not an Anki package (.apkg, .colpkg: a zip) or "
                             "collection (.anki2: an SQLite file), but a text file; export the deck from Anki with "
                             "File > Export\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.apkg"]


# -- identity: an adopted card keeps its note's GUID ----------------------------------------------------
GUID_CARD = ('      - id: {id}\n        guid: {guid}\n        q: Question {n}\n        a: answer {n}\n'
             '        unsourced: background\n')


def test_a_card_guid_is_read_and_checked(tmp_path: Path) -> None:
    write_deck(tmp_path / "decks", GUID_CARD.format(id="c1", guid='"c;bJ1z]Yt("', n="one"), deck_lines=NO_COVERAGE)
    assert run(["check"], cwd=tmp_path).exit_code == 0
    deck, _ = loader.load_file(tmp_path / "decks" / "t.yaml")
    assert deck is not None and [c.guid for c in deck.cards()] == ["c;bJ1z]Yt("]
    write_deck(tmp_path / "decks", GUID_CARD.format(id="c1", guid='"bad guid"', n="one"), deck_lines=NO_COVERAGE)
    bad = run(["check"], cwd=tmp_path)
    assert bad.exit_code == 1
    assert bad.stderr.splitlines()[0] == (
        "decks/t.yaml:14:15: error: section 's' > card 'c1': guid 'bad guid' is not valid: use an Anki GUID: "
        "letters, digits and punctuation, no quotes or spaces (at most 100 characters). Did you mean 'bad-guid'?")


def test_duplicate_guid_is_an_error_across_decks(tmp_path: Path) -> None:
    write_deck(tmp_path / "decks", GUID_CARD.format(id="c1", guid="g1", n="one"), deck_lines=NO_COVERAGE)
    write_deck(tmp_path / "decks" / "b", GUID_CARD.format(id="c2", guid="g2", n="two"), key="u", name="Other",
               deck_lines=NO_COVERAGE)
    assert run(["check"], cwd=tmp_path).exit_code == 0
    write_deck(tmp_path / "decks" / "b", GUID_CARD.format(id="c2", guid="g1", n="two"), key="u", name="Other",
               deck_lines=NO_COVERAGE)
    result = run(["check"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "decks/t.yaml:14:15: error: card 'c1': guid 'g1' is also the guid of card 'c2' at decks/b/u.yaml:14; each "
        "note needs its own. Keep it on the card learners study, and remove it from the other [duplicate-guid]")


def test_a_guid_that_is_another_cards_derived_guid_is_an_error(tmp_path: Path) -> None:
    from rcc_cards.compiler import note_guid

    cards = GUID_CARD.format(id="c1", guid=adopt.quoted(note_guid("t", "c2")), n="one") + (
        "      - id: c2\n        q: Question two\n        a: answer two\n        unsourced: background\n")
    write_deck(tmp_path / "decks", cards, deck_lines=NO_COVERAGE)
    result = run(["check"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].endswith(
        "(from its deck key and id): both would be one note in Anki. Import the deck only once; remove one of the "
        "two cards [duplicate-guid]")


def test_the_build_writes_the_cards_guid_and_a_renamed_card_keeps_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_deck(tmp_path / "decks", GUID_CARD.format(id="c1", guid='"c;bJ1z]Yt("', n="one"), deck_lines=NO_COVERAGE)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) - 100))
    assert run(["build"], cwd=tmp_path).exit_code == 0
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        assert len(import_apkg(col, tmp_path / "build" / "t.apkg").new) == 1
        assert col.db.list("select guid from notes") == ["c;bJ1z]Yt("]  # type: ignore[union-attr]
        deck = tmp_path / "decks" / "t.yaml"
        deck.write_text(deck.read_text(encoding="utf-8").replace("id: c1", "id: c1-renamed")
                        .replace("answer one", "answer one, renamed"), encoding="utf-8")
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(time.time()) - 50))
        assert run(["build"], cwd=tmp_path).exit_code == 0
        log = import_apkg(col, tmp_path / "build" / "t.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 1, 0)
        assert col.db.list("select guid from notes") == ["c;bJ1z]Yt("]  # type: ignore[union-attr]
    finally:
        col.close()


def test_imported_cards_keep_their_notes_guids_and_note_types(files: Files, tmp_path: Path) -> None:
    """Each card carries its note's GUID and note type: a build of the imported deck updates the learner's
    notes in place; its first build changes none of them: each is stamped with its time in Anki (measured: 0
    new, 0 updated, 5 duplicates, 0 conflicting; once a learner's note is older, 5 updated)."""
    assert run(["import", str(files.apkg)], cwd=tmp_path).exit_code == 0
    deck, _ = loader.load_file(tmp_path / "decks" / "biology.yaml")
    assert deck is not None
    assert sorted(c.guid for c in deck.cards()) == sorted(
        g for name, g in files.guids.items() if name in ("cell", "dna", "protein", "rna", "cloze"))
    assert run(["build"], cwd=tmp_path).exit_code == 0
    original = files.apkg.parent / "collection.anki2"
    copy = tmp_path / "original.anki2"
    copy.write_bytes(original.read_bytes())
    col = Collection(str(copy))
    try:
        log = import_apkg(col, tmp_path / "build" / "biology.apkg")
        assert (len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)) == (0, 0, 5, 0)
        assert col.db is not None
        col.db.execute("update notes set mod = mod - 3600")  # the package is newer than the learner's notes
        log = import_apkg(col, tmp_path / "build" / "biology.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 5, 0)
    finally:
        col.close()


# -- note types: a deck's note_types file and a card's note_type -------------------------------------------
def _typed_deck(tmp_path: Path, types_text: str, note_type: str = "Basic") -> Path:
    (tmp_path / "decks").mkdir(parents=True, exist_ok=True)
    (tmp_path / "decks" / "t.notetypes.json").write_text(types_text, encoding="utf-8")
    card = (f"      - id: c1\n        note_type: {adopt.quoted(note_type)}\n        q: Question one\n"
            "        a: answer one\n        unsourced: background\n")
    return write_deck(tmp_path / "decks", card, deck_lines=NO_COVERAGE + '  note_types: "t.notetypes.json"\n')


def test_a_note_types_file_round_trips_and_cards_name_their_type(tmp_path: Path) -> None:
    from rcc_cards import kinds
    from rcc_cards.loader import notetypes

    adopted = adopt.adopted_note_types(_data(), {"Basic", "Cloze"})
    assert notetypes.parse(notetypes.text(adopted)) == (adopted, "")
    path = _typed_deck(tmp_path, notetypes.text(adopted))
    deck, problems = loader.load_file(path)
    assert deck is not None and [p for p in problems if p.is_error] == []
    card = next(deck.cards())
    assert kinds.note_type(deck, card) == adopted[0] and adopted[0].name == "Basic"


@pytest.mark.parametrize(("types_text", "note_type", "message"), [
    ("[", "Basic", "deck: note types file 't.notetypes.json': not valid JSON (Expecting value, line 1)"),
    ('[{"kind": "basic", "name": "Basic", "id": "x"}]', "Basic",
     "deck: note types file 't.notetypes.json': note type 1 ('Basic'): 'fields' must be a list, got None"),
    (None, "Other", "card 'c1': note type 'Other' is not in the deck's 'note_types' file; it has 'Basic', 'Cloze'"),
    (None, "Cloze", "card 'c1': note type 'Cloze' cannot show a basic card; remove 'note_type' (the card then gets "
                    "rcc-cards' own note type, and Anki a new note)"),
])
def test_a_bad_note_types_file_or_note_type_is_an_error(tmp_path: Path, types_text: str | None, note_type: str,
                                                         message: str) -> None:
    from rcc_cards.loader import notetypes

    both = adopt.adopted_note_types(_data(), {"Basic", "Cloze"})
    text = types_text if types_text is not None else notetypes.text(both)
    _, problems = loader.load_file(_typed_deck(tmp_path, text, note_type))
    assert [p.message for p in problems if p.is_error] == [message]


def test_a_note_type_with_one_field_is_named_and_nothing_is_written_when_no_note_can_be_carried(
        tmp_path: Path) -> None:
    """Real collection, custom one-field note types: a question without an answer field is not carried,
    and a file holding only such notes is one error, exit 1, nothing written; a one-field cloze is carried
    under rcc-cards' own note type, without its GUID (the report says learners get a new note)."""
    path = tmp_path / "collection.anki2"
    col = Collection(str(path))
    models = col.models
    for name, is_cloze in (("Prompt only", False), ("Cloze only", True)):
        notetype = models.new(name)
        if is_cloze:
            notetype["type"] = 1
        models.add_field(notetype, models.new_field("Text"))
        template = models.new_template("Card 1")
        template["qfmt"], template["afmt"] = ("{{cloze:Text}}", "{{cloze:Text}}") if is_cloze else ("{{Text}}",
                                                                                                 "{{Text}}")
        models.add_template(notetype, template)
        models.add(notetype)
    deck = col.decks.id("Words")
    assert deck
    prompt = add_note(col, "Prompt only", deck, ["Lonely prompt"])
    col.close()
    project = tmp_path / "project"
    project.mkdir()
    refused = run(["import", str(path)], cwd=project)
    assert refused.exit_code == 1 and not (project / "decks").exists()
    assert refused.stderr.splitlines() == [
        f"rcc-cards: error: {path}: no note of deck 'Words' can be carried:",
        f"  note {prompt}: not carried: its note type 'Prompt only' has only the field 'Text', and a "
        "question-and-answer card needs a second field for its answer"]
    col = Collection(str(path))
    cloze = add_note(col, "Cloze only", deck, ["{{c1::Ribosomes}} make proteins"])
    col.close()
    done = run(["import", str(path)], cwd=project)
    assert done.exit_code == 0, done.output
    assert (f"  note {cloze} (card 'ribosomes-make-proteins'): its note type 'Cloze only' has one field, and "
            "rcc-cards needs a second for the back (source, card id), so neither the note type nor the note is "
            "kept: learners get this card as a new note, and their old note keeps its reviews (suspend or "
            "delete it in Anki)") in done.stdout.splitlines()
    text = (project / "decks" / "words.yaml").read_text(encoding="utf-8")
    assert "guid:" not in text and "note_type:" not in text and "ribosomes-make-proteins" in text
