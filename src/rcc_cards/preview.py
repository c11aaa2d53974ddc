"""A self-contained HTML page that shows every card as Anki will show it.

Each note's fields are rendered with the same note-type templates and CSS the package carries
(:mod:`rcc_cards.templates`), by a small renderer for the template features those templates use
(``{{Field}}``, ``{{#Field}}…{{/Field}}``, ``{{FrontSide}}``, ``{{cloze:Field}}``), producing the HTML
Anki's own renderer produces (a test compares them card by card). One entry per generated card, grouped
by section, with a hierarchical tag filter and a text search; media are inlined, so the page makes no
network request.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rcc_cards import cloze, coverage, kinds, render, summary, tags, templates
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Card, Deck

_SECTION = re.compile(r"\{\{#(\w+)\}\}(.*?)\{\{/\1\}\}", re.S)
_FIELD = re.compile(r"\{\{(cloze:)?(\w+)\}\}")


@dataclass(frozen=True)
class Entry:
    """One generated card: its note, template ordinal, and both sides' HTML."""

    deck: Deck
    card: Card
    ord: int
    front: str
    back: str
    tags: tuple[str, ...]


_NAMED = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}


def attribute(text: str) -> str:
    """Encode an attribute value the way Anki does: ASCII letters and digits stay, & < > " ' become
    named entities, every other character below U+0100 ``&#xHH;``, the rest stay as they are (checked
    against Anki's own rendering by a test)."""
    return "".join(c if (c.isascii() and c.isalnum()) or ord(c) > 0xFF else _NAMED.get(c, f"&#x{ord(c):02X};")
                   for c in text)


def _cloze_html(text: str, ordinal: int, answer: bool) -> str:
    def one(number: int, content: str, hint: str) -> str:
        if number != ordinal:
            return f'<span class="cloze-inactive" data-ordinal="{number}">{content}</span>'
        if answer:
            return f'<span class="cloze" data-ordinal="{number}">{content}</span>'
        shown = f"[{hint}]" if hint else "[...]"
        return f'<span class="cloze" data-cloze="{attribute(content)}" data-ordinal="{number}">{shown}</span>'

    return cloze.substitute(text, one)


def _fill(template: str, fields: dict[str, str], ordinal: int, answer: bool, front_side: str = "") -> str:
    def section(match: re.Match[str]) -> str:
        return match.group(2) if fields.get(match.group(1), "").strip() else ""

    def field(match: re.Match[str]) -> str:
        is_cloze, name = match.group(1), match.group(2)
        if name == "FrontSide":
            return front_side
        value = fields.get(name, "")
        return _cloze_html(value, ordinal, answer) if is_cloze else value

    return _FIELD.sub(field, _SECTION.sub(section, template))


def entries(deck: Deck, cards: Iterable[Card]) -> list[Entry]:
    """Every card the deck's notes generate, in file order."""
    out = []
    for card in cards:
        spec = kinds.of(card.kind)
        fields = dict(zip((f.name for f in spec.note_type.fields), render.note_fields(deck, card), strict=True))
        note_tags = tuple(tags.note_tags(deck, card))
        for template, ordinal in spec.sides(card):
            # Anki's cloze numbers (and so the {{cloze:}} filter's) are the ordinal + 1
            front = _fill(template.front, fields, ordinal + 1, answer=False)
            back = _fill(template.back, fields, ordinal + 1, answer=True, front_side=front)
            out.append(Entry(deck, card, ordinal, front, back, note_tags))
    return out


def _inline_media(page_html: str, deck_cards: Iterable[Card]) -> str:
    """Replace media names by data: URLs, and sounds by audio players: the page stays self-contained."""
    for card in deck_cards:
        for media, is_image in ((card.image, True), (card.audio, False)):
            if media is None:
                continue
            kind = mimetypes.guess_type(media.name)[0] or "application/octet-stream"
            url = f"data:{kind};base64,{base64.b64encode(media.path.read_bytes()).decode()}"
            if is_image:
                page_html = page_html.replace(f'src="{media.name}"', f'src="{url}"')
            else:
                page_html = page_html.replace(f"[sound:{media.name}]", f'<audio controls src="{url}"></audio>')
    return page_html


