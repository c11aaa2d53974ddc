"""Anki tags: the section tag path, topic tags, their rules, and ``--tag`` filters.

Anki tags cannot contain spaces, compare case-insensitively, and nest with ``::``; a tag search
``tag:a::b`` finds ``a::b`` and every tag below it. Filters here follow the same rule.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from rcc_cards.model import Card, Deck

SEP = "::"
# Characters that break Anki's tag storage (whitespace) or its search syntax (quotes, '*', backslash).
_FORBIDDEN = re.compile(r'[\s"*\\\x00-\x1f\x7f]')
# A valid tag, for the JSON Schema (tag_problem says why a tag does not match it): levels of allowed
# characters separated by '::'. A single ':' is not allowed: it is almost always a mistyped '::'.
_LEVEL = r'[^\s"*\\:\x00-\x1f\x7f]+'
TAG_PATTERN = f"^{_LEVEL}(::{_LEVEL})*$"


@functools.lru_cache(maxsize=4096)  # one per section, asked for every card
def section_tag(deck_key: str, section_path: tuple[str, ...]) -> str:
    """``rcc`` + ``("stage_iv", "surgery")`` -> ``rcc::stage_iv::surgery``."""
    return SEP.join([deck_key, *section_path])


def note_tags(deck: Deck, card: Card) -> list[str]:
    """A note's tags: its section tag path first, then its topic tags (the card's and its sections')."""
    return [section_tag(deck.key, card.section_path), *card.tags]


@functools.lru_cache(maxsize=4096)  # a deck uses few distinct tags, on many cards
def tag_problem(tag: str) -> str | None:
    """Why ``tag`` cannot be an Anki tag, or None."""
    if not tag:
        return "empty tag; remove it or write a tag such as topic::dosing"
    bad = _FORBIDDEN.search(tag)
    if bad:
        what = "a space" if bad.group().isspace() else f"the character {bad.group()!r}"
        return (f"tag '{tag}' contains {what}; Anki tags cannot contain spaces, quotes, '*' or '\\'. "
                "Use '_' between words and '::' between levels, e.g. topic::patient_selection")
    parts = tag.split(SEP)
    if any(not part for part in parts):
        return (f"tag '{tag}' has an empty '::' part; every level needs a name, "
                "e.g. topic::dosing (not topic:: or ::dosing)")
    if any(":" in part for part in parts):
        meant = SEP.join(p for part in parts for p in part.split(":") if p)
        return (f"tag '{tag}' has a single ':'; levels are separated by '::'. Did you mean '{meant}'?")
    return None


def deck_name_problem(name: str) -> str | None:
    """Why ``name`` would not be the Anki deck the author meant, or None."""
    parts = name.split(SEP)
    if any(not part.strip() for part in parts):
        return (f"deck name '{name}' has an empty '::' part; Anki would create a deck named 'blank' "
                "there. Give every level a name, e.g. 'Oncology::Renal cell cancer'")
    if any(part != part.strip() for part in parts):
        return (f"deck name '{name}' has spaces around a level name; Anki strips them, so the cards "
                "would land in a differently named deck. Remove the spaces at the start and end of each level")
    if name.casefold() == "default":
        return ("the deck name 'Default' is the learner's own default deck in Anki; these cards would be "
                "mixed into it. Choose a specific name, e.g. 'Oncology::Renal cell cancer'")
    return None


def merged(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """The tags of ``first`` then ``second`` (each already free of repeats), each once (:func:`unique`)."""
    if not first or not second:
        return first or second
    return unique([*first, *second])


def unique(tag_list: Iterable[str]) -> tuple[str, ...]:
    """The tags in order, each once: Anki compares tags case-insensitively, so the first spelling wins."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tag_list:
        if (folded := tag.casefold()) not in seen:
            seen.add(folded)
            out.append(tag)
    return tuple(out)


def matches(tag: str, wanted: str) -> bool:
    """True when ``tag`` is ``wanted`` or below it, ignoring case as Anki does."""
    tag, wanted = tag.casefold(), wanted.casefold()
    return tag == wanted or tag.startswith(wanted + SEP)


def selected(tags: Iterable[str], include: Iterable[str], exclude: Iterable[str]) -> bool:
    """The ``--tag``/``--exclude-tag`` rule: any include matches (or none given), and no exclude does."""
    tags = list(tags)
    include = list(include)
    if include and not any(matches(t, w) for t in tags for w in include):
        return False
    return not any(matches(t, w) for t in tags for w in exclude)


def with_ancestors(tag: str) -> list[str]:
    """``a::b::c`` -> ``["a", "a::b", "a::b::c"]``."""
    parts = tag.split(SEP)
    return [SEP.join(parts[: i + 1]) for i in range(len(parts))]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("*", "\\*").replace('"', '\\"')


def card_id_search(deck_key: str, card_ids: Iterable[str]) -> str:
    """The Anki search that finds exactly the notes of deck ``deck_key`` with these card ids: the deck's
    top tag (every note of a deck carries it) and each id as a case-sensitive whole-field regex (a plain
    ``CardId:x`` search ignores case and reads ``_`` and ``*`` as wildcards; measured in a real collection,
    tests/test_regenerate.py)."""
    ids = " OR ".join(f'"CardId:re:(?-i)^{_regex(card_id)}$"' for card_id in card_ids)
    return f'"tag:{_escape(deck_key)}" ({ids})'


def _regex(text: str) -> str:
    """``text`` as a regex that matches only itself, written for Anki's search syntax (which passes a
    backslash escape on to the regex, and needs '"' escaped)."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text).replace('"', '\\"')


def anki_search(tag: str) -> str:
    """The Anki search that finds ``tag`` and its children (``_`` and ``*`` are wildcards there)."""
    return f'"tag:{_escape(tag)}"'
