"""Synthetic decks in rcc-cards' format, for benchmarks: N medical-style cards (questions of ~100
characters, answers of ~40, extras of ~150), 2-4 hierarchical tags each, a quarter of them clozes, every
card quoting a sentence of a generated source text.

    python benchmarks/generate.py 10000 /tmp/bench/deck-10k.yaml
    python benchmarks/generate.py 10000 /tmp/bench/deck-10k.yaml --legacy   # the deck of record before issue 24

As real decks are (issue 24): a sentence carries at most a few dozen cards (CARDS_PER_SENTENCE: the
source has N / 24 sentences, at least 300, or N when fewer), every sentence is quoted, and answers use
words of their own, so the deck checks without a warning. ``--legacy`` writes the decks of issues 6-23:
300 sentences whatever N (333 cards each at 100,000 cards), answers of the questions' words (a few
answer-in-question warnings per 1,000 cards).

Deterministic: the same N (and flag) gives the same bytes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

DRUGS = ["interferon-alpha", "interleukin-2", "sunitinib", "pazopanib", "nivolumab", "everolimus"]
TOPICS = ["dosing", "survival", "toxicity", "response_rate", "patient_selection", "evidence", "imaging"]
WORDS = [
    "renal", "cell", "carcinoma", "metastatic", "nephrectomy", "resection", "cohort", "randomized", "trial",
    "response", "remission", "toxicity", "hypotension", "performance", "status", "pulmonary", "soft", "tissue",
    "lesion", "interval", "median", "outcome", "regimen", "inpatient", "outpatient", "subcutaneous", "hazard",
    "ratio", "confidence", "weighted", "analysis",
]
# Answers' own words (a realistic deck's answers are not its questions' words again).
ANSWER_WORDS = [
    "stable", "disease", "partial", "complete", "durable", "modest", "benefit", "fatigue", "fever", "rash",
    "diarrhea", "nausea", "anemia", "months", "weeks", "years", "improved", "unchanged", "limited", "selected",
    "favorable", "intermediate", "poor", "risk", "group", "sarcomatoid", "clear", "papillary", "histology",
]
SENTENCES = 300  # the legacy generator's, whatever the deck's size
CARDS_PER_SENTENCE = 24  # at most, in a realistic deck (a few dozen)


def _phrase(rng: random.Random, length: int, words: list[str] = WORDS) -> str:
    out: list[str] = []
    while len(" ".join(out)) < length:
        out.append(rng.choice(words))
    return " ".join(out)


def sentence_count(n: int, legacy: bool = False) -> int:
    """How many sentences the source of an N-card deck has."""
    return SENTENCES if legacy else max(min(SENTENCES, n), -(-n // CARDS_PER_SENTENCE))


def source_text(rng: random.Random, count: int = SENTENCES) -> list[str]:
    return [f"In study {i} the {_phrase(rng, 60)} was reported in {i % 97 + 3} patients."
            for i in range(count)]


def deck_yaml(n: int, source_name: str, sentences: list[str], rng: random.Random, legacy: bool = False) -> str:
    lines = ["deck:", "  key: bench", "  name: Benchmark::Synthetic", "  description: Synthetic benchmark cards.",
             "  source:", "    title: Synthetic source", f"    file: {source_name}", "    as_of: '2026'",
             "sections:"]
    per_leaf = max(1, n // 100)
    card = 0
    for top in range(10):
        lines += [f"  - key: area_{top}", f"    title: Area {top}", "    sections:"]
        for sub in range(10):
            lines += [f"      - key: topic_{top}_{sub}", f"        title: Topic {top}.{sub}", "        cards:"]
            count = per_leaf if (top, sub) != (9, 9) else n - card
            for _ in range(count):
                lines += _card(card, rng, sentences, legacy)
                card += 1
    return "\n".join(lines) + "\n"


def _card(i: int, rng: random.Random, sentences: list[str], legacy: bool) -> list[str]:
    pad = "          "
    drug = rng.choice(DRUGS)
    quote = sentences[i % len(sentences)]
    tags = ", ".join(f"topic::{t}" for t in rng.sample(TOPICS, rng.randint(1, 3)))
    out = [f"        - id: card-{i:06d}"]
    if i % 4 == 3:
        answer = quote.split(" was reported")[0].split("the ", 1)[1]
        out.append(f"{pad}cloze: \"Renal cell cancer, {drug}: in study {i % len(sentences)} the {{{{c1::{answer}}}}} "
                   f"was reported (card {i}).\"")
    else:
        out.append(f"{pad}q: \"Renal cell cancer, {drug}: in study {i % len(sentences)}, what was the "
                   f"{_phrase(rng, 40)} finding? (card {i})\"")
        out.append(f"{pad}a: {_phrase(rng, 40, WORDS if legacy else ANSWER_WORDS)}")
    out += [f"{pad}extra: {_phrase(rng, 150)}", f"{pad}quote: \"{quote}\"", f"{pad}tags: [{tags}]"]
    return out


def generate(n: int, target: Path, legacy: bool = False) -> Path:
    """Write an N-card deck (and its source text) to ``target``; returns the deck path."""
    rng = random.Random(n)
    sentences = source_text(rng, sentence_count(n, legacy))
    target.parent.mkdir(parents=True, exist_ok=True)
    source = target.with_suffix(".source.txt")
    source.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    target.write_text(deck_yaml(n, source.name, sentences, rng, legacy), encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cards", type=int, help="how many cards")
    parser.add_argument("target", type=Path, help="the deck file to write (its source text goes beside it)")
    parser.add_argument("--legacy", action="store_true", help="the generator of issues 6-23 (300 sentences)")
    args = parser.parse_args()
    print(generate(args.cards, args.target, args.legacy))


if __name__ == "__main__":
    main()
