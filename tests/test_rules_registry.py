"""The rule registry, a deck's rule settings, and card kinds in one place."""

from __future__ import annotations

import enum
import random
from pathlib import Path

import pytest

from conftest import REPO, run, write_deck
from rcc_cards import kinds, rules
from rcc_cards.loader import load_file
from rcc_cards.memo import NO_MEMO, one_run
from rcc_cards.model import Card, Deck, Kind, Loc

LONG = " ".join(["word"] * 25)


def test_the_rules_page_table_is_the_registry() -> None:
    assert rules.table() in (REPO / "docs" / "rules.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda r: r.id)
def test_every_rule_documents_a_failing_and_a_passing_example(rule: rules.Rule) -> None:
    assert rule.doc.splitlines()[0].strip()
    assert rule.fails and rule.passes
    assert rule.severity in ("error", "warning")


def test_rule_ids_are_unique_and_in_the_schema() -> None:
    ids = [rule.id for rule in rules.RULES]
    assert len(ids) == len(set(ids))


def _deck(folder: Path, rule_lines: str, answer: str = LONG) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "source.txt").write_text("# A test source.\nQuestion one has answer one.\n", encoding="utf-8")
    deck = folder / "t.yaml"
    deck.write_text(f"""\
deck:
  key: t
  name: Test deck
  source:
    title: Test source
    file: source.txt
    as_of: "2024"
{rule_lines}sections:
  - key: s
    title: Section
    cards:
      - id: c1
        q: A question
        a: {answer}
        quote: Question one has answer one.
""", encoding="utf-8")
    return deck


def _check(folder: Path, *args: str) -> tuple[int, list[str]]:
    result = run(["check", *args, "t.yaml"], cwd=folder)
    return result.exit_code, result.stderr.splitlines()


def test_a_rule_warns_by_default(tmp_path: Path) -> None:
    code, lines = _check(_deck(tmp_path, "").parent)
    assert code == 0
    assert lines[0].startswith("t.yaml:14:12: warning: card 'c1': the answer has 25 words") \
        and lines[0].endswith("[answer-too-long]")


def test_a_deck_can_turn_a_rule_off(tmp_path: Path) -> None:
    code, lines = _check(_deck(tmp_path, "  rules:\n    answer-too-long: off\n").parent, "--strict")
    assert (code, lines) == (0, [])


def test_a_deck_can_make_a_warning_an_error(tmp_path: Path) -> None:
    code, lines = _check(_deck(tmp_path, "  rules:\n    answer-too-long: error\n").parent)
    assert code == 1
    assert lines[0].startswith("t.yaml:16:12: error: card 'c1': the answer has 25 words")


def test_the_setting_applies_only_to_its_own_deck(tmp_path: Path) -> None:
    _deck(tmp_path / "a", "  rules:\n    answer-too-long: off\n")
    other = _deck(tmp_path / "b", "")
    other.write_text(other.read_text(encoding="utf-8").replace("key: t", "key: t2").replace("id: c1", "id: c2")
                     .replace("q: A question", "q: Another question"), encoding="utf-8")
    result = run(["check", "a/t.yaml", "b/t.yaml"], cwd=tmp_path)
    assert [line.split(": warning:")[0] for line in result.stderr.splitlines()] == ["b/t.yaml:14:12"]


def test_an_unknown_rule_id_is_an_error_with_the_closest_match(tmp_path: Path) -> None:
    code, lines = _check(_deck(tmp_path, "  rules:\n    answer-to-long: off\n").parent)
    assert code == 1
    assert lines[0].startswith("t.yaml:9:5: error: deck: unknown rule 'answer-to-long'; the rules are ")
    assert lines[0].endswith("Did you mean 'answer-too-long'?")