def _anchor(card_id: str) -> str:
    return f"pv-card-{card_id}"


def _entry_html(entry: Entry, first: bool) -> str:
    data_tags = html.escape(" ".join(t.casefold() for t in entry.tags))
    tag_list = " ".join(f'<span class="pv-tag">{html.escape(t)}</span>' for t in entry.tags)
    anchor = f' id="{_anchor(entry.card.id)}"' if first else ""
    return (f'<article class="pv-entry"{anchor} data-tags="{data_tags}" data-card="{entry.card.id}" '
            f'data-ord="{entry.ord}">'
            f'<header class="pv-meta"><code>{entry.card.id}</code> · card {entry.ord + 1} · {tag_list}</header>'
            f'<div class="pv-sides"><section class="pv-side"><h4>Front</h4><div class="card">{entry.front}</div>'
            f'</section><section class="pv-side"><h4>Back</h4><div class="card">{entry.back}</div></section></div>'
            f'</article>')


def deck_body(deck: Deck, cards: Sequence[Card], memo: Memo = NO_MEMO) -> tuple[str, int]:
    """One deck's part of the page (its cards, by section, then its sources), and how many cards it shows
    (``memo``: where the rules kept the deck's coverage)."""
    deck_entries = entries(deck, cards)
    body = [f'<h1 class="pv-deck">{html.escape(deck.name)}</h1>']
    current: tuple[str, ...] = ()
    anchored: set[str] = set()  # cards whose first entry carries the anchor the source view links to
    for entry in deck_entries:
        if entry.card.section_titles != current:
            current = entry.card.section_titles
            depth = min(len(current) + 1, 6)
            body.append(f'<h{depth} class="pv-section">{html.escape(" › ".join(current))}</h{depth}>')
        body.append(_entry_html(entry, first=entry.card.id not in anchored))
        anchored.add(entry.card.id)
    body += [_source_html(found, anchored) for found in coverage.of_deck(deck, memo)]
    return "\n".join(body), len(deck_entries)


def page(decks: Sequence[tuple[Deck, Sequence[Card]]],
         body_of: Callable[[Deck, Sequence[Card]], tuple[str, int]] = deck_body) -> str:
    """The whole preview page (``body_of``: each deck's part, :func:`deck_body` or a remembered copy)."""
    body, all_cards, total_notes, total_cards = [], [], 0, 0
    for deck, cards in decks:
        part, shown = body_of(deck, cards)
        body.append(part)
        total_notes += len(cards)
        total_cards += shown
        all_cards += list(cards)
    tree = summary.tag_tree(decks)
    options = "".join(f'<option value="{html.escape(t.casefold())}">{"  " * t.count(tags.SEP)}{html.escape(t)} '
                      f"({n})</option>" for t, n in tree)
    counts = f"{total_notes} notes, {total_cards} cards"
    return _inline_media(_PAGE.format(css=templates.CSS + _PAGE_CSS, options=options, counts=counts,
                                      body="\n".join(body), script=_SCRIPT,
                                      total=json.dumps(total_cards)), all_cards)


def _source_html(found: coverage.Coverage, on_page: set[str]) -> str:
    """The source text, sentence by sentence: covered ones linked to their cards (those ``on_page``; a card
    a tag filter left out is named without a link), excused ones with their reason, uncovered ones marked so
    they stand out."""
    parts = []
    for line in found.lines:
        status = line.status
        title = f' title="{html.escape("excused: " + line.excused)}"' if status == "excused" else ""
        links = "".join(f' <a class="pv-ref" href="#{_anchor(card_id)}">{html.escape(card_id)}</a>'
                        if card_id in on_page else
                        f' <span class="pv-off-page" title="not on this page">{html.escape(card_id)}</span>'
                        for card_id in line.cards)
        parts.append(f'<span class="pv-sentence pv-{status}" data-line="{line.sentence.line}"{title}>'
                     f"{html.escape(line.sentence.text)}</span>{links}")
    return (f'<section class="pv-source"><h2>Source: {html.escape(found.source.title)} '
            f'<small>({html.escape(found.summary())})</small></h2><p>{" ".join(parts)}</p></section>')


