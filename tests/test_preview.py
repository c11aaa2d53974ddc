"""The preview page shows what Anki shows: card by card, the page's HTML equals what the real Anki
backend renders for the same package (up to whitespace). A real browser test is in test_browser.py."""

from __future__ import annotations

import re
from pathlib import Path

from anki.collection import Collection

from conftest import REPO, import_apkg, run, write_deck
from rcc_cards import compiler, preview, project, summary

TRICKY = """\
      - id: qa
        q: "x < y & z, \\"quoted\\" and 'single'"
        a: "line one\\nline two"
        extra: An extra note
        context: Context not from the source.
        quote: Question one has answer one.
      - id: both
        q: IL-2
        a: interleukin-2
        reverse: true
      - id: gaps
        cloze: "A {{c1::first & <b>}} and {{c2::sécond 'x' (y) 🫘 ĉ 腎 –::a hint}} and {{c1::third}}"
"""


def _strip(text: str) -> str:
    return " ".join(re.sub(r"<style>.*?</style>", "", text, flags=re.S).split())


def test_preview_html_equals_ankis_rendering_card_by_card(tmp_path: Path, col: Collection,
                                                         shipped: Path) -> None:
    tricky = write_deck(tmp_path / "tricky", TRICKY)
    for deck_file, out in ((tricky, tmp_path / "t.apkg"), (shipped, tmp_path / "rcc.apkg")):
        assert run(["build", str(deck_file), "-o", str(out)]).exit_code == 0
        import_apkg(col, out)
    loaded = project.load([tricky, shipped])
    compared = 0
    for deck in loaded.decks:
        page = preview.page([(deck, list(deck.cards()))])
        for entry in preview.entries(deck, deck.cards()):
            assert col.db is not None
            nid = col.db.scalar("select id from notes where guid = ?", compiler.note_guid(deck.key, entry.card.id))
            cid = col.db.scalar("select id from cards where nid = ? and ord = ?", nid, entry.ord)
            card = col.get_card(cid)
            assert _strip(entry.front) == _strip(card.question()), (entry.card.id, entry.ord)
            assert _strip(entry.back) == _strip(card.answer()), (entry.card.id, entry.ord)
            assert entry.front in page and entry.back in page
            compared += 1
    assert compared == col.card_count() == sum(summary.counts([(d, d.cards())]).cards for d in loaded.decks)
    assert compared > 1 + 2 + 2  # the tricky deck's cards and the shipped deck's


def test_preview_command_writes_one_self_contained_page(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, TRICKY)
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))
    deck.write_text(deck.read_text().replace("      - id: both\n", "      - id: both\n        image: pic.png\n"))
    result = run(["preview", deck.name, "-o", "out/p.html"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "wrote out/p.html: 3 notes, 5 cards, 1 tags\n"
    page = (tmp_path / "out" / "p.html").read_text(encoding="utf-8")
    assert page.count('<article class="pv-entry"') == 5
    assert 'src="data:image/png;base64,' in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # no network requests
    assert "Context not from the source." in page and "Question one has answer one." in page


def test_preview_of_a_tag_subset(tmp_path: Path) -> None:
    shipped = str(REPO / "decks" / "rcc.yaml")  # fixed content: the shipped deck alone, whatever else is in decks/
    result = run(["preview", shipped, "--tag", "topic::dosing", "-o", str(tmp_path / "p.html")], cwd=REPO)
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert result.stdout == f"wrote {tmp_path / 'p.html'}: 2 notes, 5 cards, 8 tags\n"
    assert page.count('<article class="pv-entry"') == 5


def test_a_builds_counts_are_those_of_the_rows_written_and_of_the_collection(tmp_path: Path, col: Collection,
                                                                             shipped: Path) -> None:
    """The counts a build reports come from the rows it writes: the same as summary.counts of the decks,
    and as what a real collection holds after the import (tags as Anki counts them, ignoring case)."""
    tricky = write_deck(tmp_path / "tricky", TRICKY.replace("        reverse: true\n",
                                                             "        reverse: true\n        tags: [Topic, topic]\n"))
    loaded = project.load([tricky, shipped])
    for deck_file, deck in zip((tricky, shipped), loaded.decks, strict=True):
        result = run(["build", str(deck_file), "-o", str(tmp_path / "out")])
        assert result.exit_code == 0, result.stderr
        expected = summary.counts([(deck, deck.cards())])
        assert f"wrote {tmp_path / 'out' / (deck.key + '.apkg')}: {expected}" in result.stdout
        import_apkg(col, tmp_path / "out" / f"{deck.key}.apkg")
    both = summary.counts([(d, d.cards()) for d in loaded.decks])
    assert (col.note_count(), col.card_count()) == (both.notes, both.cards)
