"""Reading one card: a card node -> a :class:`~rcc_cards.model.Card`, reporting every problem.

Two ways to the same card. Most cards are written without a problem: :func:`_clean_card` builds those in
one pass with no message prepared, driven by the same spec (:data:`.spec.CARD`), and answers None for any
other; :meth:`CardReader.card` then reads the card the full way, which reports. A property test checks
that both ways give the same cards. :func:`read_card` reads one card of a deck already read (an edit in
watch mode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rcc_cards import cloze, kinds, tags
from rcc_cards.errors import Problem
from rcc_cards.loader import spec
from rcc_cards.loader.nodes import Mapping, Node, Scalar, Sequence
from rcc_cards.loader.spec import MAX_ID_LENGTH
from rcc_cards.loader.values import ValueReader, clean_text
from rcc_cards.model import Card, Deck, Kind, Loc


def read_card(path: str, file_path: Path, deck: Deck, node: Node, like: Card) -> tuple[Card | None, list[Problem]]:
    """Read ``node`` as a card of ``deck`` in the section of the card ``like`` (its tags inherited, its
    source keys known): what reading the whole file would make of it. Watch mode reads an edited card so
    (:mod:`rcc_cards.watch.patch`)."""
    reader = CardReader(path, file_path.parent)
    reader.source_keys = {source.key for source in deck.sources}
    inherited: tuple[str, ...] = ()
    sections = deck.sections
    for key in like.section_path:
        section = next((s for s in sections if s.key == key), None)
        if section is None:
            return None, [Problem(path, node.line, node.col, "section not found")]
        inherited = tags.merged(inherited, section.tags)
        sections = section.sections
    card = reader.card(node, "", like.section_path, like.section_titles, inherited)
    if card is not None and like.section_context:
        card = card._replace(section_context=like.section_context)
    return card, reader.problems


class CardReader(ValueReader):
    """Reads the cards of one file; ``source_keys`` are the deck's source keys, once read (None: unknown)."""

    def __init__(self, path: str, deck_dir: Path, text: str = "") -> None:
        super().__init__(path, deck_dir, text)
        self.source_keys: set[str] | None = None

    def card(self, node: Node, parent: str, path: tuple[str, ...], titles: tuple[str, ...],
             inherited: tuple[str, ...], fast: bool = True) -> Card | None:
        """The card ``node`` is, in the section ``path`` (its ``titles``, the ``inherited`` tags), or None after
        reporting why it is not one; ``parent`` names the section in messages. ``fast``: try the fast way first."""
        if fast and type(node) is Mapping:
            card = _clean_card(self.path, node, path, titles, inherited)
            if card is not None:
                return card
        card_id = _peek_id(node)
        ctx = f"{parent} > card '{card_id}'" if card_id else f"{parent} > card"
        if _looks_like_section(node):
            self.report(node, parent, "this item has a section's keys ('key' and 'title', 'cards' or 'sections') "
                                      "but is in a list of cards; a section goes in a 'sections:' list (check the "
                                      "lines above it: a 'sections:' line, or the section it belongs to, may be "
                                      "missing or indented differently)")
            return None
        found = self.mapping(node, ctx, spec.CARD, report_missing=False)
        if found is None:
            return None
        if "id" not in found:
            self.report(node, ctx, "card has no 'id'. Every card needs a stable id (e.g. id: il2-dose-range): "
                                   "it identifies the note across rebuilds, so fixing a typo updates the "
                                   "learner's note instead of creating a new one and losing its history")
        meant = self.meant_keys
        values = self.read_values(found, ctx, spec.CARD)
        kind = self._kind(node, ctx, found, values or {}, meant)
        both = "quote" in found and "unsourced" in found
        if both:
            self.report(found["unsourced"][0], ctx, "a card has either a 'quote' (the source sentence it comes "
                                                    "from) or 'unsourced' (why it is background knowledge the "
                                                    "source does not state), not both; remove one")
        if values is None or kind is None or "id" not in values or both or not self._source_known(found, ctx):
            return None
        fields = {_CARD_TARGETS[k]: v for k, v in values.items() if k in _CARD_TARGETS}
        return _make_card(fields, kind, path, titles, inherited, self.loc(node),
                          {k: (v.line, v.col) for k, (_, v) in found.items()})

    def _source_known(self, found: dict[str, tuple[Scalar, Node]], ctx: str) -> bool:
        """A card's ``source`` names one of the deck's sources (when those could be read)."""
        if "source" not in found or self.source_keys is None:
            return True
        node = found["source"][1]
        key = node.value if isinstance(node, Scalar) else ""
        if key in self.source_keys:
            return True
        known = ", ".join(sorted(k for k in self.source_keys if k)) or "none: the deck's one source has no key"
        self.report(node, ctx, f"source '{key}' is not a source of this deck (its source keys: {known}); name one "
                               "of them, or remove 'source' to quote the deck's first source")
        return False

    def _kind(self, node: Node, ctx: str, found: dict[str, tuple[Scalar, Node]],
              values: dict[str, Any], meant: set[str]) -> Kind | None:
        """The card's kind (:func:`rcc_cards.kinds.classify`), or None after reporting why it has none
        (``meant``: what the card's unknown keys probably meant)."""
        if "reverse" in found and "reverse" not in values:
            return None  # its value was bad, and reported
        kind = kinds.classify(found.keys(), values.get("reverse"))
        if isinstance(kind, kinds.KindError):
            if meant and not isinstance(kinds.classify(found.keys() | meant, values.get("reverse")),
                                        kinds.KindError):
                return None  # the missing key is the misspelled one, already reported with its right spelling
            self.report(found[kind.key][0] if kind.key else node, ctx, kind.message)
            return None
        return kind


