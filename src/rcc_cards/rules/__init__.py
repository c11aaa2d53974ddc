"""The rules that judge loaded decks, and the registry that lists and runs them (as yamllint's rules/).

Each rule lives in a module of its family (:mod:`.identity`, :mod:`.quotes`, :mod:`.quality`,
:mod:`.fronts`, :mod:`.weak`, :mod:`.recall`, :mod:`.coverage`, :mod:`.drafts`,
:mod:`.attribution`) as a :class:`Rule`: its id, default severity, a
docstring with a failing and a passing example (docs/rules.md is generated from them, and a test
keeps the two equal) and its check.
Adding a rule is adding it to its module and to :data:`RULES`.

Scopes, as the checks ran before there was a registry:

- ``decks``: identity rules, over every deck that loaded (even one with errors elsewhere in its file);
- ``clean``: cross-card content rules, over the decks whose files loaded without errors (a rule a deck
  may change runs deck by deck, at that deck's severity; a fixed one looks across all decks at once);
- ``card``: content rules, card by card, for every card that loaded, with its source text; in a file with
  errors elsewhere only the rules at level error run (its warnings wait until the file loads cleanly).

A card's content is judged once its own structure is right, so an author fixing a file sees every problem
of it in one run; the rules across cards that would miss the cards that did not load (duplicate fronts,
coverage) wait until the file loads cleanly, so a broken file is not buried under their false reports.

A deck may change a rule's severity or turn it off for its own cards (``deck: rules:``; see
:func:`severities`). Rules marked ``fixed`` guard a note's identity or a card's grounding in its source
(``quote-stale``, ``number-not-in-quote``) or the learner's ability to tell cards apart; they cannot be
changed: fix the card instead.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence

from rcc_cards import grounding, kinds
from rcc_cards.errors import Problem, Severity
from rcc_cards.memo import NO_MEMO, Hashed, Memo, Same
from rcc_cards.model import Card, Deck, RuleSetting, Setting
from rcc_cards.rules import attribution, coverage, drafts, fronts, identity, quality, quotes, recall, settings, weak
from rcc_cards.rules.base import Hit, Rule

__all__ = ["RULES", "Hit", "Rule", "Setting", "by_id", "check_decks", "setting_problems", "severities", "table"]

RULES: tuple[Rule, ...] = (
    identity.duplicate_card_id,
    identity.duplicate_deck_key,
    identity.duplicate_guid,
    identity.key_changed,
    quotes.quote_stale,
    quotes.number_not_in_quote,
    quotes.number_in_background,
    fronts.duplicate_front,
    quotes.quote_missing,
    quotes.hedge_dropped,
    quality.answer_too_long,
    quality.answer_is_a_list,
    quality.citation_in_text,
    quality.boilerplate_in_text,
    quality.cloze_numbering,
    weak.yes_no_answer,
    weak.answer_in_question,
    weak.reverse_on_question,
    weak.guessable_deletion,
    weak.front_gives_away,
    *recall.RULES,
    coverage.sentence_uncovered,
    coverage.skip_unmatched,
    coverage.skip_ambiguous,
    drafts.draft_pending,
    attribution.source_header_incomplete,
)


def by_id() -> dict[str, Rule]:
    return {rule.id: rule for rule in RULES}


def severities(deck: Deck) -> dict[str, Setting]:
    """Each rule's severity for ``deck``'s cards: its default, or what the deck's ``rules:`` says."""
    out: dict[str, Setting] = {rule.id: rule.severity for rule in RULES}
    out.update(settings.accepted(deck, by_id()))
    return out


def setting_problems(written: Iterable[RuleSetting]) -> list[Problem]:
    """What is wrong with a deck's ``rules:`` (``written``, as the loader read them): a rule id no rule has,
    a setting that is not one of error, warning or off, a fixed rule changed (:mod:`.settings`). Problems
    of the deck's own file."""
    return settings.problems(written, by_id())


def _problems(rule: Rule, hits: Sequence[Hit], severity: Severity) -> list[Problem]:
    return [Problem(loc.path, loc.line, loc.col, f"{message} [{rule.id}]", severity) for loc, message in hits]


