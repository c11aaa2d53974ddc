"""Proposing cards for the sentences of a deck's source that no card covers yet (``rcc-cards draft``).

Decided: drafts go to a file of their own beside the deck, ``<deck>.drafts.yaml``, in the deck format,
with ``drafts_for: <deck key>`` in its header. It is checked like any deck (every quote is grounded, ids
are unique across all decks) but never built; ``check`` lists each draft and ``check --strict`` fails while
any remains (rule ``draft-pending``). The author reviews a draft, rewords it, moves it into a section of the
deck (its id goes with it) or deletes it, and deletes the file when it is empty. A separate file rather
than a block inside the deck: ``draft`` never rewrites an input, and a deck never holds text no one has
reviewed.

What is proposed, per uncovered sentence (headings need no card):

- a sentence with numbers: one cloze note, the sentence itself (citation brackets removed) after its
  section's title, with a deletion on each number together with its unit or object ("15%", "6–20 million
  units", "3 times weekly", "963 patients", "2.6 months", "about 5%"); a number with neither gets the
  abbreviation just before it as the hint ("{{c3::0.78::HR}}");
- a sentence without numbers: a question/answer skeleton, its question and answer :data:`TO_WRITE` for the
  author (``check`` reports them as still to write).

Every draft has its quote (the sentence, citation brackets removed), its refs (the citation brackets) and an
id made of its section and the sentence's first key words. Nothing here reads or writes files: the CLI does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from rcc_cards import cloze, coverage, grounding
from rcc_cards.loader.spec import MAX_ID_LENGTH
from rcc_cards.model import TO_WRITE, Deck, Source

DRAFTS_SUFFIX = ".drafts.yaml"

_BRACKETS = re.compile(r"\[([^\[\]\n]{1,200})\]")  # citation brackets: [4,5,6], [Level of evidence: 1iiA]
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[A-Za-z]+\d*(?:-[A-Za-z]+)*|%|[–—-]|\S")
_QUALIFIERS = ("about", "approximately", "nearly", "almost", "over", "under", "roughly", "around")
_MULTIPLIERS = ("hundred", "thousand", "million", "billion")
_UNITS = frozenset([
    "units", "unit", "mg", "g", "kg", "µg", "mcg", "ml", "mL", "l", "L", "mmol", "IU", "cm", "mm", "m", "times",
    "time", "months", "month", "years", "year", "weeks", "week", "days", "day", "hours", "hour", "minutes",
    "minute", "patients", "patient", "trials", "trial", "studies", "study", "people", "persons", "men", "women",
    "children", "cycles", "cycle", "doses", "dose", "courses", "course", "sessions", "session", "points", "point",
    "fold"
])
_FREQUENCY = ("weekly", "daily", "monthly", "yearly", "hourly", "a", "per", "each", "every")
_FREQUENCY_NOUN = ("day", "week", "month", "year", "hour")
_STOP = frozenset([
    "the", "a", "an", "and", "or", "of", "in", "on", "for", "with", "to", "by", "at", "from", "as", "is", "are",
    "was", "were", "be", "been", "has", "have", "had", "this", "that", "these", "those", "it", "its", "their",
    "there", "which", "who", "whom", "whose", "than", "then", "also", "not", "no", "but", "into", "about",
    "approximately", "some", "more", "most", "less", "least", "very", "such", "other", "between", "after", "before",
    "during", "patients", "patient"
])


class Draft(NamedTuple):
    id: str
    text: str  # cloze text; "" for a question/answer skeleton
    quote: str
    refs: tuple[str, ...]
    source_key: str  # "" for the deck's first source
    deletions: int


class DraftSection(NamedTuple):
    key: str
    title: str
    drafts: tuple[Draft, ...]


class Proposal(NamedTuple):
    deck: Deck
    sections: tuple[DraftSection, ...]

    @property
    def drafts(self) -> list[Draft]:
        return [d for section in self.sections for d in section.drafts]


def propose(deck: Deck, taken_ids: Iterable[str]) -> Proposal:
    """Drafts for every sentence of ``deck``'s sources that no card quotes and no ``skip:`` excuses;
    ``taken_ids``: the card ids already in use (in every deck), which no draft id repeats."""
    taken = {i.casefold() for i in taken_ids}
    sections: dict[str, tuple[str, list[Draft]]] = {}
    for found in coverage.of_deck(deck):
        source_key = found.source.key if found.source is not deck.source else ""
        title = found.source.title
        for line in found.lines:
            if line.sentence.heading:
                title = line.sentence.raw
                continue
            if not line.uncovered:
                continue
            key = _slug(title, "_", 4) or deck.key
            draft = draft_for(line.sentence.raw, title, key, source_key, taken)
            taken.add(draft.id.casefold())
            sections.setdefault(key, (title, []))[1].append(draft)
    return Proposal(deck, tuple(DraftSection(k, t, tuple(d)) for k, (t, d) in sections.items()))


def draft_for(sentence: str, title: str, section_key: str, source_key: str, taken: set[str]) -> Draft:
    """The draft for one source sentence, in the section ``section_key`` titled ``title``."""
    refs = tuple(r.strip() for found in _BRACKETS.findall(sentence) for r in _split_refs(found))
    plain = " ".join(_BRACKETS.sub("", sentence).split())
    spans = quantity_spans(plain)
    text = ""
    if spans:
        parts, at = [f"{title}: "], 0
        for number, (start, end, hint) in enumerate(spans, 1):
            hint_part = f"::{hint}" if hint else ""
            parts += [plain[at:start], f"{{{{c{number}::{plain[start:end]}{hint_part}}}}}"]
            at = end
        parts.append(plain[at:])
        text = "".join(parts)
    return Draft(_unique_id(section_key, plain, taken), text, plain, refs, source_key, len(spans))


def _split_refs(bracket: str) -> list[str]:
    return bracket.split(",") if re.fullmatch(r"[\d,\s–-]+", bracket) else [bracket]


def quantity_spans(text: str) -> list[tuple[int, int, str]]:
    """Each number of ``text`` that is a quantity (not part of a name such as IL-2), widened to its unit or
    object and a qualifier just before it: (start, end, hint), in order; the hint is the abbreviation
    before a bare number ("HR"), or ""."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        if not word[0].isdigit() or _part_of_name(text, start, end):
            i += 1
            continue
        first = i
        i += 1
        end, i, has_unit = _widen_right(tokens, i, end)
        if i + 1 < len(tokens) and tokens[i][2] in ("–", "—", "-", "to") and tokens[i + 1][2][0].isdigit():
            end, i, has_unit = _widen_right(tokens, i + 2, tokens[i + 1][1])  # a range: 6–20, 10% to 20%
        if first > 0 and tokens[first - 1][2].casefold() in _QUALIFIERS:
            start = tokens[first - 1][0]
        hint = "" if has_unit else _abbreviation_before(tokens, first)
        spans.append((start, end, hint))
    return spans


