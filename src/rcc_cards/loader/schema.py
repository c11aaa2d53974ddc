"""The deck format: a node tree -> a :class:`~rcc_cards.model.Deck`, reporting every problem.

Every value is text until this module says otherwise; nothing is guessed. Unknown keys, missing keys,
empty text, wrong shapes, bad ids, tags, deck names and cloze markup are all reported with the place
to fix and the object they belong to (``section 'surgery' > card 'x': …``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from rcc_cards import cloze, media, tags
from rcc_cards.errors import Problem
from rcc_cards.loader.nodes import Mapping, Node, Scalar, Sequence
from rcc_cards.model import Card, Deck, Kind, Loc, Media, Section, Source

TOP_KEYS = ("deck", "sections")
DECK_KEYS = ("context", "description", "key", "name", "source")
SOURCE_KEYS = ("as_of", "file", "title", "url")
SECTION_KEYS = ("cards", "key", "sections", "tags", "title")
CARD_KEYS = ("a", "audio", "cloze", "context", "extra", "id", "image", "q", "quote", "refs", "reverse", "tags")
# Words authors reach for, mapped to the key they meant.
_SYNONYMS = {
    "answer": "a", "back": "a", "question": "q", "front": "q", "text": "cloze", "hint": "extra",
    "note": "extra", "notes": "extra", "source": "quote", "reference": "refs", "references": "refs",
    "tag": "tags", "subsections": "sections", "card": "cards", "name": "title",
}
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_]*\Z")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
MAX_ID_LENGTH = 100
MAX_CARDS = 100_000  # per deck file; a larger curriculum is several files
_ONE_LINE_STYLES = (None, "'", '"')  # values used exactly as written (blocks lose their final newline)
_BAD_TEXT_CHAR = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def build_deck(path: str, file_path: Path, root: Node | None) -> tuple[Deck | None, list[Problem]]:
    """Read one file's tree as a deck. ``file_path`` locates the source text relative to the deck."""
    reader = _Reader(path, file_path.parent)
    deck = reader.deck(root, file_path)
    return deck, reader.problems


def _shape(node: Node) -> str:
    if isinstance(node, Mapping):
        return "a mapping (key: value lines)"
    if isinstance(node, Sequence):
        return "a list"
    if node.value == "" and node.style is None:
        return "nothing (an empty value)"
    return f"the text {node.value!r}"


