"""Sentences of a source, and which cards cover them: the splitter on hard cases and on the shipped
source, the `coverage` command, `skip:` with reasons, and `check --strict`."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, run, write_deck
from rcc_cards import grounding


def _texts(raw: str) -> list[str]:
    return [s.text for s in grounding.split_sentences(raw)]


@pytest.mark.parametrize("raw,sentences", [
    ("Doses were high, e.g. 20 units. Then lower.", ["Doses were high, e.g. 20 units.", "Then lower."]),
    ("It gained 2.6 months. It was modest.", ["It gained 2.6 months.", "It was modest."]),
    ("A HR of 0.78 (CI, 0.67–0.90) was found. Next.", ["A HR of 0.78 (CI, 0.67-0.90) was found.", "Next."]),
    ("Prolonged survival.[4,5,6] Even brain metastases.[10] End.",
     ["Prolonged survival.", "Even brain metastases.", "End."]),
    ("It was 2.6 months.[11][Level of evidence: 1iiA] High-dose IL-2 next.",
     ["It was 2.6 months.[Level of evidence: 1iiA]", "High-dose IL-2 next."]),
    ("Low doses (about 5%) helped. (A remark in brackets.) Then more.",
     ["Low doses (about 5%) helped.", "(A remark in brackets.)", "Then more."]),
    ("A sentence split\nover two lines. And another.", ["A sentence split over two lines.", "And another."]),
    ("Smith et al. reported it. Dr. Jones agreed.", ["Smith et al. reported it.", "Dr. Jones agreed."]),
    ("First paragraph without end\n\nSecond paragraph. Two.",
     ["First paragraph without end", "Second paragraph.", "Two."]),
])
def test_the_splitter_on_hard_cases(raw: str, sentences: list[str]) -> None:
    assert _texts(raw) == sentences


def test_headings_and_lines_and_the_header_of_a_source_file() -> None:
    raw = "# Header line\n# more header\n\nOne. Two.\n\nA Heading\n\nThree\nfour.\n"
    found = grounding.split_sentences(raw)
    assert [(s.text, s.line, s.heading) for s in found] == [
        ("One.", 4, False), ("Two.", 4, False), ("A Heading", 6, True), ("Three four.", 8, False)]


def test_the_splitter_on_the_shipped_source() -> None:
    raw = (REPO / "decks" / "sources" / "rcc_stage_iv.txt").read_text(encoding="utf-8")
    found = grounding.split_sentences(raw)
    assert len(found) == 17 and [s.text for s in found if s.heading] == ["Cytokine Therapy"]
    assert found[0].text.startswith("Selected patients with solitary") and found[0].line == 7
    cochrane = next(s for s in found if s.text.startswith("A Cochrane analysis"))
    # numeric citations are removed; the level of evidence stays with its sentence
    assert cochrane.text.endswith("improvement in survival of 2.6 months.[Level of evidence: 1iiA]")
    assert found[-1].text == ("Combinations of IL-2 and interferon-alpha have been studied, but outcomes have not "
                              "been better with high-dose or low-dose IL-2 alone.")


SOURCE = "# A test source.\nQuestion one has answer one.\n\nSecond paragraph, its first sentence. And a last one.\n"
CARD = "      - id: c1\n        q: Question one?\n        a: Answer one\n        quote: Question one has answer one.\n"


def _deck(folder: Path, skip: str = "") -> Path:
    deck = write_deck(folder, CARD)
    (folder / "source.txt").write_text(SOURCE, encoding="utf-8")
    if skip:
        text = deck.read_text(encoding="utf-8").replace('    as_of: "2024"\n', f'    as_of: "2024"\n{skip}')
        deck.write_text(text, encoding="utf-8")
    return deck


def test_coverage_lists_every_sentence_and_fails_on_uncovered_ones(tmp_path: Path) -> None:
    _deck(tmp_path)
    result = run(["coverage", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout == (
        "t: source.txt (Test source)\n"
        "     2  covered    Question one has answer one.\n"
        "                 c1\n"
        "     4  UNCOVERED  Second paragraph, its first sentence.\n"
        "     4  UNCOVERED  And a last one.\n"
        "t: 1 of 3 sentences covered, 0 excused\n")
    assert result.stderr == ("rcc-cards: 2 sentences neither covered nor excused (add a card that quotes each, "
                             "or excuse it under 'source: skip:')\n")


def test_check_strict_warns_about_each_uncovered_sentence(tmp_path: Path) -> None:
    _deck(tmp_path)
    result = run(["check", "--strict", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "source.txt:4:1: warning: no card quotes the sentence 'And a last one.' (deck 't'); add a card that quotes "
        "it, or excuse it under the deck's 'source: skip:' with the reason [sentence-uncovered]",
        "source.txt:4:1: warning: no card quotes the sentence 'Second paragraph, its first sentence.' (deck 't'); "
        "add a card that quotes it, or excuse it under the deck's 'source: skip:' with the reason "
        "[sentence-uncovered]"]


SKIP = ('    skip:\n      - sentence: Second paragraph\n        why: background for the next sentence\n'
        '      - sentence: And a last one.\n        why: a closing remark, no fact to learn\n')


def test_skipped_sentences_are_excused_with_their_reason(tmp_path: Path) -> None:
    _deck(tmp_path, SKIP)
    result = run(["coverage", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "     4  excused    Second paragraph, its first sentence.\n" \
           "                 why: background for the next sentence\n" in result.stdout
    assert result.stdout.endswith("t: 1 of 3 sentences covered, 2 excused\n")
    check = run(["check", "--strict", "t.yaml"], cwd=tmp_path)
    assert (check.exit_code, check.stderr) == (0, "")
    assert check.stdout == "ok: 1 deck, 1 notes, 1 cards, 1 tags; 1 of 3 sentences covered, 2 excused\n"


def test_a_skip_that_matches_no_sentence_is_reported_where_it_is_written(tmp_path: Path) -> None:
    _deck(tmp_path, SKIP.replace("And a last one.", "A sentence the source does not have."))
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert ("t.yaml:11:9: warning: deck 't': the skipped sentence 'A sentence the source does not have.' is not in "
            "the source source.txt; copy it from the source, or remove the entry [skip-unmatched]") \
        in result.stderr.splitlines()


def test_a_skip_needs_its_reason(tmp_path: Path) -> None:
    _deck(tmp_path, "    skip:\n      - sentence: And a last one.\n")
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == ("t.yaml:9:9: error: deck > source: a skipped sentence is missing 'why' "
                                             "(required keys: sentence, why)")


def test_the_shipped_deck_covers_every_sentence() -> None:
    result = run(["coverage"], cwd=REPO)
    assert result.exit_code == 0, result.stderr
    assert "UNCOVERED" not in result.stdout


AMBIGUOUS_SOURCE = ("# A test source.\nQuestion one has answer one.\n\n"
                    "IL-2 was given first. IL-2 was given again, later. The end came.\n")


@pytest.mark.parametrize("entry,excused", [
    ("IL-2 was given", ""),  # the start of two sentences: excuses neither, and is an error naming both
    ("given", ""),  # in two sentences, the start of none
    ("IL-2 was given first.", "IL-2 was given first."),  # the whole sentence
    ("IL-2 was given a", "IL-2 was given again, later."),  # the start of one sentence
    ("again", "IL-2 was given again, later."),  # a part of one sentence only
    ("The end came.", "The end came."),
])
def test_a_skip_entry_excuses_exactly_one_sentence(tmp_path: Path, entry: str, excused: str) -> None:
    _deck(tmp_path, f"    skip:\n      - sentence: {entry}\n        why: not a fact to learn\n")
    (tmp_path / "source.txt").write_text(AMBIGUOUS_SOURCE, encoding="utf-8")
    result = run(["coverage", "t.yaml"], cwd=tmp_path)
    check = run(["check", "t.yaml"], cwd=tmp_path)
    if not excused:
        assert result.exit_code == check.exit_code == 1 and "[skip-ambiguous]" in result.stderr
        assert (f"t.yaml:9:9: error: deck 't': the skipped sentence {entry!r} matches 2 sentences of the source "
                "source.txt (line 4: 'IL-2 was given first.'; line 4: 'IL-2 was given again, later.'), so it "
                "excuses none of them; copy more of the one you mean, or add an entry for each [skip-ambiguous]"
                ) in check.stderr.splitlines()
    else:
        assert f"     4  excused    {excused}\n" in result.stdout and "1 excused" in result.stdout
        assert "[skip-ambiguous]" not in check.stderr
