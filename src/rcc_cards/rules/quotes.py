"""Grounding rules: each card quotes its source, the quote is in the source text, every number the
learner memorizes is in the quote, and the quote's hedges stay on the card.

Matching ignores differences of whitespace and of dash characters, and the source's numeric citation
brackets; ``…`` in a quote stands for omitted words (see :mod:`rcc_cards.grounding`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rcc_cards import grounding
from rcc_cards.grounding import SourceText
from rcc_cards.kinds import KindSpec
from rcc_cards.model import Card
from rcc_cards.rules.base import NO_HITS, Hit, card_rule


@card_rule("quote-missing", "warning")
def quote_missing(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """Every card quotes the source sentence it comes from.

    Fails: a card with no `quote`
    Passes: `quote: …`
    """
    if card.quote:
        return NO_HITS
    return [(card.loc, f"card '{card.id}' has no 'quote'; add the source sentence it comes from, verbatim, so "
                       "the card can show where it came from and be checked")]


@card_rule("quote-stale", "error", fixed=True, needs_source=True)
def quote_stale(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """A card's quote occurs in the deck's source text.

    Fails: `quote: approximately a 25% objective` (not in the source: the quote or the source changed)
    Passes: `quote: approximately a 15% objective`
    """
    if not card.quote or source.find(card.quote):
        return NO_HITS
    return [(card.loc_of("quote"), f"card '{card.id}': quote not found in the source text {source.shown} "
                                   f"({source.mismatch(card.quote)}). The source or the quote changed: update the "
                                   "quote, and check the card still says what the source says")]


@card_rule("number-not-in-quote", "error", fixed=True)
def number_not_in_quote(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """Every number a learner memorizes comes from the card's quote.

    Fails: `a: approximately 20%` with that quote (every number of an answer, both sides of a reverse card,
      or each cloze deletion)
    Passes: `a: approximately 15%`
    """
    if not card.quote:
        return NO_HITS  # quote-missing says what to do first
    quoted = grounding.quoted_numbers(card.quote)
    return [(card.loc_of(spec.answer_key), f"card '{card.id}': the answer's number {number!r} does not occur in "
                                           "the card's quote; every number a learner memorizes must come from "
                                           "the source")
            for answer in spec.answers(card) for number in grounding.numbers(answer) if number not in quoted]


@card_rule("hedge-dropped", "warning")
def hedge_dropped(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """The quote's hedges stay on the card: a learner must not memorize as certain what the source hedges.

    Fails: quote says *approximately*, card says `a: 15%` (hedges: approximately, about, appears, appear,
      in general, selected, may, might, likely, suggest, unclear, unknown, modest)
    Passes: `a: approximately 15%`
    """
    if not card.quote:
        return NO_HITS
    quoted = grounding.hedges(card.quote)
    if not quoted:
        return NO_HITS
    return [(card.loc, f"card '{card.id}': the quote says {hedge!r} but the card does not; keep the source's "
                       "hedges (or quote only the part the card states)")
            for hedge in sorted(quoted - grounding.hedges(grounding.card_text(card)))]
