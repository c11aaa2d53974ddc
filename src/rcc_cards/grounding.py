"""Comparing cards with their source: the source text, read once and normalized; where a quote occurs;
the numbers and hedges ("approximately", "appears", …) of a text. The rules that use these are in
:mod:`rcc_cards.rules.grounding`.

Matching ignores differences of whitespace, of dash characters (– — ‐ − and -) and of quotes and
apostrophes (‘ ’ “ ” and the straight ' and "), soft hyphens and zero-width spaces, and the source's
numeric citation brackets such as ``[4,5,6]`` (with the space before one: "patients [12]." reads
"patients."), so a quote may run across them. An ellipsis (``…`` or ``...``) in a quote stands for omitted
source text: the parts around it must occur in that order.
"""

from __future__ import annotations

import bisect
import functools
import re
import stat
from typing import NamedTuple

from rcc_cards import cloze, reads, sentences
from rcc_cards.errors import Problem
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import Card, Deck, Source

_FOLD = str.maketrans({**{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
                       **{c: "'" for c in "\u2018\u2019\u201a\u201b"}, **{c: '"' for c in "\u201c\u201d\u201e\u201f"},
                       "\u00ad": None, "\u200b": None, "\u2060": None, "\ufeff": None})
# No leading '\s*' (normalize collapses the space a removed citation leaves), and bounded repeats: every
# pattern here runs in linear time on any text (tests/test_linear_time.py).
_CITATION = r"\[\d{1,6}(?:[ ]?[,\u2013-][ ]?\d{1,6}){0,50}\]"  # compiled (cached by re) for texts with a '['.
# A citation between a word and its punctuation ("patients [12].") goes with the space before it.
_CITATION_BEFORE_STOP = r"[ \t\n]{1,8}" + _CITATION + r"(?=[.,;:!?)])"
_ELLIPSIS = re.compile(r"…|\.\.\.")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Each hedge, by the word the rules name it with, and the forms that keep it: "appear" keeps "appears".
# A form never weakens the hedge ("unlikely" is not a form of "likely"; "could" is not one of "may").
HEDGE_FORMS: dict[str, tuple[str, ...]] = {
    "approximately": ("approximately", "approximate", "approx"),
    "about": ("about",),
    "appears": ("appears", "appear", "appeared", "appearing", "apparently"),
    "in general": ("in general", "generally"),
    "selected": ("selected", "select"),
    "may": ("may", "might"),
    "likely": ("likely",),
    "suggest": ("suggest", "suggests", "suggested", "suggesting", "suggestive"),
    "unclear": ("unclear", "not clear"),
    "unknown": ("unknown", "not known"),
    "modest": ("modest", "modestly"),
}
HEDGES = tuple(form for forms in HEDGE_FORMS.values() for form in forms)
_NOT_WORD = re.compile(r"[^\w]+")


# The lru_caches below are pure functions of immutable strings (nothing to invalidate, and no memo to pass
# down to every caller): they hold up to one entry per card of the largest deck file (schema.MAX_CARDS is
# 100,000): cards often quote the same sentence, and a build asks about each text more than once.
_CACHE = 1 << 17
_DIGIT = re.compile(r"\d")


@functools.lru_cache(maxsize=_CACHE)
def normalize(text: str) -> str:
    """The form quotes and sources are compared in."""
    if "[" in text:
        text = re.sub(_CITATION, "", re.sub(_CITATION_BEFORE_STOP, "", text))
    return " ".join(text.translate(_FOLD).split())


@functools.lru_cache(maxsize=_CACHE)
def hedges(text: str) -> frozenset[str]:
    """The hedges ``text`` keeps, each by its name in :data:`HEDGE_FORMS`, whichever form it uses."""
    words = f" {_NOT_WORD.sub(' ', text.casefold())} "
    return frozenset(name for name, forms in HEDGE_FORMS.items() if any(f" {form} " in words for form in forms))


def hedge_as_written(text: str, name: str) -> str:
    """The form of the hedge ``name`` that ``text`` uses (the name itself when it uses none)."""
    words = f" {_NOT_WORD.sub(' ', text.casefold())} "
    return next((form for form in HEDGE_FORMS[name] if f" {form} " in words), name)


def source_body(raw: str) -> str:
    """A source file's text without its header (leading lines starting with '#')."""
    lines = raw.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines)


class Sentence(NamedTuple):
    text: str  # normalized (:func:`normalize`)
    line: int  # 1-based line of the source file where it starts
    heading: bool = False  # a title, not a claim (:mod:`rcc_cards.sentences` says which lines are)
    raw: str = ""  # as the source writes it (citation brackets and dashes kept), white space collapsed


def split_sentences(raw: str) -> list[Sentence]:
    """The sentences of a source file (its header lines skipped), in order, with the line each starts on;
    where they begin and end is decided in :mod:`rcc_cards.sentences`."""
    return [Sentence(normalize(piece.text), piece.line, piece.heading, " ".join(piece.text.split()))
            for piece in sentences.split(raw)]


Layout = tuple[str, list[int], list[int]]  # the sentences joined by spaces, where each starts and ends in it


