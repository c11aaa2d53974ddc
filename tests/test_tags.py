"""Tags and deck names: valid and invalid ones, matching by Anki's hierarchy and case, Anki searches. Each
failing case has a passing twin."""

from __future__ import annotations

import pytest

from rcc_cards import tags


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


