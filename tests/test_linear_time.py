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
from rcc_cards.loader import blockyaml, decode, spec, yamltree
from rcc_cards.model import Card, Kind

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