class SourceText(NamedTuple):
    """A deck's source, read once and normalized, and its sentences."""

    shown: str  # the path as the deck names it, quoted
    text: str  # normalized body
    sentences: tuple[Sentence, ...]
    found: dict[str, tuple[int, ...]]  # quote -> sentences_of(quote), filled as asked (one dict per source)
    layout: Layout | None = None  # the sentences' layout (:func:`layout`), when made with them

    def find(self, quote: str) -> bool:
        return _occurs(self.text, quote)

    def sentences_of(self, quote: str) -> tuple[int, ...]:
        """The indices of the sentences a quote's words lie in (none when the quote is not in the source)."""
        known = self.found.get(quote)
        if known is None:
            known = self.found[quote] = _sentences_of(self.layout or layout(self.sentences), quote)
        return known

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


def layout(sentences: tuple[Sentence, ...]) -> Layout:
    """The sentences joined by spaces, where each starts and ends in that text: made once per source read
    (:func:`read_source`), not once per quote (a deck asks about hundreds of quotes of one source)."""
    starts, ends, at = [], [], 0
    for sentence in sentences:
        starts.append(at)
        ends.append(at + len(sentence.text))
        at += len(sentence.text) + 1
    return " ".join(s.text for s in sentences), starts, ends


def _sentences_of(laid_out: Layout, quote: str) -> tuple[int, ...]:
    found: set[int] = set()
    joined, starts, ends = laid_out
    position = 0
    for part in (p.strip() for p in _ELLIPSIS.split(normalize(quote))):
        if not part:
            continue
        begin = joined.find(part, position)
        if begin < 0:
            return ()
        end = begin + len(part)
        first = max(0, bisect.bisect_right(starts, begin) - 1)  # the sentence the part begins in, then on
        last = bisect.bisect_left(starts, end)  # sentences starting before the part ends
        found.update(i for i in range(first, last) if ends[i] > begin)
        position = end
    return tuple(sorted(found))


@functools.lru_cache(maxsize=_CACHE)
def quoted_numbers(quote: str) -> frozenset[str]:
    """The numbers in a quote, as the rules compare them."""
    return frozenset(_NUMBER.findall(normalize(quote))) if _DIGIT.search(quote) else frozenset()


def _tail(text: str, n: int = 30) -> str:
    return text if len(text) <= n else "…" + text[-n:]


def read_sources(deck: Deck, memo: Memo = NO_MEMO) -> tuple[dict[str, SourceText], list[Problem]]:
    """Each of the deck's sources that can be read, by key; a problem for each that cannot."""
    texts: dict[str, SourceText] = {}
    problems: list[Problem] = []
    for source in deck.sources:
        text, found = read_source(source, memo)
        problems += found
        if text is not None:
            texts[source.key] = text
    return texts, problems


MAX_SOURCE_BYTES = 10 * 1024 * 1024  # a source is a passage of text; a larger one is several sources


def read_source(source: Source, memo: Memo = NO_MEMO) -> tuple[SourceText | None, list[Problem]]:
    """A source file's text; only a regular file within :data:`MAX_SOURCE_BYTES` is read (a pipe or device
    would block or never end). It is normalized and split once per ``memo`` while its bytes stay the same
    (the rules, coverage and every cycle of a watch session ask for it), keyed by the path and the bytes
    themselves (no digest to trust, and no hashlib to load); the quote -> sentences dict is shared with it,
    since it depends on the text alone."""
    loc = source.loc
    shown = repr(source.file)
    reads.before_reading(source.path)
    try:
        info = source.path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, [Problem(loc.path, loc.line, loc.col, f"the source text {shown} is not a regular file "
                                                               "(a folder, pipe or device); it must be a UTF-8 "
                                                               "text file")]
        if info.st_size > MAX_SOURCE_BYTES:
            return None, [Problem(loc.path, loc.line, loc.col, f"the source text {shown} is {info.st_size:,} "
                                                               f"bytes; the limit is {MAX_SOURCE_BYTES:,}. Split "
                                                               "it into several sources ('sources:')")]
        data = source.path.read_bytes()
        known = memo.get_or_compute("source", (str(source.path), data), lambda: _prepared(data))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(loc.path, loc.line, loc.col, f"cannot read the source text {shown}: {exc}; "
                                                           "it must be a UTF-8 text file")]
    return SourceText(shown, *known), []


def _prepared(data: bytes) -> tuple[str, tuple[Sentence, ...], dict[str, tuple[int, ...]], Layout]:
    raw = data.decode("utf-8")
    split = tuple(split_sentences(raw))
    return normalize(source_body(raw)), split, {}, layout(split)


def card_text(card: Card) -> str:
    """Everything the card states, clozes revealed: where a quote's hedge must reappear."""
    return " ".join([card.front, card.back, cloze_plain(card.text), card.extra])


def cloze_plain(text: str) -> str:
    """Cloze text as it reads with every deletion revealed (hints dropped)."""
    return cloze.substitute(text, lambda number, answer, hint: answer)


def numbers(text: str) -> list[str]:
    """The numbers in ``text`` (normalized first), in order."""
    return _NUMBER.findall(normalize(text)) if _DIGIT.search(text) else []


# A number as a quantity: not the digits of a name such as IL-2 or 5-FU (after a letter, or a letter and a
# hyphen; or before a hyphen and a capital). "5-year" is a quantity.
_QUANTITY = re.compile(r"(?<![A-Za-z])(?<![A-Za-z]-)(?<!\d)\d+(?:[.,]\d+)*(?!\d)(?!-[A-Z])")


def quantities(text: str) -> set[str]:
    """The numbers in ``text`` that are quantities, not parts of a name (IL-2, 5-FU)."""
    return set(_QUANTITY.findall(normalize(text))) if _DIGIT.search(text) else set()


NO_SOURCE = SourceText("", "", (), {})  # given to rules that need no source when it cannot be read
