"""An Anki field's HTML as rcc-cards' plain text (``rcc-cards import``, issue 21).

Entities, ``<br>`` and the editor's ``<div>``/``<p>`` paragraphs become exactly their characters and line
breaks; every other tag is dropped and its text kept (a list item becomes a line starting with ``- ``), and
the result says which tags were dropped, so the import report can list the note. There is no markup
opt-in: rcc-cards shows plain text as written (docs/format.md, "Plain text, on purpose"). Media
references (``<img src>``, ``[sound:…]``) are removed from the text; the caller carries them as files.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import NamedTuple

_BLOCKS = frozenset({"div", "p", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
                     "table", "tr"})
_KEPT = frozenset({"br", "div", "p"})  # converted exactly: nothing of them is lost
_MEDIA_TAGS = frozenset({"img", "audio", "source", "object"})  # carried as files, not text
_HIDDEN = frozenset({"script", "style", "head", "title"})  # their content is never shown as text
_SOUND = re.compile(r"\[sound:[^]]+\]")
_SPACE = re.compile(r"[\t\n\r\f\v]")  # white space HTML shows as a space


class PlainText(NamedTuple):
    text: str
    dropped: tuple[str, ...]  # the tags whose markup was dropped (text kept), sorted, each once


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.dropped: set[str] = set()
        self.hidden = 0

    def _ends_line(self) -> bool:
        return not self.out or self.out[-1].endswith("\n")

    def _break(self) -> None:
        if not self._ends_line():
            self.out.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self._break()
        if tag == "li":
            self.out.append("- ")
        self._note(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self._break()
        self._note(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in _BLOCKS:
            self._break()
        self._note(tag)

    def _note(self, tag: str) -> None:
        if tag not in _KEPT and tag not in _MEDIA_TAGS:
            self.dropped.add(tag)

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(_SPACE.sub(" ", data))

    def handle_comment(self, data: str) -> None:
        self.dropped.add("<!-- -->")


def plain(field_html: str) -> PlainText:
    """The text a learner reads in ``field_html``: ``a<br>b`` -> ``a\\nb``; ``<div>a</div><div>b</div>``
    -> ``a\\nb``; ``x&nbsp;&lt;&nbsp;y`` -> ``x\\xa0<\\xa0y``; ``<b>bold</b>`` -> ``bold`` (``b`` dropped).
    Leading and trailing white space and line breaks are removed; so are control characters."""
    reader = _Reader()
    reader.feed(_SOUND.sub("", field_html))
    reader.close()
    text = "".join(reader.out)
    text = "".join(c for c in text if c == "\n" or c >= " " and not "\x7f" <= c <= "\x9f")
    lines = [line.rstrip(" ") for line in text.split("\n")]
    return PlainText("\n".join(lines).strip(), tuple(sorted(reader.dropped)))
