"""Coverage rules: every sentence of a deck's source has a card, or a reason it has none."""

from __future__ import annotations

from collections.abc import Sequence

from rcc_cards import coverage
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Deck, Loc
from rcc_cards.rules.base import Hit, decks_rule


@decks_rule("sentence-uncovered", "warning", "clean")
def sentence_uncovered(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """Every sentence of the source is quoted by a card, or excused under `source: skip:` with a reason.

    Fails: a source sentence no card quotes (`rcc-cards coverage` lists them with their lines)
    Passes: a card quoting it, or `skip: [{sentence: "The optimum dose", why: "covered by the dosing deck"}]`
    """
    hits: list[Hit] = []
    for deck in decks:
        if not deck.built:
            continue  # a drafts file covers only what it proposes; a deck with no cards yet is told so by 'check'
        hits += [(Loc(found.source_file, line.sentence.line, 1),
                  f"no card quotes the sentence {_short(line.sentence.text)!r} (deck '{deck.key}'); add a card "
                  "that quotes it, or excuse it under the deck's 'source: skip:' (its 'sentence' and 'why')")
                 for found in coverage.of_deck(deck, memo) for line in found.lines if line.uncovered]
    return hits


@decks_rule("skip-unmatched", "warning", "clean")
def skip_unmatched(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """Each `skip:` entry names a sentence of the source (a stale one hides nothing and misleads).

    Fails: `skip: [{sentence: "A sentence the source no longer has", why: "…"}]`
    Passes: a `sentence:` that the source contains (its start is enough)
    """
    hits: list[Hit] = []
    for deck in decks:
        hits += [(skip.loc, f"deck '{deck.key}': the skipped sentence {_short(skip.sentence)!r} is not in the "
                            f"source {found.source_file}; copy it from the source, or remove the entry")
                 for found in coverage.of_deck(deck, memo) for skip in found.unmatched]
    return hits


@decks_rule("skip-ambiguous", "error", "decks", fixed=True)
def skip_ambiguous(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    """Each `skip:` entry names one sentence: an entry that fits several would excuse sentences silently.

    Fails: `skip: [{sentence: "IL-2", why: "…"}]` where several sentences contain "IL-2"
    Passes: a `sentence:` that is the start of exactly one sentence (or an entry for each sentence)
    """
    hits: list[Hit] = []
    for deck in decks:
        for found in coverage.of_deck(deck, memo):
            for skip, matches in found.ambiguous:
                named = "; ".join(f"line {found.lines[i].sentence.line}: {_short(found.lines[i].sentence.text, 40)!r}"
                                  for i in matches[:5]) + ("; …" if len(matches) > 5 else "")
                hits.append((skip.loc, f"deck '{deck.key}': the skipped sentence {_short(skip.sentence)!r} matches "
                                       f"{len(matches)} sentences of the source {found.source_file} ({named}), so "
                                       "it excuses none of them; copy more of the one you mean, or add an entry "
                                       "for each"))
    return hits


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[:n] + "…"