def check_decks(decks: list[Deck], clean: list[Deck], memo: Memo = NO_MEMO) -> list[Problem]:
    """Every rule, over the decks that loaded (``decks``) and those that loaded without errors (``clean``).

    ``memo`` keeps what looks at one deck only (its card rules, its per-deck rules) for the deck object it
    was computed for, and each card's result by everything the card rules see; rules across decks always run
    again (from per-card values they may keep in ``memo`` themselves).
    """
    problems: list[Problem] = []
    settings = {id(deck): severities(deck) for deck in decks}
    for rule in RULES:
        if rule.scope == "card":
            continue
        scope = decks if rule.scope == "decks" else clean
        if rule.fixed:  # the same for every deck: one look across all of them
            problems += _problems(rule, rule.check_decks(scope, memo), rule.severity)
            continue
        for deck in scope:  # a rule a deck may change looks at each deck on its own, at its severity
            severity = settings[id(deck)][rule.id]
            if severity != "off":
                problems += memo.get_or_compute("deck rule", (rule.id, Same(deck), severity),
                                                functools.partial(_deck_rule, rule, deck, severity, memo))
    clean_ids = {id(deck) for deck in clean}
    for deck in decks:
        deck_settings = settings[id(deck)]
        is_clean = id(deck) in clean_ids
        if not is_clean:  # in a file with errors, only what also blocks the build: no warnings yet
            deck_settings = {k: v if v == "error" else "off" for k, v in deck_settings.items()}
        problems += memo.get_or_compute("card rules", (Same(deck), is_clean),
                                        functools.partial(_check_cards, deck, deck_settings, memo))
    return problems


def _deck_rule(rule: Rule, deck: Deck, severity: Setting, memo: Memo) -> list[Problem]:
    return _problems(rule, rule.check_decks([deck], memo), severity)  # type: ignore[arg-type]  # "off" filtered out


def _check_cards(deck: Deck, settings: Mapping[str, Setting], memo: Memo = NO_MEMO) -> list[Problem]:
    """The card rules over every card of ``deck``; ``memo`` keeps each card's result, by everything the rules
    see: the card and where it is, its source text, the deck's settings."""
    texts, problems = grounding.read_sources(deck, memo)
    # per kind of card, (check, rule, severity) for each rule that runs on it: looked up once, not per card
    active = {spec.kind: [(rule.check_card, rule, settings[rule.id]) for rule in RULES
                          if rule.scope == "card" and settings[rule.id] != "off" and rule.applies(spec)]
              for spec in kinds.all_kinds()}
    readable = {kind: [entry for entry in entries if not entry[1].needs_source]  # when the source is unreadable
                for kind, entries in active.items()}

    drafts = bool(deck.drafts_for)
    first = texts.get(deck.sources[0].key)  # most cards quote the deck's first source
    specs = {spec.kind: spec for spec in kinds.all_kinds()}

    def check(card: Card) -> list[Problem]:
        found: list[Problem] = []
        if drafts and card.to_write:
            return found  # a draft skeleton: 'draft-pending' says it is still to write; nothing else to judge
        spec = specs[card.kind]
        text = texts.get(deck.source_of(card).key) if card.source else first
        for check_card, rule, severity in (active if text is not None else readable)[card.kind]:
            hits = check_card(card, spec, text or grounding.NO_SOURCE)
            if hits:
                found += _problems(rule, hits, severity)  # type: ignore[arg-type]  # "off" is filtered out
        return found

    context = Hashed((deck.drafts_for, tuple(sorted(settings.items())),
                      tuple((k, Same(t.sentences), t.shown) for k, t in sorted(texts.items()))))
    for card in deck.cards():
        key = (context, deck.source_of(card).key, card[:-1], tuple(card.key_locs.items()))
        problems += memo.get_or_compute("card", key, functools.partial(check, card))
    return problems


def table() -> str:
    """The rule table of docs/rules.md, from the registry."""
    rows = ["| rule | level | can a deck change it | fails | passes |", "| --- | --- | --- | --- | --- |"]
    for rule in RULES:
        rows.append(f"| `{rule.id}` | {rule.severity} | {'no' if rule.fixed else 'yes'} | {rule.fails} | "
                    f"{rule.passes} |")
    return "\n".join(rows) + "\n"
