"""Packages imported into a real Anki collection (the official ``anki`` backend), read back exactly."""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from anki.collection import Collection

from conftest import REPO, import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import render
from rcc_cards import tags as tagmod

LITERALS = {
    "no": "no", "yes": "yes", "off": "off", "v110": "1.10", "v090": "0.90", "v012": "012",
    "ratio": "1:20", "date": "2024-01-01", "tilde": "~", "null": "null", "inf": ".inf",
}
QUOTED = {
    "csharp": ("'C# is #1'", "C# is #1"),
    "amp": ("'&amp; more'", "&amp; more"),
    "bold": ('"*bold*"', "*bold*"),
    "colon": ('"Ratio 1: 2"', "Ratio 1: 2"),
    "lt": ("x < y & z", "x < y & z"),
    "emoji": ("Kidney 🫘 and ✅", "Kidney 🫘 and ✅"),
    "cjk": ("腎細胞癌", "腎細胞癌"),
    "rtl": ("سرطان الخلايا الكلوية", "سرطان الخلايا الكلوية"),
    "combining": ("e\u0301 and n\u0303", "e\u0301 and n\u0303"),
}


def _literal_deck(folder: Path) -> Path:
    cards = ""
    for key, value in LITERALS.items():
        cards += f"      - id: lit-{key}\n        q: Literal {key}\n        a: {value}\n"
    for key, (written, _) in QUOTED.items():
        cards += f"      - id: q-{key}\n        q: Quoted {key}\n        a: {written}\n"
    cards += "      - id: block\n        q: Block\n        a: |\n          first line\n\n          after a blank line\n"
    return write_deck(folder, cards)


