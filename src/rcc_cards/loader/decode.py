"""Raw bytes -> text, strictly: UTF-8 only, one leading BOM, no control characters, no tab indentation.

These checks run before the YAML parser so that every such problem gets its own precise location (the
parser would stop at the first one, and libyaml and the pure-Python parser disagree on several of them).
"""

from __future__ import annotations

import bisect
import functools
import re

from rcc_cards.errors import Problem

MAX_FILE_BYTES = 64 * 1024 * 1024
BOM = "\ufeff"

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; noncharacters U+FFFE/U+FFFF.
# The patterns of the full scan are compiled when a file first needs the scan (most never do): compiling
# them cost every start about a millisecond.


@functools.cache
def _bad_char() -> re.Pattern[str]:
    return re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@functools.cache
def _tab_indent() -> re.Pattern[str]:
    return re.compile(r"^[ ]*\t", re.MULTILINE)

# Bytes that can be, or start, a character the scan reports: C0 controls (tab included, for tab
# indentation), DEL, 0xC2 (U+0080-U+00BF, the C1 controls among them) and 0xEF (U+F000-U+FFFF, the BOM
# and U+FFFE/U+FFFF among them). A file without any of them needs no scan at all.
_SAFE_BYTES = bytes(b for b in range(256)
                    if not (b < 0x20 and b not in (0x0A, 0x0D)) and b not in (0x7F, 0xC2, 0xE2, 0xEF))
_C1_UTF8 = b"\xc2[\x80-\x9f]"  # a C1 control in UTF-8 bytes (compiled, and cached by re, when needed)


def describe_char(ch: str) -> str:
    """``U+001F`` style name of a character, for messages."""
    return f"U+{ord(ch):04X}"


def line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``index`` in ``text`` (columns count characters)."""
    line = text.count("\n", 0, index) + 1
    start = text.rfind("\n", 0, index) + 1
    return line, index - start + 1


def check_size(path: str, size: int) -> list[Problem]:
    if size <= MAX_FILE_BYTES:
        return []
    return [
        Problem(
            path, 1, 1,
            f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes. "
            "Split the deck into several files (card ids stay unique across files).",
        )
    ]


def _utf16(data: bytes) -> str:
    """"UTF-16 …" when the bytes are UTF-16 text (a byte-order mark, or ASCII text with every other byte
    zero), else ""."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        order = "little" if data[:1] == b"\xff" else "big"
        return f"UTF-16 ({order}-endian, with a byte-order mark)"
    head = data[:2000]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 4 * even:
            return "UTF-16 (little-endian, without a byte-order mark)"
        if even > 4 * odd:
            return "UTF-16 (big-endian, without a byte-order mark)"
    return ""