def _part_of_name(text: str, start: int, end: int) -> bool:
    """Digits that belong to a name, as :func:`rcc_cards.grounding.quantities` decides: right after a
    letter or a letter and a hyphen (IL-2), or before a hyphen and a capital (5-FU)."""
    return not grounding.quantities(text[max(0, start - 2):end + 2])


def _widen_right(tokens: list[tuple[int, int, str]], i: int, end: int) -> tuple[int, int, bool]:
    """Take the unit or object after a number: '%', 'million units', '3 times weekly', '963 patients'."""
    def word(k: int) -> str:
        return tokens[k][2] if k < len(tokens) else ""

    if word(i) == "%":
        return tokens[i][1], i + 1, True
    if word(i) == "-" and word(i + 1) in _UNITS:  # 5-year, 3-week
        return tokens[i + 1][1], i + 2, True
    took = False
    if word(i).casefold() in _MULTIPLIERS:
        end, i, took = tokens[i][1], i + 1, True
    if word(i) in _UNITS or (word(i).isalpha() and word(i).islower() and word(i).endswith("s")
                             and len(word(i)) > 3 and word(i) not in _STOP):
        unit = word(i)
        end, i, took = tokens[i][1], i + 1, True
        if word(i) == "/" and word(i + 1).isalnum():  # mg/kg, mg/m2, units/day
            end, i = tokens[i + 1][1], i + 2
        if unit in ("times", "time") and word(i) in _FREQUENCY:
            end, i = tokens[i][1], i + 1
            if word(i - 1) in ("a", "per", "each", "every") and word(i) in _FREQUENCY_NOUN:
                end, i = tokens[i][1], i + 1
    return end, i, took