# The card keys the fast way reads: the kind of their shape, and the model attribute they fill ("" for a key
# read but not kept). Media needs the file system: the full way.
_FAST_KEYS = {f.key: (f.shape.kind, f.target if f.stored else "") for f in spec.CARD.fields
              if f.shape.kind in ("text", "name", "flag", "cloze", "texts", "tags")}
_CARD_TARGETS = {f.key: f.target for f in spec.CARD.fields if f.stored}
_CARD_REQUIRED = spec.CARD.required
_CARD_PATTERNS = {f.key: f.shape.pattern for f in spec.CARD.fields if f.shape.pattern is not None}


def _make_card(fields: dict[str, Any], kind: Kind, path: tuple[str, ...], titles: tuple[str, ...],
               inherited: tuple[str, ...], loc: Loc, key_locs: dict[str, tuple[int, int]]) -> Card:
    """A card by keyword, from its values by the model attribute the spec names for each key (both ways of
    reading a card end here); the section's topic tags come first."""
    if inherited:
        fields["tags"] = tags.merged(inherited, fields.get("tags", ()))
    return Card(kind=kind, section_path=path, section_titles=titles, loc=loc, key_locs=key_locs, **fields)


def _clean_list(node: Node, shape_kind: str) -> tuple[str, ...] | None:
    """A list value (``texts`` or ``tags``) the full way accepts without a word, or None."""
    if type(node) is not Sequence:
        return None
    items = []
    for item in node.items:
        text = clean_text(item)
        if text is None:
            return None
        items.append(text)
    if shape_kind == "texts":
        return tuple(items)
    if any(tags.tag_problem(tag) is not None for tag in items):
        return None
    return tags.unique(items)


def _clean_scalar(node: Node, key: str, shape_kind: str) -> str | None:
    """A text value (``text``, ``name``, ``flag`` or ``cloze``) the full way accepts without a word, or None."""
    text = clean_text(node)
    if text is None or shape_kind == "text":
        return text
    if shape_kind == "name":
        pattern = _CARD_PATTERNS[key]
        return text if len(text) <= MAX_ID_LENGTH and pattern.match(text) else None
    if shape_kind == "flag":
        return text if text in ("true", "false") else None
    return None if cloze.parse(text)[1] else text  # "cloze"


def _clean_card(path: str, node: Mapping, section_path: tuple[str, ...], titles: tuple[str, ...],
                inherited: tuple[str, ...]) -> Card | None:
    """The card, when ``node`` is a card the full way (:meth:`CardReader.card`) accepts without reporting
    anything, else None. Most cards are; this way builds them in one pass with no messages prepared, driven
    by the same spec (:data:`.spec.CARD`), and a property test checks that both ways give the same cards."""
    fields: dict[str, Any] = {}  # by model attribute
    unstored: dict[str, str] = {}  # keys read but not kept (a card's 'reverse' chooses its kind)
    key_locs: dict[str, tuple[int, int]] = {}
    for key, value in node.pairs:
        name = key.value
        known = _FAST_KEYS.get(name)
        if known is None:
            return None  # an unknown key, or one only the full way reads
        shape_kind, target = known
        key_locs[name] = (value.line, value.col)
        if shape_kind == "text":  # most values
            read: Any = clean_text(value)
        elif shape_kind == "texts" or shape_kind == "tags":
            read = _clean_list(value, shape_kind)
        else:
            read = _clean_scalar(value, name, shape_kind)
        if read is None:
            return None
        if not target:
            unstored[name] = read
        else:
            fields[target] = read
    for required in _CARD_REQUIRED:
        if required not in key_locs:
            return None
    if ("quote" in key_locs and "unsourced" in key_locs) or "source" in key_locs:
        return None  # the full way reports it, or checks the source against the deck's
    kind = kinds.classify(key_locs, unstored.get("reverse"))
    if type(kind) is not Kind:
        return None
    return _make_card(fields, kind, section_path, titles, inherited, Loc(path, node.line, node.col), key_locs)


def _looks_like_section(node: Node) -> bool:
    """A mapping with a section's keys and no card's: an item in the wrong list, not a broken card."""
    if not isinstance(node, Mapping):
        return False
    keys = {key.value for key, _ in node.pairs}
    return "key" in keys and bool(keys & {"title", "cards", "sections"}) and not keys & {"id", "q", "a", "cloze"}


def _peek_id(node: Node) -> str:
    """The card's id as written, to name the card in messages (validated later)."""
    if isinstance(node, Mapping):
        for key, value in node.pairs:
            if key.value == "id" and isinstance(value, Scalar) and not value.bad:
                return value.value
    return ""
