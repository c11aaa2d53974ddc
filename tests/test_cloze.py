"""Cloze markup: valid and invalid deletions, hints and answers. Each failing case has a passing twin."""

from __future__ import annotations

import pytest

from rcc_cards import cloze


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