@pytest.mark.parametrize("broken", [
    ("file: source.txt", "file: missing.txt"),  # the deck cannot be read: its source file is missing
    ("sections:\n", "chapters:\n"),  # ... or its sections are not there
])
def test_a_bad_setting_is_reported_with_the_problems_that_keep_the_deck_from_loading(
        tmp_path: Path, broken: tuple[str, str]) -> None:
    deck = _deck(tmp_path, "  rules:\n    answer-to-long: off\n    hedge-dropped: often\n")
    deck.write_text(deck.read_text(encoding="utf-8").replace(*broken), encoding="utf-8")
    code, lines = _check(deck.parent)
    assert code == 1
    assert [line.split(": error: ")[0] for line in lines if ": error: deck: " in line and "rule" in line] == [
        "t.yaml:9:5", "t.yaml:10:20"]
    assert len([line for line in lines if ": error: " in line]) >= 3, lines  # and what keeps it from loading


@pytest.mark.parametrize("setting,message", [
    ("no", "t.yaml:9:22: error: deck: rule 'answer-too-long' must be set to error, warning or off; found 'no'"),
    ("''", "t.yaml:9:22: error: deck: 'answer-too-long' is empty; write the text, or remove the key if it is "
           "optional"),
])
def test_a_bad_setting_is_an_error(tmp_path: Path, setting: str, message: str) -> None:
    code, lines = _check(_deck(tmp_path, f"  rules:\n    answer-too-long: {setting}\n").parent)
    assert (code, lines[0]) == (1, message)


def test_rules_must_be_a_mapping(tmp_path: Path) -> None:
    code, lines = _check(_deck(tmp_path, "  rules: [answer-too-long]\n").parent)
    assert code == 1
    assert lines[0].startswith("t.yaml:8:10: error: deck: 'rules' must be a mapping of rule ids to error, "
                               "warning or off")


@pytest.mark.parametrize("rule", [r.id for r in rules.RULES if r.fixed])
def test_a_fixed_rule_cannot_be_changed(tmp_path: Path, rule: str) -> None:
    code, lines = _check(_deck(tmp_path, f"  rules:\n    {rule}: off\n").parent)
    assert code == 1
    assert f"error: deck: rule '{rule}' cannot be changed" in lines[0]
    own = rules.by_id()[rule].severity
    code, lines = _check(_deck(tmp_path, f"  rules:\n    {rule}: {own}\n").parent)  # its own level: allowed
    assert code == 0


def test_a_deck_setting_is_shown_in_the_schema_and_the_rules_page() -> None:
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "rules:" in page and "answer-too-long: off" in page


class _Other(enum.Enum):
    MNEMONIC = "mnemonic"


def test_an_unknown_card_kind_raises_instead_of_being_treated_as_basic() -> None:
    card = Card("c1", _Other.MNEMONIC, ("s",), ("S",), front="Q", back="A", loc=Loc("d.yaml", 1, 1))  # type: ignore[arg-type]
    with pytest.raises(kinds.UnknownKind, match="mnemonic"):
        kinds.card_count(card)
    with pytest.raises(kinds.UnknownKind):
        kinds.of(_Other.MNEMONIC)  # type: ignore[arg-type]


def test_every_kind_is_defined_and_counts_its_cards() -> None:
    assert [spec.kind for spec in kinds.all_kinds()] == list(Kind)
    loc = Loc("d.yaml", 1, 1)
    assert kinds.card_count(Card("b", Kind.BASIC, (), (), front="Q", back="A", loc=loc)) == 1
    assert kinds.card_count(Card("r", Kind.REVERSE, (), (), front="Q", back="A", loc=loc)) == 2
    assert kinds.card_count(Card("c", Kind.CLOZE, (), (), text="{{c1::a}} {{c2::b}} {{c1::c}}", loc=loc)) == 2
    assert kinds.card_ords(Card("c", Kind.CLOZE, (), (), text="{{c3::a}} {{c1::b}}", loc=loc)) == [0, 2]
    for card in (Card("b", Kind.BASIC, (), (), front="Q", back="A", loc=loc),
                 Card("r", Kind.REVERSE, (), (), front="Q", back="A", loc=loc),
                 Card("c", Kind.CLOZE, (), (), text="{{c2::a}} {{c1::b}}", loc=loc)):
        spec = kinds.of(card.kind)
        assert list(spec.ords(card)) == [ordinal for _, ordinal in spec.sides(card)]
        assert len(spec.fronts(card)) == len(spec.sides(card))


