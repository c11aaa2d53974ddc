"""Quoting mistakes, told as what they are: a quote never closed where the author meant, or a quote
inside quoted text that ends it early (``'the patient's'``).

libyaml reads on past such a mistake: an unclosed quote ends at the next quote it finds, lines later,
and an apostrophe inside single quotes ends the text at the apostrophe. What it then complains about
(or, when the rest happens to fit, silently reads) is far from the mistake. :mod:`.yamltree` asks these
functions about the last quoted text it read; they need no YAML library, only the text and positions
(0-based lines and columns, as libyaml's marks give them).
"""

from __future__ import annotations

import re

from rcc_cards.errors import Problem

QUOTES = ("'", '"')
_WORD_BEFORE = re.compile(r"[^\s'\"]*\Z")
_WORD_AFTER = re.compile(r"[^\s'\",\[\]{}]*")


def runs_away(lines: list[str], start_line: int, end_line: int, block_indent: int) -> bool:
    """Does quoted text from line ``start_line`` to ``end_line`` (0-based) take in a line that is
    indented no deeper than the block it belongs to (``block_indent``: the column of that block's keys
    or '- ' items)? YAML requires a quoted text's following lines to be indented deeper than that;
    libyaml does not check, so such a text is a quote left open, running on into the deck's structure."""
    for number in range(start_line + 1, end_line + 1):
        text = lines[number]
        if text.strip() and len(text) - len(text.lstrip(" ")) <= block_indent:
            return True
    return False


def unclosed(path: str, line: int, col: int, end_line: int, end_col: int) -> Problem:
    """An open quote at ``line``:``col`` (1-based) that libyaml closed only at the quote at
    ``end_line``:``end_col``."""
    return Problem(
        path, line, col,
        "unterminated quoted text: the quote opened here is not closed on its line, so YAML reads on "
        f"to the next quote (line {end_line}, column {end_col}) and takes the lines between as text. Add "
        "the closing quote at the end of the text (quoted text that goes on over several lines must "
        "indent them deeper than its key).",
    )


def text_after_quote(line: str, quote_col: int, error_col: int) -> bool:
    """Is the syntax error at ``error_col`` of ``line`` (0-based) text right after the quote at
    ``quote_col``, with at most spaces between?"""
    return error_col > quote_col and not line[quote_col + 1:error_col].strip(" ")


def inner_quote(path: str, line_text: str, line: int, quote_col: int, style: str) -> Problem:
    """The quote at ``quote_col`` (0-based) of ``line`` (1-based), which ended a text quoted with
    ``style``, and text follows it: most likely a quote meant to be part of the text."""
    before = _WORD_BEFORE.search(line_text, 0, quote_col)
    after = _WORD_AFTER.match(line_text, quote_col + 1)
    head, tail = before.group() if before else "", after.group() if after else ""
    if style == "'":
        what = "an apostrophe inside 'single-quoted' text"
        how = f"write it twice ({head}''{tail}), or put the whole text in double quotes"
    else:
        what = "a quote inside \"double-quoted\" text"
        pair = "\\\"" if line_text.startswith('"', quote_col + 1 + len(tail)) else ""  # "no" quoted inside
        how = f"write it as \\\" ({head}\\\"{tail}{pair}), or put the whole text in single quotes"
    return Problem(
        path, line, quote_col + 1,
        f"{what} ends the text here, and YAML cannot read what follows it; {how}.",
    )
