"""Is each card true to its source? Quotes must occur in the source text; answers' numbers in the quote;
the quote's hedges ("approximately", "appears", …) on the card.

Matching ignores differences of whitespace and of dash characters (– — ‐ − and -), and the source's
numeric citation brackets such as ``[4,5,6]``, so a quote may run across them. An ellipsis (``…`` or
``...``) in a quote stands for omitted source text: the parts around it must occur in that order.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from rcc_cards import cloze
from rcc_cards.errors import Problem, rule_problem
from rcc_cards.model import Card, Deck, Kind

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_CITATION = re.compile(r"\s*\[\d+(?:\s*[,\u2013-]\s*\d+)*\]")
_ELLIPSIS = re.compile(r"…|\.\.\.")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
HEDGES = ("approximately", "about", "appears", "appear", "in general", "selected", "may", "might",
          "likely", "suggest", "unclear", "unknown", "modest")
_NOT_WORD = re.compile(r"[^\w]+")


# Caches hold up to one entry per card of the largest deck file (schema.MAX_CARDS is 100,000): cards often
# quote the same sentence, and a build asks about each text more than once.
_CACHE = 1 << 17
_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=_CACHE)
def normalize(text: str) -> str:
    """The form quotes and sources are compared in."""
    if "[" in text:
        text = _CITATION.sub("", text)
    return " ".join(text.translate(_DASHES).split())


@functools.lru_cache(maxsize=_CACHE)
def hedges(text: str) -> frozenset[str]:
    """The hedge words in ``text``, lowercased."""
    words = f" {_NOT_WORD.sub(' ', text.casefold())} "
    return frozenset(h for h in HEDGES if f" {h} " in words)


def source_body(raw: str) -> str:
    """A source file's text without its header (leading lines starting with '#')."""
    lines = raw.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


class SourceText(NamedTuple):
    """A deck's source, read once and normalized."""

    shown: str  # the path as the deck names it, quoted
    text: str  # normalized body

    def find(self, quote: str) -> bool:
        return _occurs(self.text, quote)

    def mismatch(self, quote: str) -> str:
        """Where ``quote`` stops matching the source: the longest prefix that occurs, and what follows."""
        wanted = next((p.strip() for p in _ELLIPSIS.split(normalize(quote)) if p.strip() not in self.text),
                      normalize(quote))
        lo, hi = 0, len(wanted)
        while lo < hi:  # the longest prefix of wanted that occurs in the source
            mid = (lo + hi + 1) // 2
            if wanted[:mid] in self.text:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            return "no part of it occurs in the source"
        at = self.text.find(wanted[:lo]) + lo
        return (f"it matches up to {_tail(wanted[:lo])!r}, then the quote has {wanted[lo:lo + 25]!r} "
                f"where the source has {self.text[at:at + 25]!r}")


@functools.lru_cache(maxsize=_CACHE)
def _occurs(source: str, quote: str) -> bool:
    """Does ``quote`` occur in the normalized ``source`` (its parts in order, around each ellipsis)?"""
    start = 0
    for part in _ELLIPSIS.split(normalize(quote)):
        at = source.find(part.strip(), start)
        if at < 0:
            return False
        start = at + len(part.strip())
    return True


@functools.lru_cache(maxsize=_CACHE)
def _quoted_numbers(quote: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(normalize(quote))) if _DIGIT.search(quote) else frozenset()


def _tail(text: str, n: int = 30) -> str:
    return text if len(text) <= n else "…" + text[-n:]


def read_source(deck: Deck) -> tuple[SourceText | None, list[Problem]]:
    loc = deck.source.loc
    shown = repr(deck.source.file)
    try:
        raw = deck.source.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(loc.path, loc.line, loc.col, f"cannot read the source text {shown}: {exc}; "
                                                           "it must be a UTF-8 text file")]
    return SourceText(shown, normalize(source_body(raw))), []


def answers(card: Card) -> list[str]:
    """What the learner must recall: the back, both sides of a reverse card, or the cloze deletions."""
    if card.kind is Kind.CLOZE:
        deletions, _ = cloze.parse(card.text)
        return [d.answer for d in deletions]
    return [card.front, card.back] if card.kind is Kind.REVERSE else [card.back]


def card_text(card: Card) -> str:
    return " ".join([card.front, card.back, cloze_plain(card.text), card.extra])


def cloze_plain(text: str) -> str:
    """Cloze text as it reads with every deletion revealed (hints dropped)."""
    return cloze.substitute(text, lambda number, answer, hint: answer)


def check_card(card: Card, source: SourceText) -> list[Problem]:
    """The grounding rules for one card."""
    name = f"card '{card.id}'"
    if not card.quote:
        return [rule_problem(
            card.loc, f"{name} has no 'quote'; add the source sentence it comes from, verbatim, so "
            "the card can show where it came from and be checked", "quote-missing", "warning")]
    problems = []
    if not source.find(card.quote):
        problems.append(rule_problem(
            card.loc_of("quote"), f"{name}: quote not found in the source text "
            f"{source.shown} ({source.mismatch(card.quote)}). The source "
            "or the quote changed: update the quote, and check the card "
            "still says what the source says", "quote-stale"))
    quoted = _quoted_numbers(card.quote)
    answer_key = "cloze" if card.kind is Kind.CLOZE else "a"
    for answer in answers(card):
        if not _DIGIT.search(answer):
            continue  # no number to check (and no need to normalize)
        for number in _NUMBER.findall(normalize(answer)):
            if number not in quoted:
                problems.append(rule_problem(
                    card.loc_of(answer_key), f"{name}: the answer's number {number!r} does not "
                    "occur in the card's quote; every number a learner "
                    "memorizes must come from the source",
                    "number-not-in-quote"))
    quoted_hedges = hedges(card.quote)
    for hedge in sorted(quoted_hedges - hedges(card_text(card)) if quoted_hedges else ()):
        problems.append(rule_problem(
            card.loc, f"{name}: the quote says {hedge!r} but the card does not; keep the "
            "source's hedges (or quote only the part the card states)",
            "hedge-dropped", "warning"))
    return problems


def check_deck(deck: Deck) -> list[Problem]:
    source, problems = read_source(deck)
    if source is None:
        return problems
    for card in deck.cards():
        problems += check_card(card, source)
    return problems
