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
from pathlib import Path
from typing import NamedTuple

from rcc_cards import cloze, coverage, grounding, places, project, writer
from rcc_cards.errors import Problem, ProblemsFound, RccCardsError, shown
from rcc_cards.loader.spec import MAX_ID_LENGTH
from rcc_cards.memo import NO_MEMO, Memo
from rcc_cards.model import TO_WRITE, Card, Deck, Kind, Source
from rcc_cards.rules import fronts

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
# Numbers that label rather than state a fact (docs/commands.md, 'draft'): never a deletion, never counted as a
# number the draft left out. Each pattern's group holds the label's numbers.
_LABELS = re.compile("|".join([
    r"^\s*\(?(\d{1,2})[.)](?=\s)",  # a list marker: "1. Surgery", "2) Radiation"
    r"(?:^|(?<=\s))\((\d{1,2})\)(?=\s+[A-Za-z])",  # an enumeration inside a sentence: "(1) surgery"
    r"\b(?:fig(?:ure)?s?\.?|tables?|appendix|appendices|sections?|chapters?|panels?|boxe?s?|eq(?:uation)?s?\.?"
    r"|refs?\.?|references?|steps?|items?)\s+(S?\d+[A-Za-z]?(?:\s*(?:[-–]|and)\s*S?\d+[A-Za-z]?"
    r"|,\s*S?\d+[A-Za-z]?(?=\s*(?:[,;.)\]]|and\b|$)))*)",  # "Tables 2, 3 and 4", not "Table 3, 40 patients"
    r"\b[Pp](?:[- ]values?)?\s*(?:[=<>≤≥]|of|was|were)\s*(?:[<>]\s*)?((?:\d+)?\.\d+(?:\s*[x×]\s*10\s*[-−–]\s*\d+)?"
    r"|[01](?![\d.]))",  # a p-value: "P = .03", "p < 0.001"
    r"\b(?:phases?|stages?|grades?|types?|class(?:es)?)\s+(\d+[a-c]?(?:\s*(?:/|-|–|and|or|to)\s*\d+[a-c]?)*)\b",
]), re.IGNORECASE)
_LABEL_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def label_numbers(text: str) -> list[tuple[int, int]]:
    """Where the numbers of ``text`` that label are (list markers, figure and table references, p-values,
    phase and grade numerals): (start, end) of each."""
    found = []
    for match in _LABELS.finditer(text):
        group = next(g for g in range(1, (match.lastindex or 0) + 1) if match.group(g) is not None)
        start = match.start(group)
        found += [(start + m.start(), start + m.end()) for m in _LABEL_DIGITS.finditer(match.group(group))]
    return found


def fact_quantities(text: str) -> set[str]:
    """The quantities of ``text`` (:func:`rcc_cards.grounding.quantities`) but its labels."""
    chars = list(text)
    for start, end in label_numbers(text):
        chars[start:end] = " " * (end - start)
    return grounding.quantities("".join(chars))


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


def propose(deck: Deck, taken_ids: Iterable[str], taken_fronts: Iterable[str] = (), memo: Memo = NO_MEMO) -> Proposal:
    """Drafts for every sentence of ``deck``'s sources that no card quotes and no ``skip:`` excuses;
    ``taken_ids``: the card ids already in use (in every deck), which no draft id repeats; ``taken_fronts``:
    the fronts cards already show (:func:`fronts_of`), which a cloze draft does not repeat if it can help it."""
    taken = {i.casefold() for i in taken_ids}
    shown = set(taken_fronts)
    sections: dict[str, tuple[str, list[Draft]]] = {}
    for found in coverage.of_deck(deck, memo):
        source_key = found.source.key if found.source is not deck.source else ""
        title = found.source.title
        for line in found.lines:
            if line.sentence.heading:
                title = line.sentence.raw
                continue
            if not line.uncovered:
                continue
            key = _slug(title, "_", 4) or deck.key
            draft = _own_front(draft_for(line.sentence.raw, title, key, source_key, taken), title, deck.name, shown)
            taken.add(draft.id.casefold())
            sections.setdefault(key, (title, []))[1].append(draft)
    return Proposal(deck, tuple(DraftSection(k, t, tuple(d)) for k, (t, d) in sections.items()))


def fronts_of(decks: Iterable[Deck]) -> set[str]:
    """What the cards of ``decks`` show on their fronts (as rule duplicate-front compares them)."""
    return {front for deck in decks for card in deck.cards() if not (card.to_write and deck.drafts_for)
            for front in fronts.fronts(card)}


def _own_front(draft: Draft, title: str, deck_name: str, shown: set[str]) -> Draft:
    """A cloze draft whose front another card already shows (the same sentence under the same title in
    another deck) is told apart by the deck's name after the title; ``shown`` gets the draft's fronts."""
    def fronts_for(text: str) -> list[str]:
        return fronts.fronts(Card(draft.id, Kind.CLOZE, (), (), text=text))

    if draft.text and shown.intersection(fronts_for(draft.text)):
        draft = draft._replace(text=f"{title} ({deck_name}): {draft.text[len(title) + 2:]}")
    shown.update(fronts_for(draft.text) if draft.text else ())
    return draft


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
    labels = {start for start, _ in label_numbers(text)}
    spans: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        if not word[0].isdigit() or start in labels or _part_of_name(text, start, end):
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


