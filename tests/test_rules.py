"""Pure rules: cloze parsing, tags and filters, identity. Each failing case has a passing twin."""

from __future__ import annotations

import pytest

from rcc_cards import cloze, compiler, tags


@pytest.mark.parametrize("text,numbers", [
    ("{{c1::a}}", [1]),
    ("{{c1::a::hint}} and {{c2::b}} and {{c1::c}}", [1, 2]),
    ("{single} braces {{c3::x}}", [3]),
])
def test_valid_clozes(text: str, numbers: list[int]) -> None:
    deletions, errors = cloze.parse(text)
    assert errors == () and cloze.numbers(deletions) == numbers


@pytest.mark.parametrize("text,fragment", [
    ("no deletion", "needs at least one deletion"),
    ("{{c1:x}}", "malformed cloze"),
    ("{{c1::open", "never closed"),
    ("close}} {{c1::x}}", "closes no cloze"),
    ("{{c1::a {{c2::b}} }}", "nested cloze"),
    ("{{c0::zero}}", "numbers start at c1"),
    ("{{c1::   }}", "empty cloze deletion"),
    ("{{c1::::hint}}", "empty cloze deletion"),
])
def test_invalid_clozes(text: str, fragment: str) -> None:
    _, errors = cloze.parse(text)
    assert any(fragment in e.message for e in errors), errors


def test_cloze_hint_and_answer() -> None:
    (deletion,), _ = cloze.parse("rate {{c2::15%::percent}}")
    assert (deletion.number, deletion.answer, deletion.hint, deletion.start) == (2, "15%", "percent", 5)


@pytest.mark.parametrize("tag", ["topic::dosing", "rcc::stage_iv", "a", "ünïcode::ok"])
def test_valid_tags(tag: str) -> None:
    assert tags.tag_problem(tag) is None


@pytest.mark.parametrize("tag", ["", "has space", "tab\there", "a::", "::a", "a::::b", 'quo"te', "star*"])
def test_invalid_tags(tag: str) -> None:
    assert tags.tag_problem(tag) is not None


@pytest.mark.parametrize("name", ["Oncology::RCC", "Default::Sub", "RCC"])
def test_valid_deck_names(name: str) -> None:
    assert tags.deck_name_problem(name) is None


@pytest.mark.parametrize("name", ["Oncology::::RCC", "Oncology ::RCC", " RCC", "default", "Default", "::x"])
def test_invalid_deck_names(name: str) -> None:
    assert tags.deck_name_problem(name) is not None


def test_tag_matching_follows_anki_hierarchy_and_case() -> None:
    assert tags.matches("rcc::stage_iv::surgery", "rcc::stage_iv")
    assert tags.matches("RCC::Stage_IV", "rcc::stage_iv")
    assert not tags.matches("rcc::stage_iv_extra", "rcc::stage_iv")
    assert tags.selected(["a::b"], ["a"], [])
    assert not tags.selected(["a::b"], ["a"], ["a::b"])
    assert tags.selected(["x"], [], [])
    assert not tags.selected(["x"], ["y"], [])


def test_anki_search_escapes_wildcards() -> None:
    assert tags.anki_search("rcc::stage_iv") == '"tag:rcc::stage\\_iv"'


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


def test_field_escaping_is_html_escape() -> None:
    """render escapes without importing html (start-up); it must stay exactly html.escape."""
    import html

    from rcc_cards import render

    for text in ["x < y & z", "a > b", "\"quoted\" and 'single'", "&amp; already", "plain", "", "<>&\"'"]:
        assert render._escape(text) == html.escape(text, quote=False)
        assert render._escape(text, quote=True) == html.escape(text, quote=True)
