"""Grounded or labelled, and the rules for weak cards: each with a failing and a passing example, as
`check` reports them, and what a learner sees in a real Anki collection."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import NO_COVERAGE, import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import grounding, kinds, render
from rcc_cards.memo import NO_MEMO
from rcc_cards.model import Card, Kind
from rcc_cards.rules import weak

SOURCE = (
    "# A test source.\n"
    "High-dose therapy appears to be associated with higher response rates but with more toxic effects. "
    "IL-2 has never been shown in a randomized controlled trial to result in longer survival.\n\n"
    "A Cochrane analysis indicated a HR for survival of 0.78 (CI, 0.67–0.90) or a weighted average "
    "improvement in survival of 2.6 months.\n"
)


def _check(tmp_path: Path, cards: str) -> tuple[int, list[str]]:
    deck = write_deck(tmp_path, cards, deck_lines=NO_COVERAGE)
    (tmp_path / "source.txt").write_text(SOURCE, encoding="utf-8")
    result = run(["check", "--strict", deck.name], cwd=tmp_path)
    return result.exit_code, [line for line in result.stderr.splitlines() if not line.startswith("rcc-cards:")] \
        + [line for line in result.stdout.splitlines()]


def _rules(lines: list[str]) -> list[str]:
    return [line.rsplit("[", 1)[1].rstrip("]") for line in lines if line.endswith("]")]


SURVIVAL = "IL-2 has never been shown in a randomized controlled trial to result in longer survival."


@pytest.mark.parametrize("rule,failing,passing", [
    ("yes-no-answer",
     f"q: Has IL-2 been shown in a randomized controlled trial to result in longer survival?\n        a: No, never\n"
     f"        quote: {SURVIVAL}",
     "q: What has IL-2 never been shown to do in a randomized controlled trial?\n"
     f"        a: Result in longer survival\n        quote: {SURVIVAL}"),
    ("answer-in-question",
     f"q: What has IL-2 never been shown to result in, longer survival?\n        a: Longer survival\n"
     f"        quote: {SURVIVAL}",
     "q: What has IL-2 never been shown to do in a randomized controlled trial?\n"
     f"        a: Result in longer survival\n        quote: {SURVIVAL}"),
    ("reverse-on-question",
     f"q: What has IL-2 never been shown to do?\n        a: Prolong survival\n        reverse: true\n"
     f"        quote: {SURVIVAL}",
     "q: IL-2\n        a: interleukin-2\n        reverse: true\n"
     "        unsourced: standard abbreviation, not expanded in the source"),
    ("guessable-deletion",
     'cloze: "High-dose therapy appears to be associated with higher response rates but with {{c1::more}} toxic '
     'effects."\n        quote: High-dose therapy appears to be associated with higher response rates but with more '
     'toxic effects.',
     'cloze: "High-dose therapy appears to be associated with higher response rates but with {{c1::more toxic '
     'effects}}."\n        quote: High-dose therapy appears to be associated with higher response rates but with '
     'more toxic effects.'),
])
def test_each_weak_card_rule_fails_its_example_and_passes_its_twin(tmp_path: Path, rule: str, failing: str,
                                                                   passing: str) -> None:
    code, lines = _check(tmp_path / "fail", f"      - id: c1\n        {failing}\n")
    assert code == 1 and _rules(lines) == [rule], lines
    code, lines = _check(tmp_path / "pass", f"      - id: c1\n        {passing}\n")
    assert code == 0 and _rules(lines) == [], lines


COCHRANE = "A Cochrane analysis indicated a HR for survival of 0.78 (CI, 0.67–0.90)"
HR_CARD = f"      - id: hr\n        q: What HR for survival did the Cochrane analysis indicate?\n        a: HR 0.78\n" \
          f"        quote: {COCHRANE}\n"


def test_a_front_that_shows_another_cards_answer_on_the_same_sentence(tmp_path: Path) -> None:
    giveaway = "      - id: ci\n        q: The Cochrane analysis gave a survival HR of 0.78; what was its CI?\n" \
               f"        a: 0.67–0.90\n        quote: \"{COCHRANE}\"\n"
    code, lines = _check(tmp_path / "fail", HR_CARD + giveaway)
    assert code == 1
    assert [line for line in lines if "[front-gives-away]" in line] == [
        "t.yaml:18:12: warning: card 'ci': its front shows 'HR 0.78', which card 'hr' asks for (on the same source "
        "sentence), so one card gives the other away; reword this front, or merge the two cards [front-gives-away]"]
    fixed = giveaway.replace("gave a survival HR of 0.78; what was its CI?",
                             "what was the CI of the hazard ratio for survival?")
    assert _check(tmp_path / "pass", HR_CARD + fixed)[0] == 0
    # the same words on another sentence give nothing away
    other = "      - id: il2\n        q: Besides a HR of 0.78 for interferon, what has IL-2 never been shown to do?\n" \
            f"        a: Result in longer survival\n        quote: {SURVIVAL}\n"
    assert "[front-gives-away]" not in "".join(_check(tmp_path / "other", HR_CARD + other)[1])


def _gives_away(folder: Path, cards: str, name: str = "Test deck") -> list[str]:
    deck = write_deck(folder, cards, name=name, deck_lines=NO_COVERAGE)
    (folder / "source.txt").write_text(SOURCE, encoding="utf-8")
    result = run(["check", "--strict", deck.name], cwd=folder)
    return [line for line in result.stderr.splitlines() if line.endswith("[front-gives-away]")]


TOXIC = "High-dose therapy appears to be associated with higher response rates but with more toxic effects."
TOX_CARD = "      - id: tox\n        q: Besides higher response rates, what does high-dose therapy in renal cell " \
           f"cancer appear to be associated with?\n        a: More toxic effects\n        quote: {TOXIC}\n"
# its front's only overlap with TOX_CARD's answer is the disease: the subject of a deck named for it
DISEASE_CARD = "      - id: dis\n        q: In which disease does high-dose therapy appear to bring higher response " \
               f"rates?\n        a: Renal cell cancer\n        quote: {TOXIC}\n"
# the disease and a fact besides
THERAPY_CARD = "      - id: dis\n        q: In renal cell cancer, what appears to bring higher response rates?\n" \
               f"        a: High-dose therapy in renal cell cancer\n        quote: {TOXIC}\n"


def test_the_decks_subject_gives_nothing_away(tmp_path: Path) -> None:
    """Words of the deck's name (or on more than half of a deck's cards, from 4 cards) are its subject: an
    answer of nothing else is not given away; an answer with a fact besides still is."""
    assert _gives_away(tmp_path / "named", TOX_CARD + DISEASE_CARD, name="Oncology::Renal cell cancer") == []
    assert _gives_away(tmp_path / "fact", TOX_CARD + THERAPY_CARD, name="Oncology::Renal cell cancer") == [
        "t.yaml:14:12: warning: card 'tox': its front shows 'High-dose therapy in renal cell cancer', which card "
        "'dis' asks for (on the same source sentence), so one card gives the other away; reword this front, or "
        "merge the two cards [front-gives-away]"]
    on_every_card = TOX_CARD + DISEASE_CARD + \
        f"      - id: il2\n        q: In renal cell cancer, what has IL-2 never been shown to do?\n" \
        f"        a: Result in longer survival\n        quote: {SURVIVAL}\n"
    # three cards: too few to tell the subject from a shared fact
    assert [line.split(": ")[2] for line in _gives_away(tmp_path / "three", on_every_card)] == ["card 'tox'"]
    on_every_card += HR_CARD.replace("q: What", "q: In renal cell cancer, what")
    assert _gives_away(tmp_path / "four", on_every_card) == []


REVERSE_CARD = "      - id: rv\n        q: Cochrane analysis of survival\n        a: HR 0.78 (CI, 0.67–0.90)\n" \
               f"        reverse: true\n        quote: \"{COCHRANE}\"\n"
SURVIVAL_CARD = "      - id: what\n        q: What did the Cochrane analysis of survival indicate?\n" \
                f"        a: An HR of 0.78\n        quote: \"{COCHRANE}\"\n"


def test_a_reverse_card_is_checked_both_ways(tmp_path: Path) -> None:
    """A reverse card's answer is a front too (it must not show another card's answer), and its question an
    answer (another card's front must not show it); without 'reverse: true', neither."""
    assert _gives_away(tmp_path / "reverse", REVERSE_CARD + SURVIVAL_CARD) == [
        "t.yaml:15:12: warning: card 'rv': its answer, which 'reverse: true' shows as a front too, shows "
        "'An HR of 0.78', which card 'what' asks for (on the same source sentence), so one card gives the other "
        "away; reword this answer, remove 'reverse: true', or merge the two cards [front-gives-away]",
        "t.yaml:19:12: warning: card 'what': its front shows 'Cochrane analysis of survival', which card 'rv' asks "
        "for (on the same source sentence), so one card gives the other away; reword this front, or merge the two "
        "cards [front-gives-away]"]
    basic = REVERSE_CARD.replace("        reverse: true\n", "")
    assert _gives_away(tmp_path / "basic", basic + SURVIVAL_CARD) == []


def test_numbers_in_extra_must_be_in_the_quote(tmp_path: Path) -> None:
    card = HR_CARD + "        extra: EXTRA\n"
    code, lines = _check(tmp_path / "fail", card.replace("EXTRA", "the survival gain was 3.1 months"))
    assert code == 1
    assert lines[0].startswith("t.yaml:17:16: error: card 'hr': 'extra' has the number '3.1', which does not occur "
                               "in the card's quote;") and lines[0].endswith("[number-not-in-quote]")
    assert _check(tmp_path / "pass", card.replace("EXTRA", "its CI was 0.67–0.90"))[0] == 0


BACKGROUND = "      - id: il2\n        q: IL-2\n        a: interleukin-2\n        reverse: true\n" \
             "        unsourced: standard abbreviation, not expanded in the source\n"


def test_a_background_card_is_counted_and_may_not_teach_a_number(tmp_path: Path) -> None:
    code, lines = _check(tmp_path / "ok", BACKGROUND)
    assert (code, lines) == (0, ["ok: 1 deck, 1 notes, 2 cards, 1 tags; 1 background card (unsourced); "
                                 "0 of 3 sentences covered, 0 excused"])
    code, lines = _check(tmp_path / "number", BACKGROUND.replace("a: interleukin-2", "a: about 30% of cytokines"))
    assert code == 1
    assert lines[0] == ("t.yaml:15:12: error: card 'il2' is background knowledge ('unsourced') but states the "
                        "number '30'; a number a learner memorizes must come from a quoted source. Quote the "
                        "sentence it comes from instead of 'unsourced' [number-in-background]")


def test_a_card_cannot_both_quote_and_be_background(tmp_path: Path) -> None:
    code, lines = _check(tmp_path, BACKGROUND + f"        quote: {SURVIVAL}\n")
    assert code == 1
    assert lines[0] == ("t.yaml:17:9: error: section 's' > card 'il2': a card has either a 'quote' (the source "
                        "sentence it comes from) or 'unsourced' (why it is background knowledge the source does "
                        "not state), not both; remove one")


def test_every_back_is_grounded_or_labelled_in_anki(tmp_path: Path, col: Collection) -> None:
    """What a learner sees: a quoted card shows its quote and source; a background card its label and
    reason; a card with neither says it was not checked; context is always labelled."""
    cards = HR_CARD.replace("        quote:", "        context: An aside.\n        quote:") + BACKGROUND + \
        "      - id: bare\n        q: What did the analysis weigh?\n        a: Survival\n"
    deck = write_deck(tmp_path, cards, deck_lines=NO_COVERAGE)
    (tmp_path / "source.txt").write_text(SOURCE, encoding="utf-8")
    assert run(["build", deck.name, "-o", "t.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "t.apkg")
    notes = notes_by_card_id(col)
    hr = notes["hr"]["Source"]
    assert f'<blockquote class="rcc-quote">{COCHRANE}</blockquote>' in hr and "Source: Test source (2024)" in hr
    assert f"{render.CONTEXT_LABEL}</span> An aside." in notes["hr"]["Context"]
    background = notes["il2"]["Source"]
    assert f"{render.BACKGROUND_LABEL}</span> standard abbreviation, not expanded in the source" in background
    assert "rcc-quote" not in background and "Source:" not in background
    assert render.UNQUOTED_LABEL in notes["bare"]["Source"]
    for nid in col.find_notes(""):  # and on every card's back as Anki renders it
        for card in col.get_note(nid).cards():
            back = card.answer()
            assert "rcc-quote" in back or render.BACKGROUND_LABEL in back or render.UNQUOTED_LABEL in back


def test_the_shipped_deck_states_no_dated_word_as_a_present_day_fact() -> None:
    """'current' and 'only' in the passage are of its time: a card that says them says so, in its text
    ("then", "dated passage") and in its labelled context."""
    import re

    import yaml

    from conftest import REPO

    data = yaml.safe_load((REPO / "decks" / "rcc.yaml").read_text(encoding="utf-8"))
    cards: list[dict[str, str]] = []

    def walk(sections: list[dict[str, object]], contexts: str) -> None:  # a section's context is on its cards
        for section in sections:
            below = f"{contexts} {section.get('context', '')}"
            cards.extend(dict(card, context=f"{card.get('context', '')} {below}")
                         for card in section.get("cards", []))  # type: ignore[attr-defined]
            walk(section.get("sections", []), below)  # type: ignore[arg-type]

    walk(data["sections"], str(data["deck"].get("context", "")))
    dated = [c for c in cards if re.search(r"\b(current|currently|only|now)\b",
                                           " ".join(str(c.get(k, "")) for k in ("q", "a", "cloze")), re.I)]
    assert dated, "the passage's 'current use … only systemic therapy' has a card"
    for card in dated:
        text = " ".join(str(card.get(k, "")) for k in ("q", "a", "cloze"))
        assert re.search(r"\b(then|dated passage|as of)\b", text, re.I), card["id"]
        assert re.search(r"\bDated\b", card.get("context", "")) and "no longer holds" in card["context"], card["id"]


@pytest.mark.parametrize("answer,flagged", [
    ("No", True), ("Yes.", True), ("No, never", True), ("yes — in selected patients", True),
    ("No added benefit, and more infusion reactions", False), ("Nobody knows", False), ("Not shown", False),
])
def test_yes_no_answer_is_a_yes_or_no_not_a_noun_phrase(tmp_path: Path, answer: str, flagged: bool) -> None:
    card = Card("c", Kind.BASIC, ("s",), ("S",), front="What did it add?", back=answer)
    assert bool(weak.yes_no_answer.check_card(card, kinds.of(Kind.BASIC), grounding.NO_SOURCE)) is flagged


def _random_card(rng: random.Random, at: int) -> Card:
    """A card of few words and numbers, so that fronts show other cards' answers often."""
    vocabulary = ["hr", "survival", "of", "the", "dose", "il", "2", "0.78", "12", "5-year", "rate", "high", "low"]

    def text(low: int, high: int) -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(low, high)))
    kind = rng.choice([Kind.BASIC, Kind.BASIC, Kind.REVERSE, Kind.CLOZE])
    if kind is Kind.CLOZE:
        return Card(f"c{at}", kind, ("s",), ("S",), text=f"{text(0, 6)} {{{{c1::{text(1, 3)}}}}} {text(0, 6)}"
                                                            f"{{{{c2::{text(1, 3)}}}}}" * rng.randint(0, 1))
    return Card(f"c{at}", kind, ("s",), ("S",), front=text(1, 12), back=text(1, 4))


def _pairwise(sides: list[weak._Sides]) -> list[tuple[str, str]]:
    """The definition, as the rule compared before its index: every pair, a front's words as one string."""
    def words(text: str) -> str:
        return " " + " ".join(weak.card_words(text)) + " "
    return [(c.card.id, o.card.id) for c in sides for o in sides if o is not c and (
        any(needed <= grounding.quantities(front) for front in c.fronts for needed in o.numbers)
        or any(words(" ".join(phrase)) in words(front) for front in c.fronts for phrase in o.phrases))]


@pytest.mark.parametrize("seed", range(40))
def test_the_index_of_answers_finds_exactly_the_pairs_of_comparing_every_pair(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randint(10, weak.MAX_CARDS_PER_SENTENCE)
    sides = [weak._Sides.of(_random_card(rng, at), NO_MEMO) for at in range(count)]
    expected = _pairwise(sides)
    assert [(c.card.id, o.card.id) for c, o in weak._pairs(sides)] == expected
    assert [(c.card.id, o.card.id) for c in sides for o in sides if o is not c and c.shows_answer_of(o)] == expected
    assert 0 < len(expected) < count * (count - 1)  # some pairs, not all: neither list is trivial