def decode(path: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Decode a deck file. Returns ``(None, problems)`` when the bytes are not text at all.

    Characters reported as problems are replaced by U+FFFD in the returned text (a line or paragraph
    separator by a space, so that YAML counts lines as an editor does).
    """
    utf16 = _utf16(data)
    if utf16:
        return None, [Problem(path, 1, 1, f"the file is {utf16}; rcc-cards reads UTF-8 only. Convert it, e.g. "
                                          f"'iconv -f UTF-16 -t UTF-8 {path} > converted.yaml', or save it as "
                                          "UTF-8 in your editor")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        line, col = line_col(good, len(good))
        byte = data[exc.start]
        return None, [
            Problem(
                path, line, col,
                f"not valid UTF-8: byte 0x{byte:02X} cannot start or continue a character here "
                "(the file looks like Latin-1 or Windows-1252). Save the file as UTF-8.",
            )
        ]
    if text.startswith(BOM):
        text = text[1:]
        data = data[3:]
    problems = [] if _surely_clean(data, text) else _scan(path, text)
    if problems:
        # Reported above; replaced so the YAML parser can go on and find the file's other problems.
        text = _bad_char().sub("\ufffd", text).replace(BOM, "\ufffd")
        text = text.replace("\u2028", " ").replace("\u2029", " ")
    return text, problems


def _surely_clean(data: bytes, text: str) -> bool:
    """A quick test that :func:`_scan` would find nothing: about 20x faster on a 57 MB deck (0.07 s
    instead of 1.3 s), because it runs in C over the bytes instead of through regular expressions."""
    suspects = set(data.translate(None, _SAFE_BYTES))
    if 0xE2 in suspects and (b"\xe2\x80\xa8" in data or b"\xe2\x80\xa9" in data):
        return False  # a line or paragraph separator
    if not suspects <= {0xC2, 0xE2, 0xEF}:
        return False  # a control character or a tab: let the scan say where
    if 0xC2 in suspects and re.search(_C1_UTF8, data):
        return False
    return 0xEF not in suspects or not any(c in text for c in (BOM, "\ufffe", "\uffff"))


class Lines:
    """1-based line and column of any index of a text, each in O(log n): a scan that reports many
    characters must not count lines from the start for each one (that was quadratic). The schema's
    placing of problems inside a text uses it too."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def __call__(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


_SEPARATORS = {"\u2028": "LINE SEPARATOR", "\u2029": "PARAGRAPH SEPARATOR", "\x85": "NEXT LINE"}
_SEPARATOR = "[\u2028\u2029\x85]"
_BLOCK_HEADER = r"(?:^[ ]*-|:)[ ]+[|>][-+0-9]{0,3}[ ]*(?:#.*)?$"  # 'key: |', '- >-', 'key: |2 # …'


def _scan(path: str, text: str) -> list[Problem]:
    problems: list[Problem] = []
    where = Lines(text)
    index = text.find(BOM)
    while index != -1:
        line, col = where(index)
        problems.append(
            Problem(
                path, line, col,
                "stray byte-order mark (U+FEFF) inside the file; only the very start of a file may "
                "carry one. Delete the invisible character here (it often comes from pasting).",
            )
        )
        index = text.find(BOM, index + 1)
    for match in re.finditer(_SEPARATOR, text):
        line, col = where(match.start())
        problems.append(Problem(
            path, line, col,
            f"{describe_char(match.group())} {_SEPARATORS[match.group()]}: YAML reads it as a line break, most "
            "editors show none (it often comes from pasting from a PDF or a web page). Replace it with a space, "
            "or with a real line break.",
        ))
    for match in _bad_char().finditer(text):
        if match.group() == "\x85":
            continue  # reported above, as a line break
        line, col = where(match.start())
        problems.append(
            Problem(
                path, line, col,
                f"control character {describe_char(match.group())} is not allowed in a deck file "
                "(U+001F in a field makes Anki reject the whole import). Delete it.",
            )
        )
    lines = text.split("\n") if _tab_indent().search(text) else []
    for match in _tab_indent().finditer(text):
        line, col = where(match.end() - 1)
        if _tab_is_content(lines, line - 1, col - 1):
            continue
        problems.append(
            Problem(
                path, line, col,
                "tab used for indentation; YAML cannot indent with tabs. Indent with spaces "
                "(set your editor to insert spaces for .yaml files).",
            )
        )
    return problems


def _tab_is_content(lines: list[str], index: int, spaces: int) -> bool:
    """Is the tab after ``spaces`` spaces on line ``index`` (0-based) inside a block scalar (``|`` or ``>``),
    at or past its content's indentation (set by its first line)? YAML reads such a tab as text."""
    content_indent = spaces
    for number in range(index - 1, -1, -1):
        above = lines[number]
        if not above.strip():
            continue
        indent = len(above) - len(above.lstrip(" "))
        if indent >= spaces:
            content_indent = min(content_indent, indent)  # a line of the same block, above ours
            continue
        return bool(re.search(_BLOCK_HEADER, above)) and spaces >= content_indent > indent
    return False