def test_the_hedge_rule_documents_every_hedge_it_checks() -> None:
    from rcc_cards import grounding

    fails = rules.by_id()["hedge-dropped"].fails
    assert all(hedge in fails for hedge in grounding.HEDGES)


def _duplicate_fronts_pairwise(decks: list[Deck]) -> set[tuple[Loc, str]]:
    """duplicate-front's definition, as it was written before its per-deck index (issue 24): every card's
    fronts against the first card with each, over all decks in order."""
    seen: dict[str, Card] = {}
    hits: set[tuple[Loc, str]] = set()
    for deck in decks:
        for card in deck.cards():
            keys = rules.fronts.fronts(card)
            for front in (keys if len(keys) == 1 else dict.fromkeys(keys)):
                other = seen.setdefault(front, card)
                if other is not card:
                    hits.add((card.loc_of(kinds.of(card.kind).front_key),
                              f"card '{card.id}' asks the same thing as card '{other.id}' ({other.loc.path}:"
                              f"{other.loc.line}); a learner cannot tell which answer is wanted. Make the fronts "
                              "differ"))
    return hits


@pytest.mark.parametrize("seed", range(10))
def test_duplicate_fronts_across_decks_are_those_of_comparing_every_card(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    questions = ["Alpha?", "alpha?", "Beta?", "Gamma", "Delta", "A {{c1::b}} c", "A {{c2::b}} c"]
    decks = []
    for at in range(3):
        cards = ""
        for i in range(rng.randint(5, 30)):
            question = rng.choice(questions)
            if "{{" in question:
                cards += f"      - id: d{at}c{i}\n        cloze: \"{question}\"\n        unsourced: test\n"
            else:
                answer = rng.choice(questions[:5])
                cards += (f"      - id: d{at}c{i}\n        q: \"{question}\"\n        a: \"{answer}\"\n"
                          "        unsourced: test\n" + ("        reverse: true\n" if rng.random() < 0.3 else ""))
        deck, problems = load_file(write_deck(tmp_path / f"d{at}", cards, key=f"k{at}"))
        assert deck is not None and not problems, problems
        decks.append(deck)
    expected = _duplicate_fronts_pairwise(decks)
    assert set(rules.fronts.duplicate_front.check_decks(decks, one_run())) == expected
    assert set(rules.fronts.duplicate_front.check_decks(decks, NO_MEMO)) == expected
    assert expected  # the few questions make duplicates, within decks and across them


def _duplicate_ids_pairwise(decks: list[Deck]) -> set[tuple[Loc, str]]:
    """duplicate-card-id's definition as it was written before its per-deck index (issue 24), for decks
    without lock files: every card against the first card with its id."""
    first: dict[str, Card] = {}
    hits: set[tuple[Loc, str]] = set()
    for deck in decks:
        for card in deck.cards():
            other = first.setdefault(card.id, card)
            if other is not card:
                where = other.loc_of("id")
                hits.add((card.loc_of("id"), f"duplicate card id '{card.id}'; first used at {where.path}:"
                                             f"{where.line}. Card ids must be unique across all decks built "
                                             "together: rename this one"))
    return hits


@pytest.mark.parametrize("seed", range(10))
def test_duplicate_ids_across_decks_are_those_of_comparing_every_card(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    decks = []
    for at in range(3):
        cards = "".join(f"      - id: c{rng.randint(0, 40)}\n        q: Question {at} {i}?\n        a: A\n"
                        "        unsourced: test\n" for i in range(rng.randint(5, 30)))
        deck, _ = load_file(write_deck(tmp_path / f"d{at}", cards, key=f"k{at}"))
        assert deck is not None
        decks.append(deck)
    expected = _duplicate_ids_pairwise(decks)
    assert set(rules.identity.duplicate_card_id.check_decks(decks, one_run())) == expected
    assert set(rules.identity.duplicate_card_id.check_decks(decks, NO_MEMO)) == expected
    assert expected
