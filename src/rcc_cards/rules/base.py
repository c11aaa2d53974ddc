"""What a rule is: :class:`Rule`, and the :data:`Hit` its check returns."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Sequence
from typing import Literal, NamedTuple

from rcc_cards.errors import Severity
from rcc_cards.grounding import SourceText
from rcc_cards.kinds import KindSpec
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Card, Deck, Loc

Scope = Literal["decks", "clean", "card"]
Hit = tuple[Loc, str]  # where, and the message (the registry adds the rule's id and its severity)
NO_HITS: Sequence[Hit] = ()

DecksCheck = Callable[[Sequence[Deck], Memo], Sequence[Hit]]  # the decks, and what the run remembers
CardCheck = Callable[[Card, KindSpec, SourceText], Sequence[Hit]]  # the card, what its kind means, its source


class Rule(NamedTuple):
    id: str
    severity: Severity  # the default
    scope: Scope
    check_decks: DecksCheck  # for the "decks" and "clean" scopes
    check_card: CardCheck  # for the "card" scope
    doc: str  # the check's docstring: what it asks, then "Fails:" and "Passes:" lines
    fixed: bool = False  # guards identity or grounding: a deck cannot change it
    needs_source: bool = False  # skipped when the deck's source text cannot be read (reported once)
    applies: Callable[[KindSpec], bool] = lambda spec: True  # the kinds of card it looks at

    @property
    def fails(self) -> str:
        return _example(self.doc, "Fails:")

    @property
    def passes(self) -> str:
        return _example(self.doc, "Passes:")


def _example(doc: str, label: str) -> str:
    """The text after ``label`` in a rule's docstring, with the indented lines that continue it."""
    lines = doc.splitlines()
    for at, line in enumerate(lines):
        if line.startswith(label):
            text = [line[len(label):].strip()]
            text += [more.strip() for more in itertools.takewhile(lambda s: s.startswith("  "), lines[at + 1:])]
            return " ".join(text)
    raise ValueError(f"a rule's docstring needs a line starting with {label!r}")


def _no_decks(decks: Sequence[Deck], memo: Memo = NO_MEMO) -> Sequence[Hit]:
    return NO_HITS


def _no_card(card: Card, spec: KindSpec, source: SourceText) -> Sequence[Hit]:
    return NO_HITS


def card_rule(rule_id: str, severity: Severity, *, fixed: bool = False, needs_source: bool = False,
              applies: Callable[[KindSpec], bool] = lambda spec: True) -> Callable[[CardCheck], Rule]:
    """Declare a rule that looks at one card (and its deck's source text); ``applies`` says for which
    kinds of card (by what the kind means, :mod:`rcc_cards.kinds`), so that it is not asked about others."""
    def declare(check: CardCheck) -> Rule:
        return Rule(rule_id, severity, "card", _no_decks, check, inspect.getdoc(check) or "", fixed, needs_source,
                    applies)
    return declare


def decks_rule(rule_id: str, severity: Severity, scope: Scope, *, fixed: bool = False) -> Callable[[DecksCheck], Rule]:
    """Declare a rule that looks across decks: every deck that loaded ("decks") or the clean ones ("clean")."""
    def declare(check: DecksCheck) -> Rule:
        return Rule(rule_id, severity, scope, check, _no_card, inspect.getdoc(check) or "", fixed)
    return declare
