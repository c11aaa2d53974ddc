"""The deck format: a node tree -> a :class:`~rcc_cards.model.Deck`, reporting every problem.

This module reads a deck's structure: the top level, the deck header and its sources, the sections and
their lists of cards. Which keys each mapping has, which are required and what shape each value must be
is declared in :mod:`.spec`; the values are read by :mod:`.values`, each card by :mod:`.cards`, and every
problem is reported (:mod:`.report`) with the place to fix and the object it belongs to
(``section 'surgery' > card 'x': …``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rcc_cards import kinds, tags
from rcc_cards.errors import Problem
from rcc_cards.loader import didyoumean, notetypes, spec
from rcc_cards.loader.cards import CardReader
from rcc_cards.loader.nodes import Node, Scalar, Sequence
from rcc_cards.loader.report import as_written, shape_of
from rcc_cards.loader.spec import MAX_CARDS
from rcc_cards.loader.values import BAD
from rcc_cards.model import Card, Deck, Kind, Loc, Section, Source
from rcc_cards.templates import NoteType

FAST_CARDS = True  # tests turn it off to check that both ways give the same decks (:mod:`.cards`)


def build_deck(path: str, file_path: Path, root: Node | None,
               text: str = "") -> tuple[Deck | None, list[Problem]]:
    """Read one file's tree as a deck. ``file_path`` locates the source text relative to the deck;
    ``text`` is the file's text, to place a problem inside a value (a broken cloze marker) at its own
    line and column (without it, such problems are placed at the value's start)."""
    reader = DeckReader(path, file_path.parent, text)
    deck = reader.deck(root, file_path)
    return deck, reader.problems


class DeckReader(CardReader):
    """Reads one file's tree as a deck: :meth:`deck`; its problems are in :attr:`problems`."""

    def __init__(self, path: str, deck_dir: Path, text: str = "") -> None:
        super().__init__(path, deck_dir, text)
        self.card_count = 0

    def deck(self, root: Node | None, file_path: Path) -> Deck | None:
        if root is None:
            self.problems.append(Problem(self.path, 1, 1, "empty deck file: expected a mapping with the keys "
                                                          "'deck' and 'sections' (see the README's example)"))
            return None
        top = self.mapping(root, "", spec.TOP)
        if top is None:
            return None
        meta = self._deck_meta(top["deck"][1], file_path) if "deck" in top else None
        sections = self._sections(top["sections"][1], (), (), (), ()) if "sections" in top else ()
        if meta is None or "sections" not in top:
            return None
        deck = Deck(sections=sections, loc=self.loc(top["deck"][1]), file=file_path, **meta)
        self._check_note_types(deck)
        return deck

    def _check_note_types(self, deck: Deck) -> None:
        """Each card's ``note_type`` names one of the deck's, of its kind (a reverse card needs two templates)."""
        types = {t.name: t for t in deck.note_types}
        kept = [card for card in deck.cards() if card.note_type]
        if deck.personal_field and kept:
            where = Loc(self.path, *kept[0].key_locs.get("note_type", (kept[0].loc.line, kept[0].loc.col)))
            self.problems.append(Problem(where.path, where.line, where.col, (
                f"card '{kept[0].id}' (and {len(kept) - 1} more) keeps an Anki note type ('note_type: "
                f"{kept[0].note_type}'), which has no field '{deck.personal_field}': the deck's 'personal_field' "
                "cannot apply to cards imported from Anki; remove 'personal_field' from this deck")))
        for card in kept:
            found = types.get(card.note_type)
            where = Loc(self.path, *card.key_locs.get("note_type", (card.loc.line, card.loc.col)))
            message = ""
            if found is None:
                message = (f"note type {card.note_type!r} is not in the deck's 'note_types' file"
                           + (f"; it has {', '.join(map(repr, types))}" if types else " (the deck has none)"))
            elif found.is_cloze != (card.kind is Kind.CLOZE) or (card.kind is Kind.REVERSE
                                                                and len(found.templates) < 2):
                message = (f"note type {card.note_type!r} cannot show a {card.kind.value} card; remove 'note_type' "
                           "(the card then gets rcc-cards' own note type, and Anki a new note)")
            if message:
                self.problems.append(Problem(where.path, where.line, where.col, f"card '{card.id}': {message}"))

    def _deck_meta(self, node: Node, file_path: Path) -> dict[str, Any] | None:
        ctx = "deck"
        found = self.mapping(node, ctx, spec.DECK)
        if found is None:
            return None
        values = self.read_values(found, ctx, spec.DECK, skip=("source", "sources", "note_types"))
        sources = self._deck_sources(node, found, file_path)
        note_types = self._note_types(found, file_path)
        if values is None or sources is None or note_types is None or not {"key", "name"} <= set(values):
            return None
        personal = values.get("personal_field", "")
        taken = {f.name.casefold(): f.name for spec_ in kinds.all_kinds() for f in spec_.note_type.fields} \
            if personal else {}
        if personal and personal.casefold() in taken:
            self.report(found["personal_field"][1], ctx, f"'personal_field: {personal}' is the name of a field "
                        f"rcc-cards fills ({taken[personal.casefold()]!r}); name the learner's field otherwise, "
                        "e.g. 'My notes'")
            return None
        return {"sources": sources, "key_loc": self.loc(found["key"][1]), "description": "", "context": "",
                "note_types": note_types, **{spec.DECK.field(k).target: v for k, v in values.items()}}

    def _note_types(self, found: dict[str, tuple[Scalar, Node]], file_path: Path) -> tuple[NoteType, ...] | None:
        """The note types of the deck's ``note_types`` file (none without one), or None after reporting why not."""
        if "note_types" not in found:
            return ()
        node = found["note_types"][1]
        name = self.text(node, "deck", "note_types", prose=False)
        if name is None:
            return None
        path = file_path.parent.absolute() / name
        try:
            if not path.is_file() or path.stat().st_size > notetypes.MAX_BYTES:
                raise OSError(f"not a regular file of at most {notetypes.MAX_BYTES // (1024 * 1024)} MiB")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.report(node, "deck", f"note types file {name!r} cannot be read ({exc}); it is written by "
                                      "'rcc-cards import' beside the deck")
            return None
        types, why = notetypes.parse(text)
        if why:
            self.report(node, "deck", f"note types file {name!r}: {why}")
            return None
        return types

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
        values = self.read_values(found, ctx, spec.SOURCE)
        if values is None or not set(spec.SOURCE.required) <= set(values):
            return None
        file_node = found["file"][1]
        source_path = file_path.parent.absolute() / values["file"]
        if source_path.exists() and not source_path.is_file():
            self.report(file_node, ctx, f"source file {values['file']!r} is not a regular file (a folder, pipe or "
                                        "device); name the source's UTF-8 text file")
            return None
        if not source_path.is_file():
            meant = didyoumean.closest_file(file_path.parent, values["file"])
            hint = f". Did you mean '{meant}'?" if meant else ""
            looked = Path(self.path).parent / values["file"]  # named the way the deck file was named
            self.report(file_node, ctx, f"source file {values['file']!r} not found (looked for {looked}); "
                                        f"the path is relative to the deck file's folder{hint}")
            return None
        return Source(values["title"], source_path, values["as_of"], values.get("url", ""), self.loc(file_node),
                      values["file"], values.get("skip", ()), values.get("key", ""), values.get("origin", ""))

    def _sections(self, node: Node, path: tuple[str, ...], titles: tuple[str, ...],
                  inherited: tuple[str, ...], contexts: tuple[str, ...]) -> tuple[Section, ...]:
        where = " > ".join(f"section '{k}'" for k in path)
        if not isinstance(node, Sequence):
            self.report(node, where, f"'sections' must be a list of sections ('- key: …' items); "
                                     f"found {shape_of(node)}")
            return ()
        out: list[Section] = []
        seen: dict[str, Node] = {}
        for item in node.items:
            section = self._section(item, path, titles, inherited, contexts)
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
                 inherited: tuple[str, ...], contexts: tuple[str, ...]) -> Section | None:
        parent = " > ".join(f"section '{k}'" for k in path)
        found = self.mapping(node, parent or "", spec.SECTION)
        if found is None:
            return None
        read = self.value(found["key"][1], parent, spec.SECTION.field("key")) if "key" in found else BAD
        key = read if isinstance(read, str) else ""
        written = as_written(found["key"][1]) if "key" in found and not key else ""  # a bad key, as written
        ctx = " > ".join(filter(None, [parent, f"section '{key or written}'" if key or written else "section"]))
        values = self.read_values(found, ctx, spec.SECTION, skip=("key", "cards", "sections"))
        own_tags = values.get("tags", ()) if values is not None else ()
        title = values.get("title", "") if values is not None else ""
        # the cards of a section with a bad key or title are still read, for their own problems
        sub_path, sub_titles = (*path, key or written or "section"), (*titles, title)
        all_tags = tags.merged(inherited, own_tags)
        context = values.get("context", "") if values is not None else ""
        all_contexts = (*contexts, context) if context else contexts
        cards = self._cards(found["cards"][1], ctx, sub_path, sub_titles, all_tags, all_contexts) \
            if "cards" in found else ()
        sections = self._sections(found["sections"][1], sub_path, sub_titles, all_tags, all_contexts) \
            if "sections" in found else ()
        if "cards" not in found and "sections" not in found:
            self.report(node, ctx, "section has no 'cards' and no 'sections'; add cards or remove the section",
                        "warning")
        if not key or not title:
            if not cards and not sections:
                return None
            # a stand-in, so that its cards still take part in the checks across cards (unique ids); its
            # problem keeps the file from being built
            return Section(key or written or "section", title or "?", own_tags, cards, sections, self.loc(node),
                           context)
        return Section(key, title, own_tags, cards, sections, self.loc(node), context)

    def _cards(self, node: Node, ctx: str, path: tuple[str, ...], titles: tuple[str, ...],
               inherited: tuple[str, ...], contexts: tuple[str, ...]) -> tuple[Card, ...]:
        if not isinstance(node, Sequence):
            self.report(node, ctx, f"'cards' must be a list of cards ('- id: …' items); found {shape_of(node)}")
            return ()
        cards = []
        for item in node.items:
            self.card_count += 1
            if self.card_count > MAX_CARDS:
                if self.card_count == MAX_CARDS + 1:
                    self.report(item, ctx, f"more than {MAX_CARDS:,} cards in one deck file; split the deck "
                                           "into several files (card ids stay unique across them)")
                continue
            card = self.card(item, ctx, path, titles, inherited, FAST_CARDS)
            if card is not None:
                cards.append(card._replace(section_context=contexts) if contexts else card)
        return tuple(cards)
