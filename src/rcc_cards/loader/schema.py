"""The deck format: a node tree -> a :class:`~rcc_cards.model.Deck`, reporting every problem.

Every value is text until this module says otherwise; nothing is guessed. Which keys each mapping has,
which are required and what shape each value must be is declared in :mod:`.spec`; this module reads a
tree against that declaration. Unknown keys, missing keys, empty text, wrong shapes, bad ids, tags, deck
names, rule settings and cloze markup are all reported with the place to fix and the object they belong to
(``section 'surgery' > card 'x': …``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rcc_cards import cloze, kinds, media, suggest, tags
from rcc_cards.errors import Problem
from rcc_cards.loader import decode, spec
from rcc_cards.loader.nodes import Mapping, Node, Scalar, Sequence
from rcc_cards.loader.spec import MAX_CARDS, MAX_ID_LENGTH, Field, Map, Shape
from rcc_cards.model import Card, Deck, Kind, Loc, RuleSetting, Section, Skip, Source

_ONE_LINE_STYLES = (None, "'", '"')  # values used exactly as written (blocks lose their final newline)
_BAD_TEXT_CHAR = "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"  # compiled when a text is not printable
_BAD = object()  # a value that was reported, or stands in for something already reported
MAX_CLOZE_PROBLEMS = 10  # per text: the rest are counted in one line (and each is placed in linear time)


def build_deck(path: str, file_path: Path, root: Node | None,
               text: str = "") -> tuple[Deck | None, list[Problem]]:
    """Read one file's tree as a deck. ``file_path`` locates the source text relative to the deck;
    ``text`` is the file's text, to place a problem inside a value (a broken cloze marker) at its own
    line and column (without it, such problems are placed at the value's start)."""
    reader = _Reader(path, file_path.parent, text)
    deck = reader.deck(root, file_path)
    return deck, reader.problems


def one_card(path: str, file_path: Path, deck: Deck, node: Node, like: Card) -> tuple[Card | None, list[Problem]]:
    """Read ``node`` as a card of ``deck`` in the section of the card ``like`` (its tags inherited, its
    source keys known): what reading the whole file would make of it (:mod:`.patch` uses it)."""
    reader = _Reader(path, file_path.parent)
    reader.source_keys = {source.key for source in deck.sources}
    inherited: tuple[str, ...] = ()
    sections = deck.sections
    for key in like.section_path:
        section = next((s for s in sections if s.key == key), None)
        if section is None:
            return None, [Problem(path, node.line, node.col, "section not found")]
        inherited = _merge_tags(inherited, section.tags)
        sections = section.sections
    card = reader._card(node, "", like.section_path, like.section_titles, inherited)
    return card, reader.problems


def _shape(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping (key: value lines)"
    if isinstance(node, Sequence):
        return "a list"
    if node.value == "" and node.style is None:
        return "nothing (an empty value)"
    return f"the text {node.value!r}"


class _Reader:
    def __init__(self, path: str, deck_dir: Path, text: str = "") -> None:
        self.path = path
        self.deck_dir = deck_dir
        self.file_text = text
        self._lines: decode.Lines | None = None  # where the file's lines start, made when first needed
        self.problems: list[Problem] = []
        self.card_count = 0
        self.source_keys: set[str] | None = None  # the deck's source keys, once read (None: unknown)
        self.meant_keys: set[str] = set()  # what the unknown keys of the mapping read last probably meant

    # -- reporting ----------------------------------------------------------------------------
    def loc(self, node: Node) -> Loc:
        return Loc(self.path, node.line, node.col)

    def report(self, node: Node, ctx: str, message: str, severity: str = "error") -> None:
        prefix = f"{ctx}: " if ctx else ""
        self.problems.append(Problem(self.path, node.line, node.col, prefix + message,
                                     "warning" if severity == "warning" else "error"))

    def wrong_shape(self, node: Node, ctx: str, expected: str, found: str = "") -> None:
        """Report ``node`` as not the shape ``expected`` (``; found <its shape>`` is added), unless it stands
        in for something already reported (an alias, a node too deep)."""
        if not (isinstance(node, Scalar) and node.bad):
            self.report(node, ctx, f"{expected}; found {found or _shape(node)}")

    # -- shapes -------------------------------------------------------------------------------
    def mapping(self, node: Node, ctx: str, spec_map: Map,
                report_missing: bool = True) -> dict[str, tuple[Scalar, Node]] | None:
        """The keys of a mapping node, after reporting unknown and (``report_missing``) missing ones."""
        allowed = spec_map.keys
        if not isinstance(node, Mapping):
            self.wrong_shape(node, ctx, f"expected {spec_map.what} with keys {', '.join(allowed)}")
            return None
        found: dict[str, tuple[Scalar, Node]] = {}
        allowed_set = _as_set(allowed)
        self.meant_keys = set()
        for key, value in node.pairs:
            if key.value in allowed_set:
                found[key.value] = (key, value)
            else:
                meant = _meant_key(key.value, allowed)
                self.report(key, ctx, _unknown_key(key.value, allowed, meant))
                if meant:
                    self.meant_keys.add(meant)
        required = list(spec_map.required)
        missing = [f"'{k}'" for k in required if k not in found and k not in self.meant_keys]
        if spec_map.one_of:  # exactly one of these
            required.append(" or ".join(spec_map.one_of))
            if not any(k in found or k in self.meant_keys for k in spec_map.one_of):
                missing.append(" or ".join(f"'{k}'" for k in spec_map.one_of))
        if missing and report_missing:
            self.report(node, ctx, f"{spec_map.what} is missing {' and '.join(missing)} "
                                   f"(required keys: {', '.join(required)})")
        return found

    def value(self, node: Node, ctx: str, field: Field) -> Any:
        """The value of ``field`` read from ``node`` by its shape, or ``_BAD`` (reported) ."""
        shape, key = field.shape, field.key
        reader = _VALUE_READERS.get(shape.kind)
        if reader is None:
            raise ValueError(f"the loader cannot read the shape {shape.kind!r} of '{key}' here")
        value = reader(self, node, ctx, key, shape)
        return _BAD if value is None else value

    def text(self, node: Node, ctx: str, key: str, empty: str = "", prose: bool = True) -> str | None:
        """A text value: a scalar, not empty, no control characters; block scalars lose their final newline.

        ``prose`` values (card and deck text) may not be followed by a ' #' comment: YAML would have cut
        the text there. Ids, keys, flags and tags may carry a trailing comment.
        """
        clean = _clean_text(node)  # the common case, decided without preparing any message
        if clean is not None:
            return clean
        if not isinstance(node, Scalar):
            self.report(node, ctx, f"'{key}' must be text; found {_shape(node)}. "
                                   "Put the text on the line after the key, or quote it")
            return None
        if node.bad:
            return None
        value = node.value.rstrip("\n") if node.style in ("|", ">") else node.value
        problems = [_empty(key, empty) if not value.strip() else "", _bad_character(key, value),
                    _cut_by_comment(key, value) if prose and node.comment_after else ""]
        for message in filter(None, problems):
            self.report(node, ctx, message)
        return None if any(problems) else value

    def _read_text(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        return self.text(node, ctx, key, prose=shape.prose)

    def _read_name(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        value = self.text(node, ctx, key, prose=False)
        if value is None:
            return None
        if len(value) > MAX_ID_LENGTH or shape.pattern is None or not shape.pattern.match(value):
            meant = _valid_form(value, shape.pattern)
            hint = f". Did you mean '{meant}'?" if meant else ""
            self.report(node, ctx, f"{key} {value!r} is not valid: use {shape.example} "
                                   f"(at most {MAX_ID_LENGTH} characters){hint}")
            return None
        return value

    def _read_deck_name(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        name = self.text(node, ctx, key, prose=shape.prose)
        if name is not None and (why := tags.deck_name_problem(name)):
            self.report(node, ctx, why)
            return None
        return name

    def _read_flag(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        flag = self.text(node, ctx, key, prose=False)
        if flag is not None and flag not in ("true", "false"):
            self.report(node, ctx, f"'{key}' must be true or false; found {flag!r}")
            return None
        return flag

    def _read_cloze(self, node: Node, ctx: str, key: str, shape: Shape) -> str | None:
        text = self.text(node, ctx, key)
        if text is None:
            return None
        _, errors = cloze.parse(text)
        if len(errors) > MAX_CLOZE_PROBLEMS:
            self.report(node, ctx, f"{len(errors) - MAX_CLOZE_PROBLEMS:,} more problems with the cloze markup of "
                                   "this text after the ones above; fix those first")
            errors = errors[:MAX_CLOZE_PROBLEMS]
        for error in errors:
            line, col = self.inside(node, text, error.offset)
            message = error.message
            if error.opened is not None:
                opened_line, opened_col = self.inside(node, text, error.opened)
                message = message.replace("{opened}", f"line {opened_line}, column {opened_col}")
            self.problems.append(Problem(self.path, line, col, f"{ctx}: {message}" if ctx else message))
        return None if errors else text

    def inside(self, node: Node, value: str, offset: int) -> tuple[int, int]:
        """The file's line and column of character ``offset`` of ``value``, the text read from ``node``.

        Folding, block indentation and quoting change a value's whitespace, not its other characters, so
        the n-th '{{' of the value is the n-th '{{' of the file after the node's start. Placed at the
        node's start when the marker is not found that way (an escape wrote it, or no file text).
        """
        needle = value[offset:offset + 2]
        if not needle.strip() or not self.file_text:
            return node.line, node.col
        if self._lines is None:
            self._lines = decode.Lines(self.file_text)
        starts = self._lines.starts
        at = starts[node.line - 1] + node.col - 1 if node.line <= len(starts) else len(self.file_text)
        for _ in range(value.count(needle, 0, offset) + 1):
            at = self.file_text.find(needle, at)
            if at < 0:
                return node.line, node.col
            at += len(needle)
        return self._lines(at - len(needle))

    def _read_media(self, node: Node, ctx: str, key: str, shape: Shape) -> object | None:
        written = self.text(node, ctx, key, prose=False)
        if written is None:
            return None
        resolved, why = media.resolve(self.deck_dir, written, shape.kind)
        if resolved is None:
            self.report(node, ctx, why)
        return resolved

    def text_list(self, node: Node, ctx: str, key: str, empty: str = "") -> list[tuple[Scalar, str]]:
        if not isinstance(node, Sequence):
            self.wrong_shape(node, ctx, f"'{key}' must be a list, e.g. {key}: [a, b]")
            return []
        out = []
        for item in node.items:
            value = self.text(item, ctx, key, empty, prose=False)
            if value is not None and isinstance(item, Scalar):
                out.append((item, value))
        return out

    def _read_texts(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[str, ...]:
        return tuple(v for _, v in self.text_list(node, ctx, key))

    def _read_tags(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[str, ...]:
        valid: list[str] = []
        for item, value in self.text_list(node, ctx, key, empty=str(tags.tag_problem(""))):
            why = tags.tag_problem(value)
            if why:
                self.report(item, ctx, why)
            else:
                valid.append(value)
        return _without_repeats(valid)

    def _read_skips(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[Skip, ...] | None:
        """``skip: [{sentence: …, why: …}, …]``: each item a mapping with both keys."""
        if not isinstance(node, Sequence):
            self.wrong_shape(node, ctx, f"'{key}' must be a list of '- sentence: …' items, each with its 'why'")
            return None
        out: list[Skip] = []
        ok = True
        for item in node.items:
            found = self.mapping(item, ctx, spec.SKIP)
            values = self._values(found, ctx, spec.SKIP) if found is not None else None
            if values is None or set(values) != {"sentence", "why"}:
                ok = False
                continue
            out.append(Skip(values["sentence"], values["why"], self.loc(item)))
        return tuple(out) if ok else None

    def _read_rules(self, node: Node, ctx: str, key: str, shape: Shape) -> tuple[RuleSetting, ...] | None:
        """``rules: {rule-id: setting}``: each rule id and its setting as text, where they were written.
        Which ids and settings a deck may use is the rules' to judge (:mod:`rcc_cards.rules.settings`)."""
        if not isinstance(node, Mapping):
            self.wrong_shape(node, ctx, f"'{key}' must be a mapping of rule ids to error, warning or off, e.g. "
                                        f"'{key}: {{answer-too-long: off}}'")
            return None
        return tuple(RuleSetting(rule_key.value, self.text(value_node, ctx, rule_key.value, prose=False),
                                 self.loc(value_node), self.loc(rule_key)) for rule_key, value_node in node.pairs)

    # -- the format ---------------------------------------------------------------------------
    def deck(self, root: Node | None, file_path: Path) -> Deck | None:
        if root is None:
            self.problems.append(Problem(self.path, 1, 1, "empty deck file: expected a mapping with the keys "
                                                          "'deck' and 'sections' (see the README's example)"))
            return None
        top = self.mapping(root, "", spec.TOP)
        if top is None:
            return None
        meta = self._deck_meta(top["deck"][1], file_path) if "deck" in top else None
        sections = self._sections(top["sections"][1], (), (), ()) if "sections" in top else ()
        if meta is None or "sections" not in top:
            return None
        return Deck(sections=sections, loc=self.loc(top["deck"][1]), file=file_path, **meta)

    def _values(self, found: dict[str, tuple[Scalar, Node]], ctx: str, spec_map: Map,
                skip: tuple[str, ...] = ()) -> dict[str, Any] | None:
        """Each found key's value, read by its shape (``skip``: keys read elsewhere); None if any was bad."""
        values = {k: self.value(v, ctx, spec_map.field(k)) for k, (_, v) in found.items() if k not in skip}
        return None if any(v is _BAD for v in values.values()) else values

    def _deck_meta(self, node: Node, file_path: Path) -> dict[str, Any] | None:
        ctx = "deck"
        found = self.mapping(node, ctx, spec.DECK)
        if found is None:
            return None
        values = self._values(found, ctx, spec.DECK, skip=("source", "sources"))
        sources = self._deck_sources(node, found, file_path)
        if values is None or sources is None or not {"key", "name"} <= set(values):
            return None
        return {"sources": sources, "key_loc": self.loc(found["key"][1]), "description": "", "context": "",
                **{spec.DECK.field(k).target: v for k, v in values.items()}}

    def _deck_sources(self, node: Node, found: dict[str, tuple[Scalar, Node]],
                      file_path: Path) -> tuple[Source, ...] | None:
        """``source:`` (one) or ``sources:`` (a list, each with its key): exactly one of them."""
        if "source" in found and "sources" in found:
            self.report(found["sources"][0], "deck", "a deck has 'source' (one) or 'sources' (a list of several, "
                                                     "each with its 'key'), not both; move the first into the list")
            return None
        if "source" in found:
            one = self._source(found["source"][1], file_path, "deck > source", key_required=False)
            self.source_keys = {one.key} if one is not None else None
            return None if one is None else (one,)
        if "sources" not in found:
            return None  # reported with the other missing keys
        return self._source_list(found["sources"][1], file_path)

    def _source_list(self, node: Node, file_path: Path) -> tuple[Source, ...] | None:
        if not isinstance(node, Sequence) or not node.items:
            self.wrong_shape(node, "deck", "'sources' must be a list of sources ('- key: …' items, each with title, "
                                           "file and as_of)", "an empty list" if isinstance(node, Sequence) else "")
            return None
        out: list[Source] = []
        seen: dict[str, Node] = {}
        ok = True
        for item in node.items:
            source = self._source(item, file_path, "deck > sources", key_required=True)
            if source is None:
                ok = False
            elif source.key in seen:
                self.report(item, "deck > sources", f"duplicate source key '{source.key}'; it is first used at line "
                                                    f"{seen[source.key].line}. Give each source its own key")
                ok = False
            else:
                seen[source.key] = item
                out.append(source)
        self.source_keys = set(seen) if ok else None
        return tuple(out) if ok else None

    def _source(self, node: Node, file_path: Path, ctx: str, key_required: bool) -> Source | None:
        found = self.mapping(node, ctx, spec.SOURCE)
        if found is None:
            return None
        if key_required and "key" not in found:
            self.report(node, ctx, "each of several sources needs a 'key' (e.g. key: pdq), which cards that quote "
                                   "it name with 'source: pdq'")
            return None
        values = self._values(found, ctx, spec.SOURCE)
        if values is None or not set(spec.SOURCE.required) <= set(values):
            return None
        file_node = found["file"][1]
        source_path = file_path.parent.absolute() / values["file"]
        if source_path.exists() and not source_path.is_file():
            self.report(file_node, ctx, f"source file {values['file']!r} is not a regular file (a folder, pipe or "
                                        "device); name the source's UTF-8 text file")
            return None
        if not source_path.is_file():
            meant = _closest_file(file_path.parent, values["file"])
            hint = f". Did you mean '{meant}'?" if meant else ""
            looked = Path(self.path).parent / values["file"]  # named the way the deck file was named
            self.report(file_node, ctx, f"source file {values['file']!r} not found (looked for {looked}); "
                                        f"the path is relative to the deck file's folder{hint}")
            return None
        return Source(values["title"], source_path, values["as_of"], values.get("url", ""), self.loc(file_node),
                      values["file"], values.get("skip", ()), values.get("key", ""), values.get("origin", ""))

    def _sections(self, node: Node, path: tuple[str, ...], titles: tuple[str, ...],
                  inherited: tuple[str, ...]) -> tuple[Section, ...]:
        where = " > ".join(f"section '{k}'" for k in path)
        if not isinstance(node, Sequence):
            self.report(node, where, f"'sections' must be a list of sections ('- key: …' items); "
                                     f"found {_shape(node)}")
            return ()
        out: list[Section] = []
        seen: dict[str, Node] = {}
        for item in node.items:
            section = self._section(item, path, titles, inherited)
            if section is None:
                continue
            if section.key in seen:
                self.report(item, where, f"duplicate section key '{section.key}'; it is first used at line "
                                         f"{seen[section.key].line}. Sibling sections need different keys "
                                         "(the key becomes the tag)")
                continue
            seen[section.key] = item
            out.append(section)
        return tuple(out)

    def _section(self, node: Node, path: tuple[str, ...], titles: tuple[str, ...],
                 inherited: tuple[str, ...]) -> Section | None:
        parent = " > ".join(f"section '{k}'" for k in path)
        found = self.mapping(node, parent or "", spec.SECTION)
        if found is None:
            return None
        read = self.value(found["key"][1], parent, spec.SECTION.field("key")) if "key" in found else _BAD
        key = read if isinstance(read, str) else ""
        written = _written(found["key"][1]) if "key" in found and not key else ""  # a bad key, as written
        ctx = " > ".join(filter(None, [parent, f"section '{key or written}'" if key or written else "section"]))
        values = self._values(found, ctx, spec.SECTION, skip=("key", "cards", "sections"))
        own_tags = values.get("tags", ()) if values is not None else ()
        title = values.get("title", "") if values is not None else ""
        # the cards of a section with a bad key or title are still read, for their own problems
        sub_path, sub_titles = (*path, key or written or "section"), (*titles, title)
        all_tags = _merge_tags(inherited, own_tags)
        cards = self._cards(found["cards"][1], ctx, sub_path, sub_titles, all_tags) if "cards" in found else ()
        sections = self._sections(found["sections"][1], sub_path, sub_titles, all_tags) \
            if "sections" in found else ()
        if "cards" not in found and "sections" not in found:
            self.report(node, ctx, "section has no 'cards' and no 'sections'; add cards or remove the section",
                        "warning")
        if not key or not title:
            if not cards and not sections:
                return None
            # a stand-in, so that its cards still take part in the checks across cards (unique ids); its
            # problem keeps the file from being built
            return Section(key or written or "section", title or "?", own_tags, cards, sections, self.loc(node))
        return Section(key, title, own_tags, cards, sections, self.loc(node))

    def _cards(self, node: Node, ctx: str, path: tuple[str, ...], titles: tuple[str, ...],
               inherited: tuple[str, ...]) -> tuple[Card, ...]:
        if not isinstance(node, Sequence):
            self.report(node, ctx, f"'cards' must be a list of cards ('- id: …' items); found {_shape(node)}")
            return ()
        cards = []
        for item in node.items:
            self.card_count += 1
            if self.card_count > MAX_CARDS:
                if self.card_count == MAX_CARDS + 1:
                    self.report(item, ctx, f"more than {MAX_CARDS:,} cards in one deck file; split the deck "
                                           "into several files (card ids stay unique across them)")
                continue
            card = self._card(item, ctx, path, titles, inherited)
            if card is not None:
                cards.append(card)
        return tuple(cards)

    def _card(self, node: Node, parent: str, path: tuple[str, ...], titles: tuple[str, ...],
              inherited: tuple[str, ...]) -> Card | None:
        if FAST_CARDS and type(node) is Mapping:
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
        values = self._values(found, ctx, spec.CARD)
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


_VALUE_READERS = {
    "text": _Reader._read_text, "name": _Reader._read_name, "deck-name": _Reader._read_deck_name,
    "flag": _Reader._read_flag, "cloze": _Reader._read_cloze, "image": _Reader._read_media,
    "audio": _Reader._read_media, "texts": _Reader._read_texts, "tags": _Reader._read_tags,
    "rules": _Reader._read_rules, "skips": _Reader._read_skips,
}


def _empty(key: str, message: str) -> str:
    return message or f"'{key}' is empty; write the text, or remove the key if it is optional"


def _bad_character(key: str, value: str) -> str:
    bad = re.search(_BAD_TEXT_CHAR, value)
    if bad is None:
        return ""
    code = f"U+{ord(bad.group()):04X}"
    what = "an invalid character (a lone surrogate)" if "\ud800" <= bad.group() <= "\udfff" else "a control character"
    return (f"'{key}' contains {what} {code}; control characters are not allowed (U+001F in a field makes Anki "
            "reject the whole import). Remove it")


def _cut_by_comment(key: str, value: str) -> str:
    return (f"'{key}' is cut short at ' #': YAML reads the rest of the line as a comment, so the text is only "
            f"{value!r}. Put the whole text in quotes, e.g. 'C# is #1', or move the comment to a line of its own")


def _make_card(fields: dict[str, Any], kind: Kind, path: tuple[str, ...], titles: tuple[str, ...],
               inherited: tuple[str, ...], loc: Loc, key_locs: dict[str, tuple[int, int]]) -> Card:
    """A card by keyword, from its values by the model attribute the spec names for each key (both ways of
    reading a card end here); the section's topic tags come first."""
    if inherited:
        fields["tags"] = _merge_tags(inherited, fields.get("tags", ()))
    return Card(kind=kind, section_path=path, section_titles=titles, loc=loc, key_locs=key_locs, **fields)


FAST_CARDS = True  # tests turn it off to check that both ways give the same decks
# The card keys the fast way reads: the kind of their shape, and the model attribute they fill ("" for a key
# read but not kept). Media needs the file system: the full way.
_FAST_KEYS = {f.key: (f.shape.kind, f.target if f.stored else "") for f in spec.CARD.fields
              if f.shape.kind in ("text", "name", "flag", "cloze", "texts", "tags")}
_CARD_TARGETS = {f.key: f.target for f in spec.CARD.fields if f.stored}
_CARD_REQUIRED = spec.CARD.required
_CARD_PATTERNS = {f.key: f.shape.pattern for f in spec.CARD.fields if f.shape.pattern is not None}


def _clean_text(node: Node) -> str | None:
    """A text value :meth:`_Reader.text` would accept without a word (prose or not), or None."""
    if type(node) is not Scalar or node.bad or node.comment_after:
        return None
    value = node.value if node.style in _ONE_LINE_STYLES else node.value.rstrip("\n")
    if not value or value.isspace():
        return None
    # Printable text has no control character, surrogate or noncharacter: a quicker test than the search.
    return value if value.isprintable() or re.search(_BAD_TEXT_CHAR, value) is None else None


def _clean_list(node: Node, shape_kind: str) -> tuple[str, ...] | None:
    """A list value (``texts`` or ``tags``) the full way accepts without a word, or None."""
    if type(node) is not Sequence:
        return None
    items = []
    for item in node.items:
        text = _clean_text(item)
        if text is None:
            return None
        items.append(text)
    if shape_kind == "texts":
        return tuple(items)
    if any(tags.tag_problem(tag) is not None for tag in items):
        return None
    return _without_repeats(items)


def _clean_scalar(node: Node, key: str, shape_kind: str) -> str | None:
    """A text value (``text``, ``name``, ``flag`` or ``cloze``) the full way accepts without a word, or None."""
    text = _clean_text(node)
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
    """The card, when ``node`` is a card the full way (:meth:`_Reader._card`) accepts without reporting
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
            read: Any = _clean_text(value)
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


@functools.cache  # called with the few key tuples above
def _as_set(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


def _written(node: Node) -> str:
    """A scalar's text as written, cut short for a message ("" for anything else)."""
    return node.value[:40] if isinstance(node, Scalar) and not node.bad else ""


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


def _merge_tags(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    if not first or not second:
        return first or second  # each is already free of repeats
    return _without_repeats([*first, *second])


def _without_repeats(tag_list: Iterable[str]) -> tuple[str, ...]:
    """The tags in order, each once: Anki compares tags case-insensitively, so the first spelling wins."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tag_list:
        if (folded := tag.casefold()) not in seen:
            seen.add(folded)
            out.append(tag)
    return tuple(out)


def _closest_file(folder: Path, written: str) -> str:
    """The file under ``folder`` (as a path relative to it) closest to ``written``: the same name in another
    folder first, else the closest path; "" when nothing is close."""
    try:
        found = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                       if p.is_file() and not p.name.startswith(".") and p.suffix not in (".yaml", ".yml", ".json"))
    except OSError:
        return ""
    name = Path(written).name
    same_name = [f for f in found if Path(f).name == name]
    if same_name:
        return same_name[0]
    return suggest.closest(written, found[:1000]) or ""


def _valid_form(value: str, pattern: re.Pattern[str] | None) -> str:
    """The closest value ``pattern`` accepts: lowercase for keys, other characters as '_' (keys) or '-'
    (ids), no separator at the start; "" when there is none to suggest."""
    if pattern is None:
        return ""
    if pattern is spec.KEY_PATTERN:
        meant = re.sub(r"[^a-z0-9_]+", "_", value.casefold()).strip("_")
    else:
        meant = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-_.")
    meant = meant[:MAX_ID_LENGTH]
    return meant if meant and meant != value and pattern.match(meant) else ""


def _unknown_key(key: str, allowed: tuple[str, ...], meant: str) -> str:
    message = f"unknown key '{key}'; allowed keys: {', '.join(allowed)}"
    advice = spec.FOREIGN_KEYS.get(key.lower())
    if advice:
        return f"{message}. {advice}"
    return message + (f". Did you mean '{meant}'?" if meant else "")


def _meant_key(key: str, allowed: tuple[str, ...]) -> str:
    """The allowed key an unknown ``key`` means, or "": one it is a synonym of (:data:`.spec.SYNONYMS`), or a
    close spelling of (or of a synonym): at least :data:`.spec.SUGGEST_SIMILARITY` alike and with the same
    first letter, so that a short word is not led to a key with another meaning ('page' is not 'image').
    A key another tool uses for something this format does not have (:data:`.spec.FOREIGN_KEYS`) means none."""
    written = key.lower()
    if written in spec.FOREIGN_KEYS:
        return ""
    candidates = (*allowed, *(k for k, v in spec.SYNONYMS.items() if v in allowed))
    close = suggest.closest(written, candidates, cutoff=spec.SUGGEST_SIMILARITY, same_first_letter=True)
    if close:
        meant = spec.SYNONYMS.get(close, close)
        if meant in allowed and meant != key:
            return meant
    return ""
