"""Rules for weak cards, as a card-writing expert rejects them: answers that are a yes or a no, answers the
question already gives, reverse cards that would expect a question as the answer, cloze deletions a learner
can guess from their opposite, and fronts that show another card's answer.

They are warnings: each is a heuristic a real author may have a reason to overrule (a deck can turn one off,
``deck: rules:``), while ``check --strict`` keeps them out of decks that claim the standard.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rcc_cards import cloze, grounding
from rcc_cards.grounding import SourceText
from rcc_cards.kinds import KindSpec, of
from rcc_cards.model import Card, Deck
from rcc_cards.rules.base import NO_HITS, Hit, card_rule, decks_rule

_YES_NO = re.compile(r"\s*(yes|no)\b", re.IGNORECASE)
# One-word answers whose opposite is the only other guess.
OPPOSITES = frozenset({
    "higher", "lower", "more", "fewer", "less", "greater", "smaller", "larger", "bigger", "shorter", "longer",
    "increased", "decreased", "increase", "decrease", "better", "worse", "superior", "inferior", "positive",
    "negative", "high", "low", "above", "below", "before", "after", "similar", "different", "earlier", "later",
    "major", "minor", "yes", "no", "true", "false",
})
_WORDS = re.compile(r"\w+")
# Words that say nothing of the answer's content: the source's hedges (which a card must keep) and
# function words.
_HEDGE_WORDS = frozenset(word for hedge in grounding.HEDGES for word in hedge.split())
_FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "or", "and", "in", "on", "to", "with", "for", "by", "at",
                             "it", "is", "are", "was", "were", "be", "been", "they", "have", "has", "had", "its",
                             "their", "this", "that", "these", "those", "as", "from"})


def _words(text: str) -> str:
    """Text as its lowercased words, one space apart, with a space at each end (for whole-word search)."""
    return " " + " ".join(_WORDS.findall(text.casefold())) + " "


@card_rule("yes-no-answer", "warning")
def yes_no_answer(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """An answer is something to recall, not a yes or a no (a coin toss the learner wins half the time).

    Fails: `q: Has IL-2 been shown in a randomized controlled trial to result in longer survival?` with
      `a: No, never`
    Passes: `q: What has IL-2 never been shown to do in a randomized controlled trial?` with
      `a: result in longer survival`
    """
    if spec.answer_key != "a" or not _YES_NO.match(card.back):
        return NO_HITS
    return [(card.loc_of("a"), f"card '{card.id}': the answer is a yes or a no; ask for what the source states "
                               "instead (what, which, how much), so the learner recalls it")]


@card_rule("answer-in-question", "warning")
def answer_in_question(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """The question does not already contain its answer (a leading prompt tests reading, not recall).

    Fails: `q: What survival or quality of life benefit has it shown?` with `a: Unclear survival or quality
      of life benefit` (the answer verbatim in the question, or, for an answer of three content words or
      more, all of them but one; hedges and words such as "of" and "the" do not count)
    Passes: `q: What is known of its survival or quality of life benefit?` with `a: It is unclear`
    """
    if spec.answer_key != "a" or not card.front or not card.back:
        return NO_HITS
    answer, question = _words(card.back), _words(card.front)
    words = [w for w in answer.split() if w not in _FUNCTION_WORDS and w not in _HEDGE_WORDS]
    missing = [w for w in words if f" {w} " not in question]
    if not words or (answer not in question and (len(words) < 3 or len(missing) > 1)):
        return NO_HITS
    return [(card.loc_of("a"), f"card '{card.id}': the question already says its answer {card.back!r} (all of "
                               "it, or all but one word); ask without giving it away")]


@card_rule("reverse-on-question", "warning")
def reverse_on_question(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """`reverse: true` is for pairs (a term and its meaning), not for questions: reversed, a question
    would be the answer a learner must produce.

    Fails: `q: What is the optimum dose of IL-2?` with `reverse: true`
    Passes: `q: IL-2` with `a: interleukin-2` and `reverse: true`
    """
    if not spec.asks_answer_side or not card.front.rstrip().endswith("?"):
        return NO_HITS
    return [(card.loc_of("reverse"), f"card '{card.id}': 'reverse: true' on a question would show the answer "
                                     "and expect the question back; use reverse only for pairs such as a term "
                                     "and its meaning, or remove it")]


@card_rule("guessable-deletion", "warning")
def guessable_deletion(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    """A cloze deletion is not one word whose opposite is the only other guess (higher/lower, more/fewer …).

    Fails: `{{c2::more}} toxic effects`
    Passes: `more {{c2::toxic effects}}`, or the fact asked as a question with a full answer
    """
    if not card.text:
        return NO_HITS
    deletions, _ = cloze.parse(card.text)
    return [(card.loc_of("cloze"), f"card '{card.id}': the deletion {{{{c{d.number}::{d.answer}}}}} is one word "
                                   "whose opposite is the only other guess; delete what the learner must recall "
                                   "(the thing compared, or the whole comparison)")
            for d in deletions if d.answer.strip().casefold() in OPPOSITES]


@decks_rule("front-gives-away", "warning", "clean")
def front_gives_away(decks: Sequence[Deck]) -> Sequence[Hit]:
    """A card's front does not show the answer of another card on the same source sentence.

    Fails: `q: … gave a survival HR of 0.78; what was its CI?` beside a card whose answer is `HR 0.78`
    Passes: `q: … what was the CI of its survival hazard ratio?`
    """
    hits: list[Hit] = []
    for deck in decks:
        texts, _ = grounding.read_sources(deck)  # unreadable ones: reported by the card rules
        first = deck.sources[0].key
        by_sentence: dict[tuple[str, int], list[Card]] = {}
        for card in deck.cards():
            text = texts.get(card.source or first)
            for sentence in text.sentences_of(card.quote) if card.quote and text is not None else ():
                by_sentence.setdefault((card.source or first, sentence), []).append(card)
        pairs: dict[tuple[str, str], tuple[Card, Card]] = {}
        for cards in by_sentence.values():
            pairs.update(((c.id, o.id), (c, o)) for c in cards for o in cards if o is not c and _gives_away(c, o))
        hits += [(card.loc_of(of(card.kind).front_key),
                  f"card '{card.id}': its front shows the answer of card '{other.id}' (on the same source "
                  "sentence), so one card gives the other away; reword this front, or merge the two cards")
                 for card, other in pairs.values()]
    return hits


def _gives_away(card: Card, other: Card) -> bool:
    """Does a front of ``card`` show an answer of ``other``: all of its quantities, or (an answer without
    any, of two words or more) all of its words in order?"""
    fronts = of(card.kind).fronts(card)
    for answer in of(other.kind).answers(other):
        numbers = grounding.quantities(answer)
        words = _words(answer)
        for front in fronts:
            if numbers and numbers <= grounding.quantities(front):
                return True
            if not numbers and len(words.split()) >= 2 and words in _words(front):
                return True
    return False