def _abbreviation_before(tokens: list[tuple[int, int, str]], i: int) -> str:
    """An abbreviation (HR, CI, OR) among the four words before token ``i``: what a bare number measures."""
    for k in range(i - 1, max(-1, i - 6), -1):
        word = tokens[k][2]
        if 2 <= len(word) <= 5 and word.isalpha() and word.isupper():
            return word
    return ""


def _slug(text: str, sep: str, words: int) -> str:
    parts = [w for w in re.split(r"[^a-z0-9]+", text.casefold()) if w][:words]
    return sep.join(parts)


def _unique_id(section_key: str, sentence: str, taken: set[str]) -> str:
    """The section key and the sentence's first three key words, made unique among ``taken``."""
    section_words = [w for w in section_key.split("_") if w not in _STOP][:2]
    words = [w for w in re.split(r"[^a-z0-9]+", sentence.casefold())
             if len(w) > 2 and w not in _STOP and w not in section_words][:3]
    section = "-".join(section_words)
    base = "-".join([section, *words])[: MAX_ID_LENGTH - 4].strip("-") or "draft"
    card_id, n = base, 1
    while card_id.casefold() in taken:
        n += 1
        card_id = f"{base}-{n}"
    return card_id


def drafts_key(deck: Deck) -> str:
    return f"{deck.key}_drafts"


def render(proposal: Proposal, deck_file_name: str, schema_line: str = "") -> str:
    """The drafts file's text (YAML in the deck format; every text value JSON-quoted, which YAML reads
    exactly as written)."""
    deck = proposal.deck
    out = [schema_line] if schema_line else []
    out += [
        f"# Drafts for deck '{deck.key}' ({deck_file_name}), proposed by 'rcc-cards draft' for the sentences of",
        "# its source that no card quotes yet. Nothing in this file is ever built. Review each card against its",
        f"# quote: reword it, move it into a section of {deck_file_name} (keep its id), or delete it; delete this",
        "# file when it is empty. 'rcc-cards check' lists what is left; 'check --strict' fails until it is gone.",
        f"# A question and answer reading {TO_WRITE!r} are yours to write.",
        "deck:",
        f"  key: {drafts_key(deck)}",
        f"  name: {_q(deck.name + '::Drafts')}",
        f"  drafts_for: {deck.key}",
    ]
    out += _sources(deck.sources)
    out.append("sections:")
    for section in proposal.sections:
        out += [f"  - key: {section.key}", f"    title: {_q(section.title)}", "    cards:"]
        for draft in section.drafts:
            out += _draft_lines(draft)
    return "\n".join(out) + "\n"


def _sources(sources: Sequence[Source]) -> list[str]:
    def fields(source: Source, indent: str) -> list[str]:
        lines = [f"{indent}title: {_q(source.title)}", f"{indent}file: {_q(source.file)}",
                 f"{indent}as_of: {_q(source.as_of)}"]
        lines += [f"{indent}url: {_q(source.url)}"] if source.url else []
        lines += [f"{indent}origin: {_q(source.origin)}"] if source.origin else []
        return lines

    if len(sources) == 1 and not sources[0].key:
        return ["  source:", *fields(sources[0], "    ")]
    out = ["  sources:"]
    for source in sources:
        out += [f"    - key: {source.key}", *fields(source, "      ")]
    return out


def _draft_lines(draft: Draft) -> list[str]:
    lines = [f"      - id: {draft.id}"]
    if draft.text:
        lines.append(f"        cloze: {_q(draft.text)}")
    else:
        lines += [f"        q: {_q(TO_WRITE)}", f"        a: {_q(TO_WRITE)}"]
    lines.append(f"        quote: {_q(draft.quote)}")
    if draft.refs:
        lines.append(f"        refs: [{', '.join(_q(r) for r in draft.refs)}]")
    if draft.source_key:
        lines.append(f"        source: {draft.source_key}")
    return lines


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def numbers_outside_deletions(draft: Draft) -> set[str]:
    """The quantities of a cloze draft that no deletion holds: none, for a draft that does its job."""
    if not draft.text:
        return grounding.quantities(draft.quote)
    outside = cloze.substitute(draft.text, lambda number, answer, hint: " ")
    return grounding.quantities(outside.split(": ", 1)[1] if ": " in outside else outside)
