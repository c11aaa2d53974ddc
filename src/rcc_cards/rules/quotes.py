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
    """Every card quotes the source sentence it comes from, or says why it is background knowledge.

    Fails: a card with neither `quote` nor `unsourced` (its back says it was not checked against the source)
    Passes: `quote: …`, or `unsourced: standard abbreviation, not expanded in the source`
    """
    if card.quote or card.unsourced:
        return NO_HITS
    return [(card.loc, f"card '{card.id}' has no 'quote'; add the source sentence it comes from, verbatim, so "
                       "the card can show where it came from and be checked (or, for background knowledge the "
                       "source does not state, 'unsourced: <why>')")]


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
    """Every number a learner memorizes, and every number in `extra`, comes from the card's quote.

    Fails: `a: approximately 20%` with that quote (every number of an answer, both sides of a reverse card,
      each cloze deletion, and `extra`, which is grounded like the answer)
    Passes: `a: approximately 15%`
    """
    if not card.quote:
        return NO_HITS  # quote-missing (or, for background cards, number-in-background) says what to do
    answered = [number for answer in spec.answers(card) for number in grounding.numbers(answer)]
    extra = grounding.numbers(card.extra) if card.extra else []
    if not answered and not extra:
        return NO_HITS  # most cards: no number to check
    quoted = grounding.quoted_numbers(card.quote)
    hits: list[Hit] = [(card.loc_of(spec.answer_key), f"card '{card.id}': the answer's number {number!r} does not "
                                                      "occur in the card's quote; every number a learner memorizes "
                                                      "must come from the source")
                       for number in answered if number not in quoted]
    hits += [(card.loc_of("extra"), f"card '{card.id}': 'extra' has the number {number!r}, which does not occur "
                                    "in the card's quote; 'extra' is shown as part of the grounded answer, so its "
                                    "numbers must come from the quote too. Quote the sentence it comes from on a "
                                    "card of its own, or move a remark of yours to 'context' (labelled as not "
                                    "from the source)")
             for number in extra if number not in quoted]
    return hits


@card_rule("number-in-background", "error", fixed=True)
def number_in_background(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """A background card (`unsourced:`) teaches no number: numbers must come from a quoted source.

    Fails: `unsourced: general knowledge` with `a: about 30%`
    Passes: `unsourced: standard abbreviation, not expanded in the source` with `a: interleukin-2`
    """
    if not card.unsourced:
        return NO_HITS
    texts = [(spec.answer_key, text) for text in spec.answers(card)] + \
        [(spec.front_key, text) for text in spec.fronts(card)] + [("extra", card.extra)]
    numbers: dict[str, str] = {}  # each number once, at the first key it is in
    for key, text in texts:
        for number in sorted(grounding.quantities(text)):
            numbers.setdefault(number, key)
    return [(card.loc_of(key), f"card '{card.id}' is background knowledge ('unsourced') but states the number "
                               f"{number!r}; a number a learner memorizes must come from a quoted source. Quote "
                               "the sentence it comes from instead of 'unsourced'")
            for number, key in numbers.items()]


@card_rule("hedge-dropped", "warning")
def hedge_dropped(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """The quote's hedges stay on the card: a learner must not memorize as certain what the source hedges.

    Fails: quote says *approximately*, card says `a: 15%` (hedges, each kept by any of its forms:
      approximately/approximate/approx, about, appears/appear/appeared/appearing/apparently, in
      general/generally, selected/select, may/might, likely, suggest/suggests/suggested/suggesting/suggestive,
      unclear/not clear, unknown/not known, modest/modestly)
    Passes: `a: approximately 15%`; quote says *appears*, card says `… appear to …`
    """
    if not card.quote:
        return NO_HITS
    quoted = grounding.hedges(card.quote)
    if not quoted:
        return NO_HITS
    return [(card.loc, f"card '{card.id}': the quote says {grounding.hedge_as_written(card.quote, hedge)!r} but "
                       "the card does not; keep the source's hedges, in any form of the word (or quote only the "
                       "part the card states)")
            for hedge in sorted(quoted - grounding.hedges(grounding.card_text(card)))]
