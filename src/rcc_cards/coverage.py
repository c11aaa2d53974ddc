"""Which sentences of a deck's source its cards cover: each sentence with the cards that quote it, the
ones a deck excuses (``source: skip:``, each with its reason), and the ones nothing covers.

A card covers every sentence its quote's words lie in (:meth:`~rcc_cards.grounding.SourceText.sentences_of`).
Headings (one-line paragraphs without end punctuation) are listed but need no card.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from rcc_cards import grounding
from rcc_cards.grounding import Sentence, SourceText
from rcc_cards.memo import NO_MEMO, Memo, Same
from rcc_cards.model import Deck, Skip, Source


class Line(NamedTuple):
    """One sentence of the source and what covers it."""

    sentence: Sentence
    cards: tuple[str, ...]  # ids of the cards quoting it, in file order
    excused: str  # the reason it is skipped, or ""

    @property
    def status(self) -> str:
        """``heading`` (needs no card), ``covered``, ``excused`` or ``uncovered``: the one place that decides."""
        if self.sentence.heading:
            return "heading"
        return "covered" if self.cards else "excused" if self.excused else "uncovered"

    @property
    def uncovered(self) -> bool:
        return self.status == "uncovered"


class Coverage(NamedTuple):
    deck: Deck
    source: Source
    source_file: str  # the source file's path as problems name it
    lines: list[Line]
    unmatched: list[Skip]  # skip entries that match no sentence (stale)
    ambiguous: list[tuple[Skip, tuple[int, ...]]]  # skip entries that match several sentences, and which

    def count(self, *statuses: str) -> int:
        return sum(1 for line in self.lines if line.status in statuses)

    def summary(self) -> str:
        return totals([self])


def source_file(deck: Deck, source: Source) -> str:
    """A source file of the deck, named relative to where the deck file was named from."""
    return str(Path(deck.loc.path).parent / source.file)


def coverage(deck: Deck, source: Source, text: SourceText) -> Coverage:
    """What covers each sentence of ``text``, the text of ``source``, one of ``deck``'s sources."""
    quoting: dict[int, list[str]] = {}
    only = len(deck.sources) == 1
    for card in deck.cards():
        if card.quote and (only or deck.source_of(card) is source):
            for index in text.sentences_of(card.quote):
                quoting.setdefault(index, []).append(card.id)
    reasons: dict[int, str] = {}
    unmatched: list[Skip] = []
    ambiguous: list[tuple[Skip, tuple[int, ...]]] = []
    folded = [sentence.text.casefold() for sentence in text.sentences]
    for skip in source.skip:
        matches = skipped(folded, skip.sentence)
        if not matches:
            unmatched.append(skip)
        elif len(matches) > 1:
            ambiguous.append((skip, matches))  # excuses none of them: the deck must say which it means
        else:
            reasons.setdefault(matches[0], skip.why)
    lines = [Line(sentence, tuple(quoting.get(i, ())), reasons.get(i, ""))
             for i, sentence in enumerate(text.sentences)]
    return Coverage(deck, source, source_file(deck, source), lines, unmatched, ambiguous)


def skipped(folded: list[str], written: str) -> tuple[int, ...]:
    """The sentences (casefolded) a ``skip: sentence:`` entry names: the one it equals; else those it begins;
    else those it occurs in. One entry excuses one sentence, so more than one index is the deck's mistake."""
    wanted = grounding.normalize(written).casefold()
    for test in (str.__eq__, str.startswith, str.__contains__):
        found = tuple(i for i, sentence in enumerate(folded) if test(sentence, wanted))
        if found:
            return found
    return ()


def totals(found: list[Coverage]) -> str:
    """``N of M sentences covered, K excused`` over several decks' sources."""
    covered, excused = sum(c.count("covered") for c in found), sum(c.count("excused") for c in found)
    total = sum(c.count("covered", "excused", "uncovered") for c in found)
    return f"{covered} of {total} sentences covered, {excused} excused"


def of_deck(deck: Deck, memo: Memo = NO_MEMO) -> list[Coverage]:
    """The coverage of each of the deck's sources that can be read (the rules report the others); the rules
    and the preview ask in turn, so ``memo`` keeps it for the deck object (and its sources' bytes)."""
    texts, _ = grounding.read_sources(deck, memo)
    key = (Same(deck), tuple(Same(texts[s.key].sentences) for s in deck.sources if s.key in texts))
    return memo.get_or_compute("coverage", key, lambda: [coverage(deck, source, texts[source.key])
                                                         for source in deck.sources if source.key in texts])
