"""Where a source text's sentences begin and end: paragraphs, headings, list items, table rows, and the
full stops that end a sentence (and the many that do not).

The decisions, each tested on real public-domain layouts (``tests/sources/``):

- **Paragraphs** (separated by blank lines) never share a sentence; inside one, a line break is a space.
  Leading lines starting with ``#`` are the file's header, not source text.
- **Headings** need no card: a paragraph of one line, one sentence long, that does not end in ``.``,
  ``!``, ``?``, ``)`` or ``]``; and the last sentence of a line that ends in ``:`` when the line is a
  paragraph of its own or the lead-in of the list items or table rows below it (a list item too, before
  the items nested under it).
- **List items** are sentences of their own, without their marker: a line starting with ``-``, ``*``,
  ``•``, ``–``, ``▪``, ``◦``, ``·`` or ``‣``, or with ``1.``, ``1)``, ``(1)``, ``a.``, ``a)``, ``(a)``,
  ``iv.`` …, then a space. The lines after it without a marker continue it.
- **Table rows**, lines with a tab or with two or more ``|``, are one sentence each; separator rows
  (``|---|:--|``) are not sentences.
- **A sentence ends** at ``.``, ``!`` or ``?`` (then citation brackets and closing brackets or quotes),
  white space, and a capital letter of any script, a digit, or an opening bracket or quote (``( [ " ' “ ‘
  « ¿ ¡``); ``。``, ``！`` and ``？`` end one with no space needed. A citation bracket after a space
  (``patients. [12]``) stays with the sentence before it.
- **It does not end** at a decimal (``2.6``); after an abbreviation, judged by the whole word
  (:data:`ABBREVIATIONS`: "Africa." and "casino." end their sentence, "ca." and "no." do not); after
  ``Fig.``, ``No.``, ``p.`` and the like (:data:`BEFORE_NUMBERS`) when a digit follows; after a dotted
  initialism (``U.S.``, ``e.g.``, ``E.E.``); after the number of a label that begins a sentence (``Table
  1. Definition of terms``, :data:`LABELS`); or at an initial. A single letter before a full stop is a
  word, not an initial ("hepatitis C. It …", "Vitamin A. Levels fell." are two sentences each), unless it
  is in a chain of initials (``J. R. Smith``) or a capital between capitalized words set off by commas, as
  in a list of authors (``…, Satish K. Pillai, MD2, M. Allison Arwady, …``). So a name in running prose
  (``John F. Kennedy said``) is split after the ``F.``: a price paid for the far commoner medical case.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Piece(NamedTuple):
    """One sentence (or heading) as the source writes it."""

    text: str  # the source's characters, line breaks and all, list marker removed
    line: int  # 1-based line of the source file where it starts
    heading: bool


# Abbreviations that never end a sentence, as whole words (lowercase, with their full stop). Months that are
# also words ("may.", "mar.") are left out.
ABBREVIATIONS = frozenset({
    "e.g.", "i.e.", "etc.", "vs.", "viz.", "cf.", "ca.", "approx.", "al.", "dr.", "drs.", "mr.", "mrs.", "ms.",
    "prof.", "st.", "jr.", "sr.", "sra.", "srta.", "dra.", "inc.", "ltd.", "co.", "corp.", "dept.", "univ.",
    "jan.", "feb.", "apr.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec.", "z.b.", "d.h.", "bzw.", "usw.",
    "vgl.", "ggf.", "ej.", "pág.", "págs.", "ee.", "uu.", "mme.", "mlle.", "env.",
})
# Abbreviations that do not end a sentence when a number follows ("Fig. 3", "No. 12", "p. 45").
BEFORE_NUMBERS = frozenset({"fig.", "figs.", "no.", "nos.", "vol.", "vols.", "p.", "pp.", "ref.", "refs.",
                            "tab.", "núm.", "n.", "nr.", "art.", "sec.", "ch.", "eq."})
# Words that number a part of a document; "Table 1." at the start of a sentence is the start of a title.
LABELS = frozenset({"table", "figure", "fig.", "section", "chapter", "step", "appendix", "part", "box", "tabla",
                    "figura", "sección", "tableau", "tabelle", "abbildung", "abb."})
_STARTS = "([\"'\u2018\u201c\u00ab\u00bf\u00a1"  # opening brackets and quotes that may begin a sentence
_CLOSERS = ")]\"'\u2019\u201d\u00bb"
# A full stop and what belongs to its sentence: citation brackets (directly after it, any short text; after a
# space, numeric ones and levels of evidence only), then closing brackets and quotes. Bounded repeats, so it
# runs in linear time on any text (tests/test_linear_time.py).
_END = re.compile(
    r"(?P<stop>[.!?])(?P<tail>(?:\[[^\[\]\n]{0,200}\]|[ \t]{1,4}\[(?:\d[\d,;\s\u2013-]{0,100}|Level of evidence"
    r"[^\[\]\n]{0,100})\]){0,20}[" + re.escape(_CLOSERS) + r"]{0,10})(?=\s)"
    r"|(?P<wide>[\u3002\uff01\uff1f])(?P<wtail>[\u300d\u300f\uff09\u201d\u2019]{0,10})")
_SPACE = re.compile(r"\s+")
_INITIALISM = re.compile(r"(?:\w\.){2,}")  # U.S., e.g., E.E.
_MARKER = re.compile(r"[ \t]{0,8}(?:[-*\u2022\u2013\u25aa\u25e6\u00b7\u2023]|\(?(?:\d{1,3}|[a-z]|[ivx]{1,6})[.)])"
                     r"[ \t]+(?=\S)")
_SEPARATOR_ROW = re.compile(r"[\s|:+-]*-[\s|:+-]*")
_HEADING_ENDS = (".", "!", "?", ")", "]", "\u3002", "\uff01", "\uff1f")


def split(raw: str) -> list[Piece]:
    """The sentences and headings of a source file (its header lines skipped), in order."""
    lines = raw.splitlines()
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        first += 1
    out: list[Piece] = []
    paragraph: list[int] = []
    for number in range(first, len(lines) + 1):
        if number < len(lines) and lines[number].strip():
            paragraph.append(number)
        elif paragraph:
            out += _paragraph([lines[n] for n in paragraph], paragraph[0] + 1)
            paragraph = []
    return out


class _Block(NamedTuple):
    kind: str  # "prose", "item" or "row"
    line: int  # where it starts
    lines: list[str]


def _blocks(lines: list[str], first_line: int) -> list[_Block]:
    """A paragraph cut into its prose, list items and table rows."""
    blocks: list[_Block] = []
    for offset, line in enumerate(lines):
        if "\t" in line.strip() or line.count("|") >= 2:
            if not _SEPARATOR_ROW.fullmatch(line):
                blocks.append(_Block("row", first_line + offset, [line]))
            continue
        marker = _MARKER.match(line)
        if marker:
            blocks.append(_Block("item", first_line + offset, [line[marker.end():]]))
        elif blocks and blocks[-1].kind != "row":
            blocks[-1].lines.append(line)
        else:
            blocks.append(_Block("prose", first_line + offset, [line]))
    return blocks


def _paragraph(lines: list[str], first_line: int) -> list[Piece]:
    blocks = _blocks(lines, first_line)
    out: list[Piece] = []
    for at, block in enumerate(blocks):
        text = "\n".join(block.lines)
        if block.kind == "row":
            out.append(Piece(text.strip(), block.line, False))
            continue
        pieces = _sentences(text, block.line)
        if len(block.lines) == 1 and pieces and _titles(pieces, block.kind, len(blocks) == 1, at + 1 < len(blocks)):
            pieces[-1] = pieces[-1]._replace(heading=True)
        out += pieces
    return out


def _titles(pieces: list[Piece], kind: str, alone: bool, before_list: bool) -> bool:
    """Is the last sentence of a one-line block a heading?"""
    last = pieces[-1].text
    if last.endswith(":"):
        return alone or before_list  # a title, or the lead-in of a list
    return alone and len(pieces) == 1 and kind == "prose" and not last.endswith(_HEADING_ENDS)


def _sentences(text: str, first_line: int) -> list[Piece]:
    out = []
    start, line, counted = 0, first_line, 0  # line breaks counted up to ``counted`` only: linear time
    for match in _END.finditer(text):
        end = match.end()
        gap = _SPACE.match(text, end)
        after = gap.end() if gap else end
        if match.group("stop") and not _ends_here(text, start, match.start(), after):
            continue
        if after >= len(text):
            break
        out.append(Piece(text[start:end], line, False))
        line, counted, start = line + text.count("\n", counted, after), after, after
    if text[start:].strip():
        out.append(Piece(text[start:].strip(), line, False))
    return out


def _ends_here(text: str, start: int, stop: int, after: int) -> bool:
    """Does the full stop (or ``!``/``?``) at ``stop`` end the sentence that begins at ``start``, the next
    one beginning at ``after``?"""
    if after >= len(text) or not _may_start(text[after]):
        return False
    if text[stop] != ".":
        return True
    word = _word_before(text, start, stop)
    if word in ABBREVIATIONS or _INITIALISM.fullmatch(word):
        return False
    if word in BEFORE_NUMBERS and text[after].isdigit():
        return False
    if len(word) == 2 and word[0].isalpha():
        return not _in_a_name(text, start, stop, after)
    if word[:1].isdigit():  # "Table 1. Definition of terms": a numbered label begins its title
        label, label_at = _previous_word(text, start, stop + 1 - len(word))
        return not (label_at == start and label.casefold() in LABELS)
    return True


def _in_a_name(text: str, start: int, stop: int, after: int) -> bool:
    """Is the one letter before the full stop at ``stop`` an initial? Only in a chain of initials (``J. R.
    Smith``), or as a capital letter between capitalized words set off by commas, as in a list of authors
    (``…, Satish K. Pillai, MD2, M. Allison Arwady, …``); "hepatitis C." and "Vitamin A. Levels fell" are
    words that end a sentence."""
    letter_at = stop - 1
    before, before_at = _previous_word(text, start, letter_at)
    following = _word_at(text, after)
    if _is_initial(before) or _is_initial(following):
        return True
    if not text[letter_at].isupper() or not following[:1].isupper():
        return False
    if not before or before.endswith(","):  # "M. Allison" at the start, or after a comma
        return True
    earlier, _ = _previous_word(text, start, before_at)
    return _capitalized(before) and (earlier.endswith(",") or following.endswith(","))


def _previous_word(text: str, start: int, at: int) -> tuple[str, int]:
    """The word before the one that begins at ``at`` (as written), and where it begins; "" at the start."""
    end = at
    while end > start and text[end - 1].isspace():
        end -= 1
    begin = end
    while begin > start and begin > end - 30 and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:end], begin


def _capitalized(word: str) -> bool:
    return word[:1].isupper() and word[1:].rstrip(",").isalpha() and word[1:].rstrip(",").islower()


def _may_start(char: str) -> bool:
    return char.isupper() or char.istitle() or char.isdigit() or char in _STARTS


def _word_before(text: str, start: int, stop: int) -> str:
    """The word that ends with the character at ``stop`` (at most 30 characters back), lowercased, without
    opening brackets or quotes."""
    begin = stop
    while begin > start and begin > stop - 30 and not text[begin - 1].isspace():
        begin -= 1
    return text[begin:stop + 1].lstrip(_STARTS).casefold()


def _word_at(text: str, at: int) -> str:
    end = at
    while end < len(text) and end < at + 30 and not text[end].isspace():
        end += 1
    return text[at:end]


def _is_initial(word: str) -> bool:
    return len(word) == 2 and word[0].isalpha() and word[1] == "."