# Abbreviations of what a bare number measures: only these are a hint, never another acronym near the
# number (the disease's, a drug's, a trial's name).
_MEASURES = frozenset([
    "HR", "OR", "RR", "CI", "ORR", "CR", "PR", "OS", "PFS", "DFS", "EFS", "RFS", "MFS", "TTP", "TTF", "DCR", "CBR",
    "IQR", "SD", "SE", "SEM", "NNT", "NNH", "AUC", "ARR", "RRR", "BMI", "KPS", "ECOG", "PSA", "LDH", "GFR", "QOL",
])


def _abbreviation_before(tokens: list[tuple[int, int, str]], i: int) -> str:
    """A measure's abbreviation (HR, CI, OR) among the four words before token ``i``, with no other number
    or clause break between: what a bare number measures."""
    for k in range(i - 1, max(-1, i - 6), -1):
        word = tokens[k][2]
        if word[0].isdigit() or word in (";", "."):
            return ""
        if word in _MEASURES:
            return word
    return ""


def _slug(text: str, sep: str, words: int) -> str:
    parts = [w for w in re.split(r"[^a-z0-9]+", text.casefold()) if w][:words]
    return sep.join(parts)


def _unique_id(section_key: str, sentence: str, taken: set[str]) -> str:
    """The section key and the sentence's first three key words, made unique among ``taken``."""
    section_words = [w for w in section_key.split("_") if w not in _STOP][:2]
    words = [w for w in map(_id_word, _ID_WORD.findall(sentence.casefold()))
             if len(w) > 2 and w not in _STOP and w not in section_words][:3]
    section = "-".join(section_words)
    base = "-".join([section, *words])[: MAX_ID_LENGTH - 4].strip("-") or "draft"
    card_id, n = base, 1
    while card_id.casefold() in taken:
        n += 1
        card_id = f"{base}-{n}"
    return card_id


_ID_WORD = re.compile(r"\d+(?:[.,]\d+)+|[a-z0-9]+")  # a number is one word, with its separators


def _id_word(word: str) -> str:
    """A word as part of an id: a number whole ("1,500" -> "1500", "2.6"), never a piece of it; "" for a
    number written with a comma that is not a thousands separator ("1,5")."""
    if "," not in word:
        return word
    return word.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", word) else ""


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
        return fact_quantities(draft.quote)
    outside = cloze.substitute(draft.text, lambda number, answer, hint: " ")
    return fact_quantities(outside.split(": ", 1)[1] if ": " in outside else outside)


class DraftsFileGiven(RccCardsError):
    """``draft`` was given a drafts file instead of the deck it is for (a usage error)."""


class DraftsWritten(NamedTuple):
    """What ``draft`` wrote: the drafts file (``None`` when every sentence is covered), and its counts."""

    deck_key: str
    path: Path | None
    drafts: int = 0
    clozes: int = 0
    deletions: int = 0


def write_drafts(deck_file: Path) -> DraftsWritten:
    """Propose cards for the sentences of the deck's source that no card covers, into a new drafts file
    beside it (never overwriting one). Ids are unique across every deck built with it: the whole top
    decks folder is loaded. Raises :class:`ProblemsFound` when the deck does not load."""
    loaded = project.load([places.top_decks_folder(deck_file.parent)])
    target = deck_file.resolve()
    own = [p for p in loaded.problems if p.is_error and Path(p.path).resolve() == target]
    deck = next((d for d in loaded.decks if d.file.resolve() == target), None)
    if own or deck is None:
        raise ProblemsFound(own or [Problem(str(deck_file), 1, 1, "this deck did not load; run 'rcc-cards check' "
                                                                  "on it and fix what it reports first")])
    if deck.drafts_for:
        raise DraftsFileGiven(f"{shown(deck_file)} is a drafts file; name the deck it is for ('{deck.drafts_for}')")
    proposal = propose(deck, (c.id for d in loaded.decks for c in d.cards()), fronts_of(loaded.decks), loaded.memo)
    if not proposal.drafts:
        return DraftsWritten(deck.key, None)
    out = deck_file.with_name(deck_file.name.rsplit(".", 1)[0] + DRAFTS_SUFFIX)
    first = deck_file.read_text(encoding="utf-8").split("\n", 1)[0]
    schema_line = first if first.startswith("# yaml-language-server:") else ""
    writer.write_new(out, render(proposal, deck_file.name, schema_line).encode("utf-8"))
    clozes = [d for d in proposal.drafts if d.text]
    return DraftsWritten(deck.key, out, len(proposal.drafts), len(clozes), sum(d.deletions for d in clozes))
