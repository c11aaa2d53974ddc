"""A section's ``context``: on every card below it (nested sections too), labelled, innermost first; a change
to it is a change of those cards' notes (stamped, so Anki updates them) and of no other."""

from __future__ import annotations

import html
import re
from pathlib import Path

from anki.collection import Collection

from conftest import SOURCE_TEXT, import_apkg, run
from rcc_cards import render, stamps
from rcc_cards.loader import load_file

DECK = """\
deck:
  key: t
  name: Test deck
  context: Deck-wide line.
  source:
    title: Test source
    file: source.txt
    as_of: "2024"
    origin: Where the copy was taken from
sections:
  - key: top
    title: Top
    context: Top line.
    cards:
      - id: in-top
        q: Question one?
        a: answer one
        quote: Question one has answer one.
    sections:
      - key: inner
        title: Inner
        context: Inner line.
        cards:
          - id: in-inner
            cloze: A cloze with {{c1::two}} deletions.
            context: Card line.
            quote: A cloze with two deletions.
  - key: other
    title: Other
    cards:
      - id: outside
        q: What has answer one?
        a: Question one
        quote: Question one has answer one.
"""


def _deck(tmp_path: Path, text: str = DECK):  # type: ignore[no-untyped-def]
    (tmp_path / "source.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(text, encoding="utf-8")
    deck, problems = load_file(path, "t.yaml")
    assert problems == [] and deck is not None
    return deck


def test_a_section_context_reaches_every_card_below_it_and_no_other(tmp_path: Path) -> None:
    deck = _deck(tmp_path)
    cards = {card.id: card for card in deck.cards()}
    assert cards["in-top"].section_context == ("Top line.",)
    assert cards["in-inner"].section_context == ("Top line.", "Inner line.")
    assert cards["outside"].section_context == ()
    assert [s.context for s in deck.sections] == ["Top line.", ""]
    assert deck.sections[0].sections[0].context == "Inner line."


def test_the_back_shows_the_card_then_its_sections_innermost_first_then_the_deck(tmp_path: Path) -> None:
    deck = _deck(tmp_path)
    cards = {card.id: card for card in deck.cards()}
    label = f'<div class="rcc-context"><span class="rcc-context-label">{render.CONTEXT_LABEL}</span> '
    shown = render.context_html(deck, cards["in-inner"])
    assert shown == "".join(f"{label}{text}</div>" for text in
                            ("Card line.", "Inner line.", "Top line.", "Deck-wide line."))
    assert render.context_html(deck, cards["outside"]) == f"{label}Deck-wide line.</div>"
    for card in cards.values():  # the origin is in every quoted card's citation
        assert "Test source (2024; Where the copy was taken from)" in render.source_html(deck, card)


def test_changing_a_section_context_restamps_exactly_the_cards_below_it(tmp_path: Path) -> None:
    first = stamps.stamp(_deck(tmp_path), None, 1000)
    edited = _deck(tmp_path, DECK.replace("Inner line.", "Inner line, reworded."))
    second = stamps.stamp(edited, first.lock, 2000)
    assert [card.id for card in second.changed] == ["in-inner"]
    assert second.mods == {"in-top": first.mods["in-top"], "in-inner": 2000, "outside": first.mods["outside"]}


def test_a_section_context_must_be_text(tmp_path: Path) -> None:
    (tmp_path / "source.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(DECK.replace("    context: Top line.\n", "    context: [a, b]\n"), encoding="utf-8")
    deck, problems = load_file(path, "t.yaml")
    assert [str(p).split(": ", 1)[0] for p in problems] == ["t.yaml:13:14"]
    assert "section 'top'" in str(problems[0]) and "context" in str(problems[0])


# -- in a real Anki collection: the shipped deck ---------------------------------------------------------------------


def _contexts_by_card(deck_file: Path) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """An independent reading of a deck file (plain safe_load is fine for the shipped deck: no trap values): the
    section contexts above each card, and every section context of the file."""
    import yaml

    data = yaml.safe_load(deck_file.read_text(encoding="utf-8"))
    by_card: dict[str, tuple[str, ...]] = {}
    every: list[str] = []

    def walk(sections: list[dict[str, object]], above: tuple[str, ...]) -> None:
        for section in sections:
            text = " ".join(str(section.get("context", "")).split())
            below = (*above, text) if text else above
            every.extend([text] if text else [])
            for card in section.get("cards", []):  # type: ignore[attr-defined]
                by_card[str(card["id"])] = below
            walk(section.get("sections", []), below)  # type: ignore[arg-type]

    walk(data["sections"], ())
    return by_card, every


def test_in_anki_section_contexts_are_on_exactly_the_cards_below_them_and_the_origin_on_every_back(
        tmp_path: Path, col: Collection, shipped: Path) -> None:
    result = run(["build", str(shipped), "-o", str(tmp_path / "rcc.apkg")])
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "rcc.apkg")
    by_card, every = _contexts_by_card(shipped)
    assert len(every) == 2 and len(set(by_card.values())) == 3  # surgery, cytokines, and the background cards
    origin = "an older NCI PDQ summary, republished by WebMD; current version on cancer.gov"
    backs = 0
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        back = " ".join(card.answer().split())
        above = by_card[card.note()["CardId"]]
        for text in every:
            shown = f"{render.CONTEXT_LABEL}</span> {html.escape(text, quote=False)}</div>" in back
            assert shown == (text in above), (card.note()["CardId"], text)
        assert f"; {origin})" in back, card.note()["CardId"]
        backs += 1
    said = re.search(r"(\d+) cards", result.stdout)
    assert said is not None and backs == col.card_count() == int(said.group(1))


def test_watch_mode_reads_a_card_again_with_its_sections_contexts_and_a_section_edit_in_full(tmp_path: Path) -> None:
    from rcc_cards.loader.decode import decode
    from rcc_cards.watch import patch

    deck = _deck(tmp_path)
    path = tmp_path / "t.yaml"
    for new in (DECK.replace("a: answer one", "a: answer one, edited"),  # a card: read again on its own
                DECK.replace("Inner line.", "Inner line, edited.")):  # a section's context: the file again
        text, problems = decode("t.yaml", new.encode("utf-8"))
        assert text is not None and not problems
        patched = patch.reload("t.yaml", path, deck, DECK, text)
        path.write_text(new, encoding="utf-8")
        full, _ = load_file(path, "t.yaml")
        path.write_text(DECK, encoding="utf-8")
        assert patched is None or patched == full
        if "answer one, edited" in new:
            assert patched is not None and [c.section_context for c in patched.cards()][0] == ("Top line.",)
        else:
            assert patched is None
