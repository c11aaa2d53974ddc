"""A deck's ``rules:`` judged: each setting names a rule, sets it to one of
:data:`~rcc_cards.model.SETTINGS`, and changes no fixed rule.

The loader reads the settings as written, with where each was written (:class:`~rcc_cards.model.RuleSetting`);
whether they are allowed is the rules' to say, here. The registry passes its rules in by id
(:func:`rcc_cards.rules.setting_problems`, :func:`rcc_cards.rules.severities`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rcc_cards import suggest
from rcc_cards.errors import Problem
from rcc_cards.model import SETTINGS, Deck, RuleSetting, Setting
from rcc_cards.rules.base import Rule

_SETTING: Mapping[str, Setting] = {setting: setting for setting in SETTINGS}  # a constant: text -> Setting
_WHERE = "deck"  # a deck's 'rules:' is a key of 'deck', and its problems are named so


def problems(written: Iterable[RuleSetting], known: Mapping[str, Rule]) -> list[Problem]:
    """Every setting ``written`` (a deck's ``rules:``) that the rules ``known`` (by id) do not allow, at the
    rule id it names when no rule has it, else at its value."""
    out: list[Problem] = []
    for setting in written:
        why = _why_not(setting, known)
        if why:
            at = setting.loc if setting.rule in known else setting.rule_loc
            out.append(Problem(at.path, at.line, at.col, f"{_WHERE}: {why}"))
    return out


def accepted(deck: Deck, known: Mapping[str, Rule]) -> dict[str, Setting]:
    """The settings of ``deck`` the rules allow, by rule id (the others are :func:`problems`)."""
    return {setting.rule: _SETTING[setting.value] for setting in deck.rules
            if setting.value is not None and not _why_not(setting, known)}


def _why_not(setting: RuleSetting, known: Mapping[str, Rule]) -> str:
    """Why ``setting`` is not allowed, or "" (also for a value that is not text: the loader said why)."""
    rule = known.get(setting.rule)
    if rule is None:
        return _unknown_rule(setting.rule, tuple(known))
    value = setting.value
    if value is None:
        return ""
    if value not in _SETTING:
        return f"rule '{rule.id}' must be set to {', '.join(SETTINGS[:-1])} or {SETTINGS[-1]}; found {value!r}"
    if rule.fixed and value != rule.severity:
        return (f"rule '{rule.id}' cannot be changed: it guards a note's identity or a card's grounding in its "
                "source. Fix the cards it reports, and remove this line")
    return ""


def _unknown_rule(rule_id: str, known: tuple[str, ...]) -> str:
    message = f"unknown rule '{rule_id}'; the rules are {', '.join(sorted(known))}"
    close = suggest.closest(rule_id.lower(), known)
    return message + (f". Did you mean '{close}'?" if close else "")
