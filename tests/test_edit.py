"""Changing one value of a deck file and nothing else (loader/edit.py, issue 22): each style of value."""

from __future__ import annotations

import pytest

from rcc_cards.loader import edit
from rcc_cards.loader.yamltree import scalar_spans

TEXT = """\
# a comment
cards:
  - id: x   # the id
    a: plain text   # after
    b: 'single ''quoted'''
    c: "double \\"quoted\\""
    d: >
      folded text that runs over
      two lines

    e: |
      line one
      line two
    f: last
"""


def _place(key: str) -> tuple[int, int]:
    line = next(n for n, text in enumerate(TEXT.splitlines(), 1) if text.strip().startswith(f"{key}:"))
    return line, TEXT.splitlines()[line - 1].index(f"{key}:") + len(key) + 3


def _changed(key: str, value: str) -> list[str]:
    out = edit.edited(TEXT, [edit.Edit(*_place(key), value)])
    return [line for line in out.splitlines() if line not in TEXT.splitlines()]


@pytest.mark.parametrize(("key", "value", "lines"), [
    ("a", "fixed text", ["    a: fixed text   # after"]),
    ("a", "needs: quotes", ['    a: "needs: quotes"   # after']),
    ("a", "- leading dash", ['    a: "- leading dash"   # after']),
    ("b", "it's fixed", ["    b: 'it''s fixed'"]),
    ("c", 'say "hi"', ['    c: "say \\"hi\\""']),
    ("d", "folded text that runs over three short lines now", ["      three short lines now"]),
    ("e", "line one\nline 2", ["      line 2"]),
])
def test_each_style_is_kept_and_only_the_value_changes(key: str, value: str, lines: list[str]) -> None:
    assert _changed(key, value) == lines


def test_every_other_character_stays() -> None:
    out = edit.edited(TEXT, [edit.Edit(*_place("f"), "LAST")])
    assert out == TEXT.replace("f: last", "f: LAST")


def test_spans_leave_the_blank_lines_after_a_block() -> None:
    start, end, style = scalar_spans(TEXT)[_place("d")]
    assert style == ">" and TEXT[start:end].endswith("two lines") and TEXT[end:end + 2] == "\n\n"


def test_a_place_without_a_value_is_refused() -> None:
    with pytest.raises(edit.NotEditable):
        edit.edited(TEXT, [edit.Edit(1, 1, "x")])
