"""The rules of an educator's review (issue 23): each with its failing and passing example, as `check --strict`
reports them; each firing on the review's own examples in the deck it reviewed (tests/previous_deck) and on
no card the review keeps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import NO_COVERAGE, REPO, run, write_deck
from rcc_cards import grounding, kinds
from rcc_cards.model import Card, Kind
from rcc_cards.rules import recall

SOURCE = (
    "# A test source.\n"
    "The interferon-alpha doses used in studies reporting good response rates have been in an intermediate "
    "range (6–20 million units 3 times weekly). "
    "High-dose therapy appears to be associated with higher response rates but with more toxic effects. "
    "Even patients with brain metastases had similar results. "
    "High-dose IL-2 produces a similar overall response rate to interferon-alpha. "
    "The optimum dose of IL-2 is unknown. "
    "Outpatient subcutaneous administration has also demonstrated responses with acceptable toxic effects but, "
    "again, with unclear survival or quality of life benefit.\n"
)
DOSE = ("The interferon-alpha doses used in studies reporting good response rates have been in an intermediate "
        "range (6–20 million units 3 times weekly).")
HD = "High-dose therapy appears to be associated with higher response rates but with more toxic effects."
OUT = ("Outpatient subcutaneous administration has also demonstrated responses with acceptable toxic effects but, "
       "again, with unclear survival or quality of life benefit.")


def _check(tmp_path: Path, cards: str) -> tuple[int, list[str]]:
    deck = write_deck(tmp_path, cards, deck_lines=NO_COVERAGE)
    (tmp_path / "source.txt").write_text(SOURCE, encoding="utf-8")
    result = run(["check", "--strict", deck.name], cwd=tmp_path)
    return result.exit_code, result.stderr.splitlines() + result.stdout.splitlines()


def _rules(lines: list[str]) -> list[str]:
    return [line.rsplit("[", 1)[1].rstrip("]") for line in lines if line.endswith("]")]


@pytest.mark.parametrize("rule,failing,passing", [
    ("article-gives-away",
     f'cloze: "Interferon-alpha doses have been in an {{{{c1::intermediate}}}} range."\n        quote: {DOSE}',
     f'cloze: "Interferon-alpha doses have been in the {{{{c1::intermediate}}}} range."\n        quote: {DOSE}'),
    ("comparator-missing",
     f'cloze: "High-dose IL-2 appears to be associated with {{{{c1::higher response rates}}}}."\n'
     f"        quote: {HD}",
     f'cloze: "Compared with lower doses, high-dose IL-2 appears to be associated with {{{{c1::higher response '
     f'rates}}}}."\n        quote: {HD}'),
    ("comparator-missing",
     "q: How did patients with brain metastases fare?\n        a: Even they had similar results\n"
     "        quote: Even patients with brain metastases had similar results.",
     "q: How does the overall response rate of high-dose IL-2 compare with that of interferon-alpha?\n"
     "        a: Similar\n        quote: High-dose IL-2 produces a similar overall response rate to interferon-alpha."),
    ("comparator-missing",  # a similarity word, with its other side after it
     'cloze: "High-dose IL-2 produces {{c1::a similar overall response rate}}."\n'
     "        quote: High-dose IL-2 produces a similar overall response rate to interferon-alpha.",
     'cloze: "High-dose IL-2 produces a {{c1::similar overall response rate}} to interferon-alpha."\n'
     "        quote: High-dose IL-2 produces a similar overall response rate to interferon-alpha."),
    ("leading-front",
     "q: What is known of the survival or quality of life benefit of outpatient subcutaneous IL-2?\n"
     f"        a: It is unclear\n        quote: {OUT}",
     'cloze: "Outpatient {{c1::subcutaneous}} IL-2 has demonstrated responses, but with {{c2::unclear survival '
     'or quality of life benefit}}."\n        quote: ' + OUT),
    ("leading-front",
     "q: What is the optimum dose of IL-2?\n        a: Unknown\n        quote: The optimum dose of IL-2 is unknown.",
     'cloze: "The optimum dose of IL-2 is {{c1::unknown}}."\n        quote: The optimum dose of IL-2 is unknown.'),
])
def test_each_rule_fails_its_failing_example_and_passes_its_passing_one(tmp_path: Path, rule: str, failing: str,
                                                                       passing: str) -> None:
    code, lines = _check(tmp_path / "fail", f"      - id: c1\n        {failing}\n")
    assert code == 1 and rule in _rules(lines), lines
    code, lines = _check(tmp_path / "pass", f"      - id: c1\n        {passing}\n")
    assert (code, _rules(lines)) == (0, []), lines


NEGATIVE = [("neg-1", "What has IL-2 never been shown to do in a randomized trial?", "Prolong survival"),
            ("pos-1", "Which regimen has acceptable toxic effects?", "Outpatient subcutaneous IL-2"),
            ("neg-2", "What is the benefit of outpatient IL-2 on survival?", "It has no clear benefit"),
            ("neg-3", "How have combinations compared with IL-2 alone?", "They have not been better")]


def _qa_cards(cards: list[tuple[str, str, str]]) -> str:
    return "".join(f"      - id: {i}\n        q: {q}\n        a: {a}\n        unsourced: written for the test\n"
                   for i, q, a in cards)


def test_negative_run_fires_on_three_negatives_among_four_notes_at_their_section(tmp_path: Path) -> None:
    code, lines = _check(tmp_path / "fail", _qa_cards(NEGATIVE))
    assert code == 1 and _rules(lines) == ["negative-run"], lines
    assert lines[0].startswith("t.yaml:10:5: warning: section 's': 3 notes close together are answered by a negative "
                               "('neg-1', 'neg-2', 'neg-3');")
    two_positives = [*NEGATIVE[:2], ("pos-2", "Which route does outpatient IL-2 use?", "Subcutaneous"), *NEGATIVE[2:]]
    code, lines = _check(tmp_path / "pass", _qa_cards(two_positives))
    assert (code, _rules(lines)) == (0, []), lines


@pytest.mark.parametrize("answer,front,flagged", [
    ("Similar results", "How did patients with brain metastases fare?", True),
    ("Less than 5%", "What share of patients had durable complete remissions?", False),  # its own comparator
    ("More toxic effects", "What did the higher dose add?", False),  # the front's own comparison frames it
    ("Higher response rates", "High-dose IL-2 versus lower doses: what response rates?", False),
    ("Longer survival", "What did a placebo-controlled trial show?", False),
])
def test_comparator_missing_looks_for_the_other_side_on_the_front_or_in_the_answer(answer: str, front: str,
                                                                                   flagged: bool) -> None:
    card = Card("c", Kind.BASIC, ("s",), ("S",), front=front, back=answer)
    hits = recall.comparator_missing.check_card(card, kinds.of(Kind.BASIC), grounding.NO_SOURCE)
    assert bool(hits) is flagged


def test_a_cloze_note_is_negative_only_when_every_deletion_is() -> None:
    mixed = Card("c", Kind.CLOZE, (), (), text="{{c1::subcutaneous}} IL-2, with {{c2::unclear benefit}}")
    negative = Card("c", Kind.CLOZE, (), (), text="IL-2 was {{c1::never}} shown to do it; benefit {{c2::unclear}}")
    assert (recall.is_negative(mixed), recall.is_negative(negative)) == (False, True)
    for word in ("Unproven", "Undetermined", "Uncertain"):
        assert recall.is_negative(Card("c", Kind.BASIC, (), (), front="Its benefit?", back=word)), word


def test_an_unfinished_source_header_fails_strict_until_completed(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_text("Widgets spin. They spin fast.\n", encoding="utf-8")
    result = run(["new", "widget", "--source", "w.txt", "--as-of", "2024"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    deck = next((tmp_path / "decks").glob("*.yaml"))
    source = next((tmp_path / "decks" / "sources").glob("*.txt"))
    result = run(["check", "--strict", str(deck.relative_to(tmp_path))], cwd=tmp_path)
    found = [line for line in result.stderr.splitlines() if line.endswith("[source-header-incomplete]")]
    assert result.exit_code == 1 and len(found) == 1, result.stderr
    assert f"source 'sources/{source.name}': its header still says 'TO COMPLETE' (lines 2, 4)" in found[0]
    source.write_text(source.read_text(encoding="utf-8").replace("TO COMPLETE", "Written for the tests"),
                      encoding="utf-8")
    result = run(["check", "--strict", str(deck.relative_to(tmp_path))], cwd=tmp_path)
    assert "[source-header-incomplete]" not in result.stderr
    header = "# Its banner reads STEPS TO COMPLETE BEFORE SURGERY.\n"  # the words, not the marker
    source.write_text(header + source.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(["check", "--strict", str(deck.relative_to(tmp_path))], cwd=tmp_path)
    assert "[source-header-incomplete]" not in result.stderr


# The review of the deck at 701c426 (docs/reviews/rcc-deck-review.md): the cards it names for each finding,
# and the cards it keeps.
REVIEW_FINDINGS = {
    ("ifn-dose-range", "article-gives-away"),  # "in an [...] range" gives 'intermediate' away
    ("surg-brain-mets", "comparator-missing"),  # comparators only on the back
    ("il2-hd-response-vs-toxicity", "comparator-missing"),
    ("il2-ld-activity", "comparator-missing"),
    ("il2-optimum-dose-unknown", "leading-front"),  # "still invites a number and is a trick question"
    ("il2-outpatient-benefit-unclear", "leading-front"),  # "What is known of the benefit?" -> "It is unclear"
}
REVIEW_KEEPS = ["surg-limited-mets-outcome", "surg-disease-free-interval", "ifn-modest-survival-impact",
                "ifn-objective-response-rate", "ifn-cochrane-survival-gain", "il2-hd-response-rate-vs-ifn",
                "il2-ld-not-superior", "combo-il2-ifn-not-better"]
NEW_RULES = {"article-gives-away", "comparator-missing", "leading-front", "negative-run", "source-header-incomplete"}


def _reported(deck: Path) -> list[tuple[str, str]]:
    result = run(["check", "--strict", deck.name], cwd=deck.parent)
    out = []
    for line in result.stderr.splitlines():
        if line.endswith("]") and "card '" in line:
            out.append((line.split("card '", 1)[1].split("'", 1)[0], line.rsplit("[", 1)[1].rstrip("]")))
        elif line.endswith("]") and "section '" in line:
            out.append((line.split("section '", 1)[1].split("'", 1)[0], line.rsplit("[", 1)[1].rstrip("]")))
    return out


def test_the_rules_find_the_reviews_examples_in_the_deck_it_reviewed_and_spare_the_cards_it_keeps(
        tmp_path: Path) -> None:
    copy = tmp_path / "previous"
    shutil.copytree(REPO / "tests" / "previous_deck", copy)
    reported = _reported(copy / "rcc.yaml")
    assert set(reported) >= REVIEW_FINDINGS
    # the review's five negative answers: three of them within four notes, at the section that holds them
    assert ("cytokine_therapy", "negative-run") in reported
    assert not [(card, rule) for card, rule in reported if card in REVIEW_KEEPS and rule in NEW_RULES]


TUNING = sorted((REPO / "tests" / "tuning_decks").glob("*.yaml"))  # written from tests/sources passages


@pytest.mark.parametrize("deck", [*sorted((REPO / "decks").glob("*.yaml")),
                                  REPO / "tests" / "second_deck" / "examplumab.yaml", *TUNING], ids=lambda p: p.name)
def test_the_new_rules_pass_every_shipped_deck_the_second_deck_and_the_tuning_decks(tmp_path: Path,
                                                                                    deck: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(deck.parent, copy)
    assert [found for found in _reported(copy / deck.name) if found[1] in NEW_RULES] == []
    result = run(["check", "--strict", deck.name], cwd=copy)
    assert result.exit_code == 0, result.stderr
