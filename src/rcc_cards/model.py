"""The deck model: frozen values, no I/O.

A deck file holds one :class:`Deck`; its sections nest; every :class:`Card` knows the section path it
lives in and where in the file each of its keys was written, so later checks can point at the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NamedTuple

from rcc_cards.templates import NoteType

Setting = Literal["error", "warning", "off"]  # a rule's severity, or off
SETTINGS: tuple[Setting, ...] = ("error", "warning", "off")


class Loc(NamedTuple):
    """A place in an input file: the path as the user named it, 1-based line and column."""

    path: str
    line: int
    col: int


class Media(NamedTuple):
    """An image or sound file of a card."""

    path: Path  # the file as the deck names it, made absolute (links kept: one re-pointed is a change)
    name: str  # its name in Anki's media folder (see :mod:`rcc_cards.media`)


class Kind(Enum):
    """The three card kinds; each compiles to its own Anki note type."""

    BASIC = "basic"  # question -> answer
    REVERSE = "reverse"  # question -> answer, and answer -> question
    CLOZE = "cloze"  # {{c1::deletions}}

    # Members are singletons, so hashing by identity is correct, and it runs in C: Enum's own __hash__ is
    # Python code, and the kind of every card is looked up several times a build (0.14 s at 100,000 cards).
    __hash__ = object.__hash__


TO_WRITE = "(to write)"  # a draft's question or answer that the author has yet to write (rcc_cards.drafts)


class Card(NamedTuple):
    """One note's worth of content. ``front``/``back`` for Q/A kinds, ``text`` for cloze.

    A named tuple rather than a frozen dataclass: just as immutable, and three times cheaper to build
    (a frozen dataclass sets each of its 16 fields through ``object.__setattr__``; measured 7.5 µs
    against 2.9 µs a card, 0.5 s of a 100,000-card build)."""

    id: str
    kind: Kind
    section_path: tuple[str, ...]  # section keys from the top, e.g. ("stage_iv", "surgery")
    section_titles: tuple[str, ...]
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    context: str = ""  # added by the author, not from the source; always shown labelled as such
    section_context: tuple[str, ...] = ()  # the 'context' of each section the card is in, outermost first
    quote: str = ""
    source: str = ""  # the key of the deck source the quote is from; "" for the deck's first source
    unsourced: str = ""  # background knowledge: why the card quotes no source (shown labelled as such)
    refs: tuple[str, ...] = ()
    image: Media | None = None  # shown with the question
    audio: Media | None = None  # played with the question
    tags: tuple[str, ...] = ()  # topic tags of the card and its sections, in order, no repeats
    note_type: str = ""  # the name of an adopted note type of the deck (``note_types:``); "" -> the kind's
    guid: str = ""  # the note's own Anki GUID (an imported note's); "" -> derived from deck key and card id
    loc: Loc = Loc("", 0, 0)
    key_locs: Mapping[str, tuple[int, int]] = MappingProxyType({})  # key -> (line, col) of its value

    def media(self) -> tuple[Media, ...]:
        """The card's image and sound, those it has."""
        return tuple(m for m in (self.image, self.audio) if m is not None)

    @property
    def to_write(self) -> bool:
        """A draft skeleton whose question or answer the author has yet to write."""
        return TO_WRITE in (self.front, self.back)

    def loc_of(self, key: str) -> Loc:
        """Where ``key``'s value was written, or the card itself when the key is absent."""
        where = self.key_locs.get(key)
        return self.loc if where is None else Loc(self.loc.path, *where)


class Section(NamedTuple):
    key: str
    title: str
    tags: tuple[str, ...]
    cards: tuple[Card, ...]
    sections: tuple[Section, ...]
    loc: Loc
    context: str = ""  # shown, labelled "not from the source", on every card below the section


class Skip(NamedTuple):
    """A sentence of the source that no card covers on purpose (``skip:``), and why."""

    sentence: str  # the sentence, or enough of it to find it, as written
    why: str
    loc: Loc


class Source(NamedTuple):
    """Where a deck's facts come from. ``path``: the file as the deck names it, relative to the deck file's
    folder, made absolute (links are not resolved: a link re-pointed to another file is a change)."""

    title: str
    path: Path
    as_of: str
    url: str = ""
    loc: Loc = Loc("", 0, 0)
    file: str = ""  # the path as written in the deck, relative to the deck file's folder
    skip: tuple[Skip, ...] = ()  # sentences excused from coverage
    key: str = ""  # names it for cards that quote it (cards without 'source' quote the deck's first)
    origin: str = ""  # where the text was taken from, e.g. "NCI PDQ, republished by WebMD"


class RuleSetting(NamedTuple):
    """A deck's own severity for one rule, as written (``deck: rules: {answer-too-long: off}``): the rule id
    and the setting as text, with where each was written. Whether the rule exists and may be set so is the
    rules' to judge (:mod:`rcc_cards.rules.settings`)."""

    rule: str
    value: str | None  # the setting as written ("error", "warning", "off" when allowed); None: not text
    loc: Loc  # where the setting was written
    rule_loc: Loc  # where the rule id was written


class Deck(NamedTuple):
    key: str  # namespaces every card id and note GUID; never change it after release
    name: str  # the Anki deck name, "::" nests
    description: str
    sources: tuple[Source, ...]  # at least one; the first is the one cards quote unless they name another
    sections: tuple[Section, ...]
    loc: Loc
    context: str = ""  # shown, labelled "not from the source", on every card of the deck
    file: Path = Path()  # the deck file; its lock file lives beside it
    key_loc: Loc = Loc("", 0, 0)  # where the key was written
    rules: tuple[RuleSetting, ...] = ()  # the deck's changes to the rules' default severities, as written
    drafts_for: str = ""  # set in a drafts file: the key of the deck its cards are proposed for; never built
    note_types: tuple[NoteType, ...] = ()  # note types made in Anki that its cards keep (``rcc-cards import``)
    personal_field: str = ""  # a field of each note that is the learner's own (``rcc-cards push`` keeps it)

    @property
    def source(self) -> Source:
        """The deck's first source: the one a card quotes unless it names another."""
        return self.sources[0]

    def source_of(self, card: Card) -> Source:
        """The source ``card`` quotes (its ``source`` key, or the deck's first source)."""
        if card.source:
            for source in self.sources:
                if source.key == card.source:
                    return source
        return self.sources[0]

    @property
    def built(self) -> bool:
        """Does a build write this deck? Not a drafts file, and not a deck with no cards yet."""
        return not self.drafts_for and next(self.cards(), None) is not None

    def referenced_files(self) -> list[Path]:
        """The files the deck's content comes from besides the deck file: its sources and its media."""
        return [*(s.path for s in self.sources), *(m.path for card in self.cards() for m in card.media())]

    def cards(self) -> Iterator[Card]:
        """Every card, in file order."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield from section.cards
            stack.extend(reversed(section.sections))
