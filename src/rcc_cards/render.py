"""Card text -> the HTML stored in Anki fields. The one place where text is escaped.

Deck text is plain text: ``&``, ``<`` and ``>`` are escaped so ``x < y & z`` shows literally, and line
breaks become ``<br>``. There is deliberately no markup language (see docs/format.md, "Plain text"): card text is
the source's wording, and a second syntax would be one more thing that can silently change it.
"""

from __future__ import annotations

import functools

from rcc_cards import kinds
from rcc_cards.model import Card, Deck, Kind
from rcc_cards.templates import NoteType


def to_html(text: str) -> str:
    """Escape plain text for an Anki field; keep line breaks.

    Besides HTML, Anki reads its own syntax in field text: ``[sound:…]`` plays a file, ``[latex]``, ``[$]`` and
    ``[$$]`` compile LaTeX into an image, ``[anki:…]`` are player tags. All of it starts with '[', which is
    written as ``&#91;``: the learner sees the bracket, and Anki finds no tag (tested in a real collection).
    MathJax delimiters (``\\(``, ``\\[``) are left to the note types, whose card sides MathJax skips.
    """
    if "&" not in text and "<" not in text and ">" not in text and "\n" not in text and "\r" not in text \
            and "[" not in text:
        return text  # most card text: nothing to change (six quick scans instead of six copies)
    return _escape(text).replace("[", "&#91;").replace("\r\n", "\n").replace("\n", "<br>")


def _escape(text: str, quote: bool = False) -> str:
    """``html.escape`` without importing ``html`` (which loads its entity tables: 2-3 ms of every start)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;").replace("'", "&#x27;") if quote else text


@functools.lru_cache(maxsize=4096)  # the same for every card of a section / deck
def _path_html(titles: tuple[str, ...]) -> str:
    return f'<div class="rcc-path">{to_html(" › ".join(titles))}</div>'


@functools.lru_cache(maxsize=4096)
def _context_html(text: str) -> str:
    return f'<div class="rcc-context"><span class="rcc-context-label">{CONTEXT_LABEL}</span> {to_html(text)}</div>'


BACKGROUND_LABEL = "Background knowledge (not from the source):"
UNQUOTED_LABEL = "No source sentence is quoted for this card: it was not checked against the source."


def source_html(deck: Deck, card: Card) -> str:
    """The back-of-card source block: where in the deck, then the verbatim quote and the citation; or, for a
    background card, its label and reason; or, for a card with neither, a label saying it is unchecked."""
    path = _path_html(card.section_titles)
    if card.quote:
        quote = f'<blockquote class="rcc-quote">{to_html(card.quote)}</blockquote>'
        source = deck.source_of(card)
        return path + quote + _cite_html(source.title, source.as_of, source.origin, card.refs)
    if card.unsourced:
        background = (f'<div class="rcc-background"><span class="rcc-label">{BACKGROUND_LABEL}</span> '
                      f"{to_html(card.unsourced)}</div>")
        return path + background + _origin_html(deck.source.title, deck.source.as_of, deck.source.origin)
    return path + f'<div class="rcc-unquoted"><span class="rcc-label">{UNQUOTED_LABEL}</span></div>'


@functools.lru_cache(maxsize=4096)  # the same for every card with the same references
def _cite_html(title: str, as_of: str, origin: str, refs: tuple[str, ...]) -> str:
    cite = f"{title} ({as_of}; {origin})" if origin else f"{title} ({as_of})"
    if refs:
        cite += f"; references {', '.join(refs)}"
    return f'<div class="rcc-cite">Source: {to_html(cite)}</div>'


@functools.lru_cache(maxsize=64)
def _origin_html(title: str, as_of: str, origin: str) -> str:
    """On a background card, where the deck's source came from (when the deck says), so that a learner can
    look for its current version too; "" when the deck does not know."""
    if not origin:
        return ""
    return f'<div class="rcc-cite">The deck\'s source: {to_html(f"{title} ({as_of}; {origin})")}</div>'


CONTEXT_LABEL = "Context (not from the source):"


def context_html(deck: Deck, card: Card) -> str:
    """The author's context for this card, for each section it is in (the innermost first) and for its deck,
    each labelled as not coming from the source."""
    if not card.context and not card.section_context:
        return _context_html(deck.context) if deck.context else ""
    texts = [card.context, *reversed(card.section_context), deck.context]
    return "".join(_context_html(text) for text in texts if text)


def media_html(card: Card) -> str:
    """The card's image and sound, by their names in Anki's media folder."""
    if card.image is None and card.audio is None:
        return ""
    parts = []
    if card.image is not None:
        parts.append(f'<img src="{_escape(card.image.name, quote=True)}" alt="">')
    if card.audio is not None:
        parts.append(f"[sound:{card.audio.name}]")
    return "".join(parts)


def note_fields(deck: Deck, card: Card) -> list[str]:
    """The note's fields, in the order of its note type (see :mod:`rcc_cards.templates`)."""
    tail = [media_html(card), to_html(card.extra), context_html(deck, card), source_html(deck, card), card.id]
    return [*map(to_html, kinds.of(card.kind).content(card)), *tail]


def description_html(deck: Deck) -> str:
    parts = [to_html(deck.description)] if deck.description else []
    if deck.context:
        parts.append(f"{CONTEXT_LABEL} {to_html(deck.context)}")
    for source in deck.sources:
        cite = f"Source: {source.title} ({source.as_of})" + (f", {source.origin}" if source.origin else "") + \
            (f", {source.url}" if source.url else "")
        parts.append(to_html(cite))
    return "<br><br>".join(parts)


REVERSE_SUMMARY = "Source and notes (rcc-cards)"


def adopted_fields(note_type: NoteType, card: Card, fields: list[str]) -> list[str]:
    """``fields`` (rcc-cards' own, :func:`note_fields`) in the fields of a note type kept from Anki
    (``rcc-cards import``): the first holds the front (and the card's media), the second the answer (for a
    cloze, nothing) followed by the back matter in the markup of rcc-cards' own templates (extra, context,
    the source block, the card id), so the learner sees it; every further field is empty, except an
    "Add Reverse" field, which is "y" for a card with a reverse.

    A card with a reverse is asked with the second field too, and its quote and extra would tell the answer:
    there the back matter is folded in a closed ``<details>`` under :data:`REVERSE_SUMMARY`, one click away
    on either side (the kept note type's templates are the learner's and are not changed)."""
    count = len(kinds.of(card.kind).content(card))
    content, (media, extra, context, source, card_id) = fields[:count], fields[count:]
    front = content[0] + (f'<div class="rcc-media">{media}</div>' if media else "")
    matter = (f'<div class="rcc-extra">{extra}</div>' if extra else "") + context + \
        f'<div class="rcc-source">{source}</div><div class="rcc-id">{card_id}</div>'
    if card.kind is Kind.REVERSE:  # the reverse card asks with this field: its quote would give the answer away
        matter = f'<details class="rcc-more"><summary>{REVERSE_SUMMARY}</summary>{matter}</details>'
    back = (content[1] if count > 1 else "") + matter
    reverse = "y" if card.kind is Kind.REVERSE else ""
    rest = [reverse if f.name.casefold() == "add reverse" else "" for f in note_type.fields[2:]]
    return [front, back, *rest]