_PAGE_CSS = """
body.pv { margin: 0; font-family: -apple-system, "Segoe UI", Roboto, sans-serif; background: #eef0f3; color: #1d1d1f; }
.pv-bar { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center;
  padding: 0.6em 1em; background: #fff; border-bottom: 1px solid #ccc; }
.pv-bar label { flex: 1 1 14em; min-width: 0; display: flex; gap: 0.3em; align-items: center; }
.pv-bar select, .pv-bar input { flex: 1; min-width: 0; width: 100%; font-size: 1em; padding: 0.3em; }
.pv-entry, .pv-side .card { overflow-wrap: anywhere; min-width: 0; }
.pv-main { padding: 0 1em 2em; }
.pv-entry { background: #fff; border-radius: 8px; margin: 0.8em 0; padding: 0.6em; box-shadow: 0 1px 2px #0002; }
.pv-meta { font-size: 0.8em; color: #666; margin-bottom: 0.4em; }
.pv-tag { display: inline-block; background: #e8eaf6; border-radius: 3px; padding: 0 0.3em; margin: 0 0.2em 0.2em 0; }
.pv-sides { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; }
.pv-side h4 { margin: 0 0 0.3em; font-size: 0.75em; text-transform: uppercase; color: #888; }
.pv-side .card { border: 1px solid #ddd; border-radius: 6px; margin: 0; max-width: none; }
@media (max-width: 700px) { .pv-sides { grid-template-columns: 1fr; } }
.pv-source { background: #fff; border-radius: 8px; margin: 1.2em 0; padding: 0.6em 1em; line-height: 1.6;
  overflow-wrap: anywhere; }
.pv-source h2 { font-size: 1.1em; }
.pv-sentence.pv-covered { border-bottom: 2px solid #2e7d32; }
.pv-sentence.pv-excused { color: #777; font-style: italic; }
.pv-sentence.pv-uncovered { background: #ffcdd2; outline: 2px solid #c62828; }
.pv-sentence.pv-heading { font-weight: 700; display: block; }
.pv-ref, .pv-off-page { font-size: 0.7em; font-family: ui-monospace, monospace; vertical-align: super; }
.pv-off-page { color: #888; }
@media (prefers-color-scheme: dark) {
  body.pv { background: #111; color: #ddd; }
  .pv-bar, .pv-entry, .pv-source { background: #1b1b1b; border-color: #333; }
  .pv-sentence.pv-uncovered { background: #5c1a1a; }
  .pv-tag { background: #2a2d3e; }
  .pv-side .card { border-color: #444; }
}
"""

_SCRIPT = """
(function () {
  var tagSelect = document.getElementById('pv-tag');
  var search = document.getElementById('pv-search');
  var shown = document.getElementById('pv-shown');
  var entries = Array.prototype.slice.call(document.querySelectorAll('.pv-entry'));
  if (window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches) {
    document.querySelectorAll('.card').forEach(function (c) { c.classList.add('nightMode'); });
  }
  function matchesTag(entry, wanted) {
    if (!wanted) return true;
    return entry.dataset.tags.split(' ').some(function (t) { return t === wanted || t.indexOf(wanted + '::') === 0; });
  }
  function update() {
    var wanted = tagSelect.value, text = search.value.toLowerCase(), count = 0;
    entries.forEach(function (entry) {
      var visible = matchesTag(entry, wanted) && (!text || entry.textContent.toLowerCase().indexOf(text) !== -1);
      entry.hidden = !visible;
      if (visible) count += 1;
    });
    shown.textContent = count;
  }
  tagSelect.addEventListener('change', update);
  search.addEventListener('input', update);
  update();
})();
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
  content="default-src 'none'; img-src data:; media-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>rcc-cards preview</title><style>{css}</style></head>
<body class="pv">
<div class="pv-bar"><strong>rcc-cards preview</strong> <span>{counts}; showing <span id="pv-shown">{total}</span></span>
<label>Tag <select id="pv-tag"><option value="">(all)</option>{options}</select></label>
<label>Search <input id="pv-search" type="search" placeholder="text on the card"></label></div>
<main class="pv-main">
{body}
</main>
<script>{script}</script>
</body></html>
"""