def test_values_reach_anki_exactly_as_written(tmp_path: Path, col: Collection) -> None:
    deck = _literal_deck(tmp_path)
    result = run(["build", str(deck), "-o", "out.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    log = import_apkg(col, tmp_path / "out.apkg")
    expected = {f"lit-{k}": v for k, v in LITERALS.items()}
    expected |= {f"q-{k}": v for k, (_, v) in QUOTED.items()}
    expected["block"] = "first line\n\nafter a blank line"
    assert len(log.new) == len(expected)
    notes = notes_by_card_id(col)
    assert sorted(notes) == sorted(expected)
    for card_id, value in expected.items():
        # Anki stores text in Unicode NFC (it composes e + U+0301 into é); nothing else changes.
        stored = unicodedata.normalize("NFC", html.escape(value, quote=False).replace("\n", "<br>"))
        assert notes[card_id]["Back"] == stored, card_id
    card = col.get_card(col.find_cards("CardId:q-lt")[0])
    assert "x &lt; y &amp; z" in card.answer()
    for card_id in ("lit-no", "lit-v110", "lit-v090"):
        answer = col.get_card(notes[card_id].card_ids()[0]).answer()
        assert f'<div class="rcc-a">{expected[card_id]}</div>' in answer


def test_crlf_and_leading_bom_load_unchanged(tmp_path: Path, col: Collection) -> None:
    deck = _literal_deck(tmp_path)
    text = deck.read_text(encoding="utf-8")
    deck.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = run(["build", str(deck), "-o", "out.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "out.apkg")
    notes = notes_by_card_id(col)
    assert notes["lit-no"]["Back"] == "no"
    assert notes["block"]["Back"] == "first line<br><br>after a blank line"
    assert notes["q-lt"]["Back"] == "x &lt; y &amp; z"


def _shipped_cards() -> list[dict[str, Any]]:
    """An independent reading of the shipped deck (plain safe_load is fine here: no trap values)."""
    data = yaml.safe_load((REPO / "decks" / "rcc.yaml").read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = []

    def walk(sections: list[dict[str, Any]], path: tuple[str, ...], inherited: tuple[str, ...],
             contexts: tuple[str, ...]) -> None:
        for section in sections:
            sub = (*path, str(section["key"]))
            topic = inherited + tuple(section.get("tags", []))
            below = (*contexts, section["context"]) if "context" in section else contexts
            for card in section.get("cards", []):
                found.append(dict(card, _path=sub, _tags=topic + tuple(card.get("tags", [])), _contexts=below))
            walk(section.get("sections", []), sub, topic, below)

    walk(data["sections"], (), (), ())
    return found


def _expected_card_count(card: dict[str, Any]) -> int:
    if "cloze" in card:
        import re

        return len(set(re.findall(r"\{\{c(\d+)::", str(card["cloze"]))))
    return 2 if card.get("reverse") is True else 1


def test_shipped_deck_imports_with_every_note_tagged_by_section(tmp_path: Path, col: Collection,
                                                                shipped: Path) -> None:
    result = run(["build", str(shipped), "-o", str(tmp_path / "rcc.apkg")])
    assert result.exit_code == 0, result.stderr
    log = import_apkg(col, tmp_path / "rcc.apkg")
    cards = _shipped_cards()
    assert len(log.new) == len(cards)
    assert col.note_count() == len(cards)
    assert col.card_count() == sum(_expected_card_count(c) for c in cards)
    notes = notes_by_card_id(col)
    deck_names = {d.name for d in col.decks.all_names_and_ids()}
    assert "Oncology::Renal cell cancer::Stage IV and recurrent" in deck_names
    for card in cards:
        note = notes[str(card["id"])]
        section_tag = "::".join(("rcc", *card["_path"]))
        assert sorted(note.tags) == sorted({section_tag, *card["_tags"]})
        assert "Stage IV and Recurrent Renal Cell Cancer" in note["Source"] or "unsourced" in card
        for cid in note.card_ids():
            assert col.decks.name(col.get_card(cid).did) == "Oncology::Renal cell cancer::Stage IV and recurrent"
        if "cloze" in card:
            assert note["Text"] == html.escape(" ".join(str(card["cloze"]).split()), quote=False)
        else:
            assert note["Front"] == html.escape(" ".join(str(card["q"]).split()), quote=False)
            assert note["Back"] == html.escape(" ".join(str(card["a"]).split()), quote=False)


def test_tag_subset_imports_what_the_same_anki_search_finds(tmp_path: Path, col: Collection,
                                                            shipped: Path) -> None:
    wanted = "rcc::stage_iv::cytokine_therapy"
    deck = str(shipped)
    assert run(["build", deck, "-o", str(tmp_path / "full.apkg")]).exit_code == 0
    assert run(["build", deck, "--tag", wanted, "-o", str(tmp_path / "sub.apkg")]).exit_code == 0
    import_apkg(col, tmp_path / "full.apkg")
    expected_guids = {col.get_note(n).guid for n in col.find_notes(tagmod.anki_search(wanted))}

    from anki.collection import Collection

    other = Collection(str(tmp_path / "subset.anki2"))
    try:
        log = import_apkg(other, tmp_path / "sub.apkg")
        got = {other.get_note(n).guid for n in other.find_notes("")}
    finally:
        other.close()
    assert len(log.new) == len(expected_guids) > 0
    assert got == expected_guids
    assert len(expected_guids) < col.note_count()


def test_subset_then_full_deck_updates_instead_of_duplicating(tmp_path: Path, col: Collection,
                                                              shipped: Path) -> None:
    deck = str(shipped)
    sub = run(["build", deck, "--tag", "topic::dosing", "-o", str(tmp_path / "sub.apkg")])
    assert sub.exit_code == 0
    full = run(["build", deck, "-o", str(tmp_path / "full.apkg")])
    assert full.exit_code == 0
    first = import_apkg(col, tmp_path / "sub.apkg")
    second = import_apkg(col, tmp_path / "full.apkg")
    total = len(_shipped_cards())
    assert col.note_count() == total
    assert len(second.new) == total - len(first.new)
    assert len(second.new) + len(second.duplicate) + len(second.updated) == total


def test_exclude_tag_drops_notes(tmp_path: Path, col: Collection, shipped: Path) -> None:
    deck = str(shipped)
    result = run(["build", deck, "--exclude-tag", "rcc::stage_iv::surgery", "-o", str(tmp_path / "x.apkg")])
    assert result.exit_code == 0
    import_apkg(col, tmp_path / "x.apkg")
    assert col.find_notes(tagmod.anki_search("rcc::stage_iv::surgery")) == []
    surgery = [c for c in _shipped_cards() if c["_path"][:2] == ("stage_iv", "surgery")]
    assert col.note_count() == len(_shipped_cards()) - len(surgery) > 0


def test_importing_the_same_package_twice_adds_nothing(tmp_path: Path, col: Collection,
                                                       shipped: Path) -> None:
    assert run(["build", str(shipped), "-o", str(tmp_path / "rcc.apkg")]).exit_code == 0
    import_apkg(col, tmp_path / "rcc.apkg")
    notes, cards = col.note_count(), col.card_count()
    log = import_apkg(col, tmp_path / "rcc.apkg")
    assert (len(log.new), len(log.updated), len(log.duplicate)) == (0, 0, notes)
    assert (col.note_count(), col.card_count()) == (notes, cards)


def test_card_kinds_generate_the_right_cards(tmp_path: Path, col: Collection) -> None:
    deck = write_deck(tmp_path, """\
      - id: basic
        q: Basic question
        a: Basic answer
      - id: both-ways
        q: IL-2
        a: interleukin-2
        reverse: true
      - id: two-gaps
        cloze: "{{c1::Interferon-alpha}} response rate is approximately {{c2::15%::percent}}"
""")
    assert run(["build", str(deck), "-o", "p.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "p.apkg")
    notes = notes_by_card_id(col)
    assert [len(notes[k].card_ids()) for k in ("basic", "both-ways", "two-gaps")] == [1, 2, 2]
    reverse = [col.get_card(c) for c in notes["both-ways"].card_ids()]
    fronts = {c.ord: re.search(r'<div class="rcc-q">(.*?)</div>', c.question()) for c in reverse}
    assert {o: m.group(1) for o, m in fronts.items() if m} == {0: "IL-2", 1: "interleukin-2"}
    cloze_cards = sorted((col.get_card(c) for c in notes["two-gaps"].card_ids()), key=lambda c: c.ord)
    assert "[...]" in cloze_cards[0].question() and "15%" in cloze_cards[0].question()
    assert "[percent]" in cloze_cards[1].question() and "Interferon-alpha" in cloze_cards[1].question()
    assert "15%" in cloze_cards[1].answer()


def test_fixing_a_typo_updates_the_same_note(tmp_path: Path, col: Collection) -> None:
    deck = write_deck(tmp_path, "      - id: c1\n        q: Wich dose?\n        a: Intermediate\n")
    assert run(["build", str(deck), "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text().replace("Wich", "Which"))
    result = run(["build", str(deck), "-o", "v2.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "v1.apkg")
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert (len(log.new), len(log.updated)) == (0, 1)
    assert col.note_count() == 1
    assert notes_by_card_id(col)["c1"]["Front"] == "Which dose?"


def test_shipped_deck_counts_per_section_and_topic_tag_and_every_back_shows_its_source(
        tmp_path: Path, col: Collection, shipped: Path) -> None:
    assert run(["build", str(shipped), "-o", str(tmp_path / "rcc.apkg")]).exit_code == 0
    import_apkg(col, tmp_path / "rcc.apkg")
    cards = _shipped_cards()
    expected_notes: dict[str, int] = {}
    expected_cards: dict[str, int] = {}
    for card in cards:
        section = "::".join(("rcc", *card["_path"]))
        below = set(tagmod.with_ancestors(section)) | {t for tag in card["_tags"] for t in tagmod.with_ancestors(tag)}
        for tag in below:
            expected_notes[tag] = expected_notes.get(tag, 0) + 1
            expected_cards[tag] = expected_cards.get(tag, 0) + _expected_card_count(card)
    for required in ("rcc::stage_iv::surgery", "rcc::stage_iv::cytokine_therapy::interferon_alpha",
                     "rcc::stage_iv::cytokine_therapy::interleukin_2", "topic::dosing", "topic::survival",
                     "topic::toxicity", "topic::patient_selection", "topic::response_rate", "topic::evidence"):
        assert expected_notes.get(required, 0) > 0, required
    for tag, count in expected_notes.items():
        search = tagmod.anki_search(tag)
        assert len(col.find_notes(search)) == count, tag
        assert len(col.find_cards(search)) == expected_cards[tag], tag
    deck = yaml.safe_load((REPO / "decks" / "rcc.yaml").read_text(encoding="utf-8"))["deck"]
    by_id = {str(card["id"]): card for card in cards}
    for cid in col.find_cards(""):
        shown = col.get_card(cid)
        answer, card = shown.answer(), by_id[shown.note()["CardId"]]
        # every back: grounded text with its quote and source, or a background card's label; and each
        # context the author added, under its label
        if "quote" in card:
            assert f"Source: Stage IV and Recurrent Renal Cell Cancer (undated copy; the page carries no date; " \
                   f"{deck['source']['origin']})" in answer
            quoted = html.escape(" ".join(card["quote"].split()), quote=False).replace("[", "&#91;")
            assert f'<blockquote class="rcc-quote">{quoted}' \
                in " ".join(answer.split())
        else:
            assert f"{render.BACKGROUND_LABEL}</span> {card['unsourced']}" in answer
        for context in filter(None, [card.get("context"), *card["_contexts"], deck.get("context")]):
            text = html.escape(" ".join(context.split()), quote=False).replace("[", "&#91;")
            assert f"{render.CONTEXT_LABEL}</span> {text}</div>" in " ".join(answer.split())
