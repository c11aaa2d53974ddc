"""The checks that run on loaded decks: across files (identity), and per card (grounding, quality)."""

from __future__ import annotations

from rcc_cards import grounding, quality
from rcc_cards.errors import Problem, problem_at
from rcc_cards.model import Card, Deck, Loc


def unique_card_ids(decks: list[Deck]) -> list[Problem]:
    """Card ids are unique across every file built together (the id is the note's identity)."""
    first: dict[str, Card] = {}
    problems = []
    for deck in decks:
        for card in deck.cards():
            other = first.setdefault(card.id, card)
            if other is not card:
                where = other.loc_of("id")
                problems.append(problem_at(card.loc_of("id"), f"duplicate card id '{card.id}'; first used at "
                                         f"{where.path}:{where.line}. Card ids must be unique across all "
                                         "decks built together: rename this one"))
    return problems


def unique_deck_keys(decks: list[Deck]) -> list[Problem]:
    """Two files with one deck key would write one package and share note GUIDs."""
    first: dict[str, Loc] = {}
    problems = []
    for deck in decks:
        if deck.key in first:
            other = first[deck.key]
            problems.append(problem_at(deck.loc, f"deck key '{deck.key}' is already used by {other.path}:{other.line}; "
                                          "each deck file needs its own key (it namespaces note GUIDs)"))
        else:
            first[deck.key] = deck.loc
    return problems


def check_decks(decks: list[Deck], clean: list[Deck]) -> list[Problem]:
    """Every rule that looks at loaded decks.

    Identity rules see every deck; grounding and quality rules only the ``clean`` ones (whose files
    loaded without errors): content is judged once its structure is right, so a broken file is not
    buried under warnings about cards that did not load.
    """
    problems = unique_deck_keys(decks) + unique_card_ids(decks) + quality.check_duplicate_fronts(clean)
    for deck in clean:
        problems += grounding.check_deck(deck)
        for card in deck.cards():
            problems += quality.check_card(card)
    return problems
