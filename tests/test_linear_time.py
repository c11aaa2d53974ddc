"""No text makes rcc-cards slow: every reader and every text-taking rule runs in linear time.

Each target is fed texts of 25,000 and 100,000 characters built from its own delimiters (a long run of
spaces, unclosed brackets, repeated markers), and the two times are compared: four times the text may
take about four times as long, never sixteen (a quadratic pattern). A ratio, not an absolute time, so a
slow machine does not fail it; times too small to measure are not compared.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rcc_cards import cloze, drafts, grounding, kinds, project, rules
from rcc_cards.loader import blockyaml, decode, load_file, spec, yamltree
from rcc_cards.memo import NO_MEMO
from rcc_cards.model import Card, Deck, Kind

SMALL, LARGE = 25_000, 100_000
MAX_RATIO = 10.0  # linear: about 4; quadratic: about 16
MEASURABLE = 0.02  # seconds; below this for the large text, nothing to compare

SPACE_RUNS = [" ", "x" + " " * 500, "a and "]
BRACKETS = ["[", "[1,", "[1, 2", "[Level of evidence", ".[", "(", "{", "}"]
SENTENCES = [". ", "e.g. A ", "a. ", "A. b", "…", "...", "1.", "1,", "1-", "1–", "-", "IL-", "%", "1 "]
LAYOUTS = ["- a\n", "1. a\n", "| a |", "a\tb\n", "J. ", "A. b, ", "Table 1. ", "a:\n- b\n", ". [1] ", "\u3002",
           "U.S. ", "x" * 40 + ". A"]
CLOZE = ["{{", "}}", "{{c1::", "{{c1::a", "::", "{{c٣::"]
YAML = ["- ", ": ", "#", "\t", "'", '"', "a, ", "'a', ", "\\"]


def _seconds(target: Callable[[str], object], text: str) -> float:
    """The best of two runs, with the garbage collector paused: a text of 100,000 one-character sentences
    makes 100,000 objects, and the collector's passes over them grow faster than the text (measured: 5.5x
    for 4x the text with it on), which is the runtime's cost, not the algorithm's, and under a loaded
    machine pushed the ratio over the limit."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(2):
            start = time.perf_counter()
            target(text)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def _assert_linear(target: Callable[[str], object], pieces: list[str]) -> None:
    for piece in pieces:
        small = _seconds(target, piece * (SMALL // len(piece)))
        large = _seconds(target, piece * (LARGE // len(piece)))
        if large > MEASURABLE:
            assert large / max(small, 1e-4) < MAX_RATIO, (piece, small, large)


def _card_rules(text: str) -> None:
    card = Card("c", Kind.BASIC, ("s",), ("S",), front=text, back=text, extra=text, context=text, quote=text)
    source = grounding.SourceText("'s'", grounding.normalize(text), tuple(grounding.split_sentences(text)), {})
    spec_ = kinds.of(Kind.BASIC)
    for rule in rules.RULES:
        if rule.scope == "card" and rule.applies(spec_):
            rule.check_card(card, spec_, source)


def _cloze_rules(text: str) -> None:
    card = Card("c", Kind.CLOZE, ("s",), ("S",), text=f"{{{{c1::{text}}}}}", quote=text)
    spec_ = kinds.of(Kind.CLOZE)
    for rule in rules.RULES:
        if rule.scope == "card" and rule.applies(spec_):
            rule.check_card(card, spec_, grounding.NO_SOURCE)


TARGETS: dict[str, tuple[Callable[[str], object], list[str]]] = {
    "normalize": (grounding.normalize.__wrapped__, SPACE_RUNS + BRACKETS),
    "split_sentences": (grounding.split_sentences, SPACE_RUNS + BRACKETS + SENTENCES + LAYOUTS),
    "quantities": (grounding.quantities, SENTENCES),
    "quote in source": (lambda t: grounding.SourceText("", grounding.normalize(t), tuple(grounding.split_sentences(t)),
                                                       {}).sentences_of(t), SENTENCES + ["a … "]),
    "cloze.parse": (cloze.parse.__wrapped__, CLOZE + SPACE_RUNS),
    "draft": (lambda t: drafts.draft_for(t, "T", "t", "", set()), SPACE_RUNS + BRACKETS + SENTENCES),
    "decode": (lambda t: decode.decode("x", t.encode()), YAML + ["\x01", "\u2028", "\ufeff"]),
    "card rules (q/a)": (_card_rules, SPACE_RUNS + BRACKETS + SENTENCES),
    "card rules (cloze)": (_cloze_rules, SPACE_RUNS + BRACKETS + CLOZE),
    "fast reader, flow list": (lambda t: blockyaml.parse(f"a:\n  - id: c\n    tags: [{t}\n"), SPACE_RUNS + YAML),
    "libyaml reader": (lambda t: yamltree.parse("x", f"a:\n  - id: c\n    q: {t}\n"), SPACE_RUNS + YAML),
    "card count": (spec.too_many_cards, ["id: ", "- id: x\n"]),
}


@pytest.mark.parametrize("name", list(TARGETS))
def test_linear_time(name: str) -> None:
    target, pieces = TARGETS[name]
    _assert_linear(target, pieces)


@pytest.mark.parametrize("field", ["q/a", "cloze", "source"])
def test_a_whole_deck_with_one_long_card_is_checked_in_linear_time(tmp_path: Path, field: str) -> None:
    """The full path: the file read, parsed, every rule run, with the text in a card (or the source)."""
    def check(text: str) -> None:
        quoted = json.dumps(text, ensure_ascii=False)
        card = {"q/a": f"q: {quoted}\n        a: {quoted}\n        quote: {quoted}\n",
                "cloze": f"cloze: {quoted}\n        quote: {quoted}\n",
                "source": "q: Alpha?\n        a: Alpha\n        quote: Alpha.\n"}[field]
        (tmp_path / "source.txt").write_text(text if field == "source" else "Alpha.\n", encoding="utf-8")
        (tmp_path / "t.yaml").write_text("deck:\n  key: t\n  name: T\n  source:\n    title: t\n    file: source.txt\n"
                                         "    as_of: '1'\nsections:\n  - key: s\n    title: S\n    cards:\n"
                                         f"      - id: c\n        {card}", encoding="utf-8")
        project.load([tmp_path / "t.yaml"])

    _assert_linear(check, SPACE_RUNS + BRACKETS + SENTENCES[:6] + CLOZE[:3])


def _cards_on_sentences(folder: Path, cards: int, per_sentence: int) -> Deck:
    """A deck of ``cards`` cards, ``per_sentence`` of them on each sentence of its source: every answer a
    phrase whose first two words each front has (an index by first words finds them all as candidates), a
    tenth of the answers quantities, some fronts with a quantity."""
    sentences = [f"In study {i} the high dose gave a rate of {i}.{i % 7} in patients."
                 for i in range(cards // per_sentence)]
    lines = ["deck:", "  key: t", "  name: T", "  source:", "    title: t", "    file: source.txt", "    as_of: '1'",
             "sections:", "  - key: s", "    title: S", "    cards:"]
    for i in range(cards):
        at = i % len(sentences)
        answer = f"{at}.{at % 7} and {i}" if i % 10 == 0 else f"high dose arm {i} of study {at}"
        lines += [f"      - id: c{i}", f"        q: With the high dose, what did study {at} give in card {i}?",
                  f"        a: {answer}", f"        quote: \"{sentences[at]}\""]
    folder.mkdir()
    (folder / "source.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    (folder / "t.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    deck, problems = load_file(folder / "t.yaml")
    assert deck is not None and not problems, problems
    return deck


@pytest.mark.parametrize("rule", [rule for rule in rules.RULES if rule.scope != "card"], ids=lambda rule: rule.id)
def test_each_rule_across_cards_takes_time_in_proportion_to_the_cards(tmp_path: Path, rule: rules.Rule) -> None:
    """Four times the cards, and four times as many on each sentence: about four times as long, never
    sixteen (every pair of a sentence's cards compared: front-gives-away before its index took 14 times as
    long)."""
    small = _cards_on_sentences(tmp_path / "small", 1_200, 12)
    large = _cards_on_sentences(tmp_path / "large", 4_800, 48)

    def seconds(deck: Deck) -> float:
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            rule.check_decks([deck], NO_MEMO)
            best = min(best, time.perf_counter() - start)
        return best
    small_time, large_time = seconds(small), seconds(large)
    if large_time > MEASURABLE:
        assert large_time / max(small_time, 1e-4) < MAX_RATIO, (small_time, large_time)