class _Reader:
    def __init__(self, path: str, deck_dir: Path) -> None:
        self.path = path
        self.deck_dir = deck_dir
        self.problems: list[Problem] = []
        self.card_count = 0

    # -- reporting ----------------------------------------------------------------------------
    def loc(self, node: Node) -> Loc:
        return Loc(self.path, node.line, node.col)

    def report(self, node: Node, ctx: str, message: str, severity: str = "error") -> None:
        prefix = f"{ctx}: " if ctx else ""
        self.problems.append(Problem(self.path, node.line, node.col, prefix + message,
                                     "warning" if severity == "warning" else "error"))

    # -- shapes -------------------------------------------------------------------------------
    def mapping(self, node: Node, ctx: str, what: str, allowed: tuple[str, ...],
                required: tuple[str, ...]) -> dict[str, tuple[Scalar, Node]] | None:
        """The keys of a mapping node, after reporting unknown and missing ones."""
        if not isinstance(node, Mapping):
            if not (isinstance(node, Scalar) and node.bad):
                self.report(node, ctx, f"expected {what} with keys {', '.join(allowed)}; found {_shape(node)}")
            return None
        found: dict[str, tuple[Scalar, Node]] = {}
        allowed_set = _as_set(allowed)
        for key, value in node.pairs:
            if key.value in allowed_set:
                found[key.value] = (key, value)
            else:
                self.report(key, ctx, _unknown_key(key.value, allowed))
        missing = [k for k in required if k not in found]
        if missing:
            names = " and ".join(f"'{k}'" for k in missing)
            self.report(node, ctx, f"{what} is missing {names} (required keys: {', '.join(required)})")
        return found

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
        ok = True
        if not value.strip():
            self.report(node, ctx, empty or f"'{key}' is empty; write the text, or remove the key if it is "
                                            "optional")
            ok = False
        bad = _BAD_TEXT_CHAR.search(value)
        if bad:
            code = f"U+{ord(bad.group()):04X}"
            what = "an invalid character (a lone surrogate)" if "\ud800" <= bad.group() <= "\udfff" \
                else "a control character"
            self.report(node, ctx, f"'{key}' contains {what} {code}; control characters are not allowed "
                                   "(U+001F in a field makes Anki reject the whole import). Remove it")
            ok = False
        if prose and node.comment_after:
            self.report(node, ctx, f"'{key}' is cut short at ' #': YAML reads the rest of the line as a "
                                   f"comment, so the text is only {value!r}. Put the whole text in quotes, "
                                   "e.g. 'C# is #1', or move the comment to a line of its own")
            ok = False
        return value if ok else None

    def name(self, node: Node, ctx: str, key: str, pattern: re.Pattern[str], example: str) -> str | None:
        value = self.text(node, ctx, key, prose=False)
        if value is None:
            return None
        if len(value) > MAX_ID_LENGTH or not pattern.match(value):
            self.report(node, ctx, f"{key} {value!r} is not valid: use {example} "
                                   f"(at most {MAX_ID_LENGTH} characters)")
            return None
        return value

    def text_list(self, node: Node, ctx: str, key: str, empty: str = "") -> list[tuple[Scalar, str]]:
        if not isinstance(node, Sequence):
            if not (isinstance(node, Scalar) and node.bad):
                self.report(node, ctx, f"'{key}' must be a list, e.g. {key}: [a, b]; found {_shape(node)}")
            return []
        out = []
        for item in node.items:
            value = self.text(item, ctx, key, empty, prose=False)
            if value is not None and isinstance(item, Scalar):
                out.append((item, value))
        return out

    def tag_list(self, node: Node, ctx: str) -> tuple[str, ...]:
        valid: list[str] = []
        for item, value in self.text_list(node, ctx, "tags", empty=str(tags.tag_problem(""))):
            why = tags.tag_problem(value)
            if why:
                self.report(item, ctx, why)
            else:
                valid.append(value)
        return _without_repeats(valid)

    # -- the format ---------------------------------------------------------------------------
    def deck(self, root: Node | None, file_path: Path) -> Deck | None:
        if root is None:
            self.problems.append(Problem(self.path, 1, 1, "empty deck file: expected a mapping with the keys "
                                                          "'deck' and 'sections' (see the README's example)"))
            return None
        top = self.mapping(root, "", "the top level of a deck file", TOP_KEYS, TOP_KEYS)
        if top is None:
            return None
        meta = self._deck_meta(top["deck"][1], file_path) if "deck" in top else None
        sections = self._sections(top["sections"][1], meta[0] if meta else "", (), (), ()) \
            if "sections" in top else ()
        if meta is None or "sections" not in top:
            return None
        key, name, description, source, context, key_loc = meta
        if self.card_count == 0 and not self.problems:
            self.report(top["sections"][1], "", "the deck has no cards; add a section with 'cards' (an empty "
                                               "deck would build an empty package)")
            return None
        return Deck(key, name, description, source, sections, self.loc(top["deck"][1]), context, file_path,
                    key_loc)

    def _deck_meta(self, node: Node, file_path: Path) -> tuple[str, str, str, Source, str, Loc] | None:
        ctx = "deck"
        found = self.mapping(node, ctx, "'deck'", DECK_KEYS, ("key", "name", "source"))
        if found is None:
            return None
        key = self.name(found["key"][1], ctx, "key", KEY_PATTERN,
                        "lowercase letters, digits and '_', e.g. rcc") if "key" in found else None
        name = self.text(found["name"][1], ctx, "name") if "name" in found else None
        if name is not None and (why := tags.deck_name_problem(name)):
            self.report(found["name"][1], ctx, why)
            name = None
        description = self.text(found["description"][1], ctx, "description") if "description" in found else ""
        context = self.text(found["context"][1], ctx, "context") if "context" in found else ""
        source = self._source(found["source"][1], file_path) if "source" in found else None
        if key is None or name is None or description is None or source is None or context is None:
            return None
        return key, name, description, source, context, self.loc(found["key"][1])

    def _source(self, node: Node, file_path: Path) -> Source | None:
        ctx = "deck > source"
        found = self.mapping(node, ctx, "'source'", SOURCE_KEYS, ("as_of", "file", "title"))
        if found is None:
            return None
        values = {k: self.text(v, ctx, k) for k, (_, v) in found.items()}
        if any(v is None for v in values.values()) or len(values) < 3:
            return None
        file_node = found["file"][1]
        source_path = (file_path.parent / str(values["file"])).resolve()
        if not source_path.is_file():
            self.report(file_node, ctx, f"source file {values['file']!r} not found (looked for {source_path}); "
                                        "the path is relative to the deck file's folder")
            return None
        return Source(str(values["title"]), source_path, str(values["as_of"]), values.get("url") or "",
                      self.loc(file_node), str(values["file"]))

    def _sections(self, node: Node, deck_key: str, path: tuple[str, ...], titles: tuple[str, ...],
                  inherited: tuple[str, ...]) -> tuple[Section, ...]:
        where = " > ".join(f"section '{k}'" for k in path)
        if not isinstance(node, Sequence):
            self.report(node, where, f"'sections' must be a list of sections ('- key: …' items); "
                                     f"found {_shape(node)}")
            return ()
        out: list[Section] = []
        seen: dict[str, Node] = {}
        for item in node.items:
            section = self._section(item, deck_key, path, titles, inherited)
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

    def _section(self, node: Node, deck_key: str, path: tuple[str, ...], titles: tuple[str, ...],
                 inherited: tuple[str, ...]) -> Section | None:
        parent = " > ".join(f"section '{k}'" for k in path)
        found = self.mapping(node, parent or "", "a section", SECTION_KEYS, ("key", "title"))
        if found is None:
            return None
        key = self.name(found["key"][1], parent, "key", KEY_PATTERN,
                        "lowercase letters, digits and '_', e.g. cytokine_therapy") if "key" in found else None
        ctx = " > ".join(filter(None, [parent, f"section '{key}'" if key else "section"]))
        title = self.text(found["title"][1], ctx, "title") if "title" in found else None
        own_tags = self.tag_list(found["tags"][1], ctx) if "tags" in found else ()
        if key is None or title is None:
            return None
        sub_path, sub_titles = (*path, key), (*titles, title)
        all_tags = _merge_tags(inherited, own_tags)
        cards = self._cards(found["cards"][1], ctx, deck_key, sub_path, sub_titles, all_tags) \
            if "cards" in found else ()
        sections = self._sections(found["sections"][1], deck_key, sub_path, sub_titles, all_tags) \
            if "sections" in found else ()
        if "cards" not in found and "sections" not in found:
            self.report(node, ctx, "section has no 'cards' and no 'sections'; add cards or remove the section",
                        "warning")
        return Section(key, title, own_tags, cards, sections, self.loc(node))

    def _cards(self, node: Node, ctx: str, deck_key: str, path: tuple[str, ...], titles: tuple[str, ...],
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

    def _media(self, found: dict[str, tuple[Scalar, Node]], ctx: str, kind: str) -> tuple[bool, Media | None]:
        """``(ok, media)`` for the card's ``image`` or ``audio`` key."""
        if kind not in found:
            return True, None
        node = found[kind][1]
        written = self.text(node, ctx, kind, prose=False)
        if written is None:
            return False, None
        resolved, why = media.resolve(self.deck_dir, written, kind)
        if resolved is None:
            self.report(node, ctx, why)
        return resolved is not None, resolved

    def _card(self, node: Node, parent: str, path: tuple[str, ...], titles: tuple[str, ...],
              inherited: tuple[str, ...]) -> Card | None:
        if FAST_CARDS and type(node) is Mapping:
            card = _clean_card(self.path, node, path, titles, inherited)
            if card is not None:
                return card
        card_id = _peek_id(node)
        ctx = f"{parent} > card '{card_id}'" if card_id else f"{parent} > card"
        found = self.mapping(node, ctx, "a card", CARD_KEYS, ())
        if found is None:
            return None
        ok = True
        if "id" not in found:
            self.report(node, ctx, "card has no 'id'. Every card needs a stable id (e.g. id: il2-dose-range): "
                                   "it identifies the note across rebuilds, so fixing a typo updates the "
                                   "learner's note instead of creating a new one and losing its history")
            ok = False
        card_id_value = self.name(found["id"][1], ctx, "id", ID_PATTERN,
                                  "letters, digits, '-', '_' and '.', e.g. il2-durable-cr") if "id" in found else None
        kind = self._kind(node, ctx, found)
        values: dict[str, str] = {}
        for key in ("q", "a", "cloze", "extra", "context", "quote"):
            if key in found:
                value = self.text(found[key][1], ctx, key)
                if value is None:
                    ok = False
                else:
                    values[key] = value
        if kind is Kind.CLOZE and "cloze" in values and not self._cloze_ok(found["cloze"][1], ctx,
                                                                           values["cloze"]):
            ok = False
        refs = tuple(v for _, v in self.text_list(found["refs"][1], ctx, "refs")) if "refs" in found else ()
        image_ok, image = self._media(found, ctx, "image")
        audio_ok, audio = self._media(found, ctx, "audio")
        ok = ok and image_ok and audio_ok
        card_tags = self.tag_list(found["tags"][1], ctx) if "tags" in found else ()
        if not ok or kind is None or card_id_value is None:
            return None
        return Card(
            id=card_id_value, kind=kind, section_path=path, section_titles=titles,
            front=values.get("q", ""), back=values.get("a", ""), text=values.get("cloze", ""),
            extra=values.get("extra", ""), context=values.get("context", ""), quote=values.get("quote", ""),
            refs=refs, image=image, audio=audio,
            tags=_merge_tags(inherited, card_tags), loc=self.loc(node),
            key_locs={k: (v.line, v.col) for k, (_, v) in found.items()},
        )

    def _kind(self, node: Node, ctx: str, found: dict[str, tuple[Scalar, Node]]) -> Kind | None:
        if "cloze" in found:
            clash = [k for k in ("q", "a", "reverse") if k in found]
            if clash:
                self.report(found[clash[0]][0], ctx, f"a cloze card cannot also have '{clash[0]}'; use either "
                                                     "'cloze' or 'q' and 'a'")
                return None
            return Kind.CLOZE
        if "q" not in found and "a" not in found:
            self.report(node, ctx, "card has no text: write 'q' (question) and 'a' (answer), "
                                   "or 'cloze' (text with {{c1::deletions}})")
            return None
        missing = "a" if "a" not in found else "q" if "q" not in found else None
        if missing:
            what = "its answer 'a'" if missing == "a" else "its question 'q'"
            self.report(node, ctx, f"question/answer card is missing {what}")
            return None
        if "reverse" not in found:
            return Kind.BASIC
        flag = self.text(found["reverse"][1], ctx, "reverse", prose=False)
        if flag not in ("true", "false"):
            if flag is not None:
                self.report(found["reverse"][1], ctx, f"'reverse' must be true or false; found {flag!r}")
            return None
        return Kind.REVERSE if flag == "true" else Kind.BASIC

    def _cloze_ok(self, node: Node, ctx: str, text: str) -> bool:
        _, errors = cloze.parse(text)
        for error in errors:
            self.report(node, ctx, error.message)
        return not errors


FAST_CARDS = True  # tests turn it off to check that both ways give the same decks
_CARD_KEY_SET = frozenset(CARD_KEYS) - {"image", "audio"}  # media needs the file system: the full way


def _clean_text(node: Node) -> str | None:
    """A text value :meth:`_Reader.text` would accept without a word (prose or not), or None."""
    if type(node) is not Scalar or node.bad or node.comment_after:
        return None
    value = node.value if node.style in _ONE_LINE_STYLES else node.value.rstrip("\n")
    if not value or value.isspace():
        return None
    # Printable text has no control character, surrogate or noncharacter: a quicker test than the search.
    return value if value.isprintable() or _BAD_TEXT_CHAR.search(value) is None else None


def _clean_card(path: str, node: Mapping, section_path: tuple[str, ...], titles: tuple[str, ...],
                inherited: tuple[str, ...]) -> Card | None:
    """The card, when ``node`` is a card the full way (:meth:`_Reader._card`) accepts without reporting
    anything, else None. Most cards are; this way builds them in half the time (one pass, no messages
    prepared), and a property test checks that both ways give the same cards."""
    values: dict[str, str] = {}
    key_locs: dict[str, tuple[int, int]] = {}
    refs: tuple[str, ...] = ()
    card_tags: tuple[str, ...] = ()
    for key, value in node.pairs:
        name = key.value
        if name not in _CARD_KEY_SET:
            return None
        key_locs[name] = (value.line, value.col)
        if name == "tags" or name == "refs":
            if type(value) is not Sequence:
                return None
            items = []
            for item in value.items:
                text = _clean_text(item)
                if text is None:
                    return None
                items.append(text)
            if name == "refs":
                refs = tuple(items)
                continue
            if any(tags.tag_problem(tag) is not None for tag in items):
                return None
            card_tags = _without_repeats(items)
            continue
        text = _clean_text(value)
        if text is None:
            return None
        values[name] = text
    card_id = values.get("id")
    if card_id is None or len(card_id) > MAX_ID_LENGTH or not ID_PATTERN.match(card_id):
        return None
    if "cloze" in values:
        if "q" in values or "a" in values or "reverse" in key_locs or cloze.parse(values["cloze"])[1]:
            return None
        kind = Kind.CLOZE
    elif "q" in values and "a" in values:
        flag = values.get("reverse", "false")
        if flag not in ("true", "false"):
            return None
        kind = Kind.REVERSE if flag == "true" else Kind.BASIC
    else:
        return None
    return Card(card_id, kind, section_path, titles, values.get("q", ""), values.get("a", ""),
                values.get("cloze", ""), values.get("extra", ""), values.get("context", ""),
                values.get("quote", ""), refs, None, None, _merge_tags(inherited, card_tags),
                Loc(path, node.line, node.col), key_locs)


@functools.cache  # called with the few key tuples above
def _as_set(keys: tuple[str, ...]) -> frozenset[str]:
    return frozenset(keys)


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


def _unknown_key(key: str, allowed: tuple[str, ...]) -> str:
    message = f"unknown key '{key}'; allowed keys: {', '.join(allowed)}"
    import difflib  # only when a key is unknown

    candidates = list(allowed) + [k for k, v in _SYNONYMS.items() if v in allowed]
    close = difflib.get_close_matches(key.lower(), candidates, n=1, cutoff=0.6)
    if close:
        meant = _SYNONYMS.get(close[0], close[0])
        if meant in allowed and meant != key:
            message += f". Did you mean '{meant}'?"
    return message
