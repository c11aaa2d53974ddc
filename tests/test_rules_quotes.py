"""The quote rules (quote-stale, number-not-in-quote, hedge-dropped, quote-missing), and the answer-quality and
duplicate-front rules that share their deck: each with a failing and a passing example, as `check` shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import NO_COVERAGE, run, write_deck

SOURCE = (
    "# header line, not source text\n"
    "Interferon-alpha has approximately a 15% objective response rate in appropriately selected "
    "individuals.[11] The doses have been in an intermediate range (6–20 million units 3 times weekly). "
    "In general, these patients have nonbulky metastases and show no weight loss.\n"
)


def _check(tmp_path: Path, cards: str, *args: str) -> tuple[int, list[str]]:
    deck = write_deck(tmp_path, cards, deck_lines=NO_COVERAGE)
    (tmp_path / "source.txt").write_text(SOURCE, encoding="utf-8")
    result = run(["check", *args, deck.name], cwd=tmp_path)
    return result.exit_code, [line for line in result.stderr.splitlines() if not line.startswith("rcc-cards:")]


def _card(a: str, quote: str, q: str = "Interferon-alpha response rate?") -> str:
    return f"      - id: c1\n        q: {q}\n        a: \"{a}\"\n        quote: \"{quote}\"\n"


GOOD_QUOTE = "Interferon-alpha has approximately a 15% objective response rate"


def test_grounded_card_passes_strict(tmp_path: Path) -> None:
    assert _check(tmp_path, _card("approximately 15%", GOOD_QUOTE), "--strict") == (0, [])


@pytest.mark.parametrize("quote", [
    "Interferon-alpha  has approximately\\na 15% objective response rate",  # whitespace differs
    "(6-20 million units 3 times weekly)",  # hyphen where the source has an en dash
    "selected individuals. The doses",  # runs across the citation [11]
    "Interferon-alpha has … a 15% objective response rate",  # an ellipsis for omitted words
])
def test_quote_matching_ignores_whitespace_dashes_citations_and_ellipses(tmp_path: Path, quote: str) -> None:
    code, lines = _check(tmp_path, _card("approximately 15%", quote.replace("6-20", "6-20")))
    assert not any("[quote-stale]" in line for line in lines), lines


def test_quote_not_in_source_is_an_error_at_the_quote(tmp_path: Path) -> None:
    code, lines = _check(tmp_path, _card("approximately 25%", "Interferon-alpha has approximately a 25% objective"))
    assert code == 1
    assert lines == [
        "t.yaml:16:16: error: card 'c1': quote not found in the source text 'source.txt' (it matches up to "
        "'…ron-alpha has approximately a ', then the quote has '25% objective' where the source has "
        "'15% objective response ra'). "
        "The source or the quote changed: update the quote, and check the card still says what the source says "
        "[quote-stale]",
    ]


def test_a_source_edit_makes_the_quote_stale(tmp_path: Path) -> None:
    assert _check(tmp_path, _card("approximately 15%", GOOD_QUOTE))[0] == 0
    (tmp_path / "source.txt").write_text(SOURCE.replace("15%", "16%"), encoding="utf-8")
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("t.yaml:16:16: error: card 'c1': quote not found in the source text")


@pytest.mark.parametrize("answer,ok", [("approximately 15%", True), ("approximately 20%", False)])
def test_numbers_in_answers_must_occur_in_the_quote(tmp_path: Path, answer: str, ok: bool) -> None:
    code, lines = _check(tmp_path, _card(answer, GOOD_QUOTE))
    assert (code, lines) == ((0, []) if ok else (1, [
        "t.yaml:15:12: error: card 'c1': the answer's number '20' does not occur in the card's quote; every "
        "number a learner memorizes must come from the source [number-not-in-quote]"]))


@pytest.mark.parametrize("cloze,ok", [("{{c1::6–20 million units}} {{c2::3}} times weekly", True),
                                      ("{{c1::6–25 million units}} {{c2::3}} times weekly", False)])
def test_numbers_in_cloze_deletions_must_occur_in_the_quote(tmp_path: Path, cloze: str, ok: bool) -> None:
    cards = f"      - id: c1\n        cloze: \"Doses: {cloze}\"\n        quote: (6–20 million units 3 times weekly)\n"
    code, lines = _check(tmp_path, cards)
    assert code == (0 if ok else 1)
    assert [line.rsplit(" [", 1)[-1] for line in lines] == ([] if ok else ["number-not-in-quote]"])


@pytest.mark.parametrize("answer,ok", [("approximately 15%", True), ("15%", False)])
def test_a_dropped_hedge_is_a_warning(tmp_path: Path, answer: str, ok: bool) -> None:
    code, lines = _check(tmp_path, _card(answer, GOOD_QUOTE))
    assert code == 0
    assert lines == ([] if ok else [
        "t.yaml:13:9: warning: card 'c1': the quote says 'approximately' but the card does not; keep the "
        "source's hedges, in any form of the word (or quote only the part the card states) [hedge-dropped]"])
    assert _check(tmp_path, _card(answer, GOOD_QUOTE), "--strict")[0] == (0 if ok else 1)


def test_a_card_without_a_quote_is_a_warning(tmp_path: Path) -> None:
    code, lines = _check(tmp_path, "      - id: c1\n        q: Q?\n        a: A\n")
    assert code == 0
    assert lines == ["t.yaml:13:9: warning: card 'c1' has no 'quote'; add the source sentence it comes from, "
                     "verbatim, so the card can show where it came from and be checked (or, for background "
                     "knowledge the source does not state, 'unsourced: <why>') [quote-missing]"]


def _rule(tmp_path: Path, cards: str) -> list[str]:
    _, lines = _check(tmp_path, cards)
    return [line.rsplit("[", 1)[-1].rstrip("]") for line in lines]


@pytest.mark.parametrize("answer,rules", [
    ("approximately 15% " + "word " * 19, ["answer-too-long"]),
    ("approximately 15% " + "word " * 18, []),
    ("approximately 15%, a, b and c", ["answer-is-a-list"]),
    ("approximately 15%, a and b", []),
    ("approximately 15% [11]", ["citation-in-text"]),
    ("approximately 15% (objective)", []),
    ("approximately 15% Today on WebMD", ["boilerplate-in-text"]),
])
def test_answer_quality_rules(tmp_path: Path, answer: str, rules: list[str]) -> None:
    assert _rule(tmp_path, _card(answer, GOOD_QUOTE)) == rules


@pytest.mark.parametrize("cloze,rules", [
    ("approximately a {{c1::15%}} {{c2::objective}} rate", []),
    ("approximately a {{c1::15%}} {{c3::objective}} rate", ["cloze-numbering"]),
    ("approximately a {{c2::15%}} rate", ["cloze-numbering"]),
])
def test_cloze_numbering(tmp_path: Path, cloze: str, rules: list[str]) -> None:
    quote = "approximately a 15% objective response rate"
    assert _rule(tmp_path, f"      - id: c1\n        cloze: \"{cloze}\"\n        quote: {quote}\n") == rules


def test_two_cards_with_the_same_front_are_an_error(tmp_path: Path) -> None:
    cards = _card("approximately 15%", GOOD_QUOTE) + _card("approximately 15%", GOOD_QUOTE).replace(
        "id: c1", "id: c2").replace("Interferon-alpha response rate?", "interferon-alpha  RESPONSE rate?")
    code, lines = _check(tmp_path, cards)
    assert code == 1
    assert lines == ["t.yaml:18:12: error: card 'c2' asks the same thing as card 'c1' (t.yaml:13); a learner "
                     "cannot tell which answer is wanted. Make the fronts differ [duplicate-front]"]
    different = cards.replace("interferon-alpha  RESPONSE rate?", "Interferon-alpha rate, approximately?")
    assert _check(tmp_path, different) == (0, [])


def test_cloze_cards_compare_by_what_each_card_shows(tmp_path: Path) -> None:
    quote = "approximately a 15% objective response rate"
    cards = (f"      - id: c1\n        cloze: \"approximately a {{{{c1::15%}}}} rate\"\n        quote: {quote}\n"
             f"      - id: c2\n        cloze: \"approximately a {{{{c1::15%::percent}}}} rate\"\n"
             f"        quote: {quote}\n")
    assert _rule(tmp_path, cards) == []  # the hint makes the second front differ
    same = cards.replace("{{c1::15%::percent}}", "{{c1::15 %}}")
    assert _rule(tmp_path, same) == ["duplicate-front"]


PASTED_SOURCE = ("# header\n"
                 "Responses were seen in selected patients [12]. The drug\u2019s effect appears modest [4,5].\n"
                 "Doctors called it \"promising\" and it's 'new'.\n")


@pytest.mark.parametrize("quote", [
    "Responses were seen in selected patients.",  # the citation before the full stop left out
    "Responses were seen in selected patients [12].",  # ... or kept
    "The drug's effect appears modest.",  # a straight apostrophe for the source's typographic one
    "Doctors called it \u201cpromising\u201d and it\u2019s \u2018new\u2019.",  # typographic for straight
])
def test_quotes_match_what_authors_paste(tmp_path: Path, quote: str) -> None:
    deck = write_deck(tmp_path, _card("selected patients appear modest", quote.replace('"', '\\"'),
                                      q="What was seen?"), deck_lines=NO_COVERAGE)
    (tmp_path / "source.txt").write_text(PASTED_SOURCE, encoding="utf-8")
    result = run(["check", deck.name], cwd=tmp_path)
    assert "[quote-stale]" not in result.stderr, result.stderr


@pytest.mark.parametrize("answer,dropped", [
    ("it appears modest", ""), ("they appear modest", ""), ("it appeared modest", ""),
    ("it is modest", "appears"), ("apparently modestly", ""),
])
def test_a_hedge_kept_in_another_form_is_kept(tmp_path: Path, answer: str, dropped: str) -> None:
    deck = write_deck(tmp_path, _card(answer, "The drug's effect appears modest", q="What effect?"),
                      deck_lines=NO_COVERAGE)
    (tmp_path / "source.txt").write_text(PASTED_SOURCE, encoding="utf-8")
    lines = [line for line in run(["check", deck.name], cwd=tmp_path).stderr.splitlines() if "[hedge-dropped]" in line]
    assert lines == ([] if not dropped else [
        f"t.yaml:13:9: warning: card 'c1': the quote says {dropped!r} but the card does not; keep the source's "
        "hedges, in any form of the word (or quote only the part the card states) [hedge-dropped]"])


def test_a_weaker_or_opposite_word_does_not_keep_a_hedge() -> None:
    from rcc_cards import grounding

    assert grounding.hedges("it is likely") == {"likely"}
    assert grounding.hedges("it is unlikely") == frozenset()
    assert grounding.hedges("the dose is not known") == {"unknown"}
    assert grounding.hedge_as_written("They appeared to respond", "appears") == "appeared"
