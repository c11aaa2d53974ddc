"""Which cards cover which sentences of a source: the `coverage` command, `skip:` with reasons (one
sentence per entry), and `check --strict`. How a source is split is tested in test_sentences.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, run, write_deck

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
        "it, or excuse it under the deck's 'source: skip:' (its 'sentence' and 'why') [sentence-uncovered]",
        "source.txt:4:1: warning: no card quotes the sentence 'Second paragraph, its first sentence.' (deck 't'); "
        "add a card that quotes it, or excuse it under the deck's 'source: skip:' (its 'sentence' and 'why') "
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
