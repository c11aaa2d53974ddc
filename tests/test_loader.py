"""The loader as a library: values stay as written, locations are exact, rules pair fail/pass cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_deck
from rcc_cards.loader import load_file, yaml_parser
from rcc_cards.model import Kind


def _load(tmp_path: Path, cards: str):  # type: ignore[no-untyped-def]
    return load_file(write_deck(tmp_path, cards), "deck.yaml")


def test_the_shipped_parser_is_libyaml() -> None:
    assert yaml_parser() == "libyaml"


@pytest.mark.parametrize("written", ["no", "yes", "off", "1.10", "0.90", "012", "1:20", "2024-01-01", "~",
                                     "null", ".inf", "0x1F", "true"])
def test_scalars_stay_as_written(tmp_path: Path, written: str) -> None:
    deck, problems = _load(tmp_path, f"      - id: c1\n        q: Q\n        a: {written}\n")
    assert problems == []
    assert [c.back for c in deck.cards()] == [written]


def test_card_kinds_fields_tags_and_locations(tmp_path: Path) -> None:
    folder = tmp_path
    path = write_deck(folder, """\
      - id: qa
        q: Question
        a: Answer
        extra: More
        quote: Quoted
        refs: ["11", "12"]
        tags: [topic::a, TOPIC::A, topic::b]
      - id: rev
        q: IL-2
        a: interleukin-2
        reverse: true
      - id: cz
        cloze: "{{c1::x}}"
""")
    path.write_text(path.read_text().replace("    title: Section\n", "    title: Section\n    tags: [topic::b, sec]\n"))
    deck, problems = load_file(path, "d.yaml")
    assert problems == [] and deck is not None
    qa, rev, cz = deck.cards()
    assert (qa.kind, rev.kind, cz.kind) == (Kind.BASIC, Kind.REVERSE, Kind.CLOZE)
    assert (qa.front, qa.back, qa.extra, qa.quote, qa.refs) == ("Question", "Answer", "More", "Quoted", ("11", "12"))
    assert qa.tags == ("topic::b", "sec", "topic::a")
    assert qa.section_path == ("s",) and qa.section_titles == ("Section",)
    assert (qa.loc.line, qa.loc.col) == (13, 9)
    assert (qa.loc_of("a").line, qa.loc_of("a").col) == (15, 12)
    assert cz.text == "{{c1::x}}"


def test_block_scalars_keep_inner_blank_lines_and_drop_the_final_newline(tmp_path: Path) -> None:
    deck, problems = _load(tmp_path, "      - id: c1\n        q: Q\n        a: |\n          one\n\n          two\n")
    assert problems == []
    assert next(deck.cards()).back == "one\n\ntwo"


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "      - id: c1\n        q: 腎細胞癌 🫘\n        a: Ratio 1: 2\n")
    assert [(p.line, p.col) for p in problems] == [(14, 19)]


@pytest.mark.parametrize("flag,kind", [("true", Kind.REVERSE), ("false", Kind.BASIC)])
def test_reverse_flag(tmp_path: Path, flag: str, kind: Kind) -> None:
    deck, problems = _load(tmp_path, f"      - id: c1\n        q: Q\n        a: A\n        reverse: {flag}\n")
    assert problems == [] and next(deck.cards()).kind is kind


def test_reverse_flag_must_be_true_or_false(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "      - id: c1\n        q: Q\n        a: A\n        reverse: yes\n")
    assert [str(p) for p in problems] == [
        "deck.yaml:15:18: error: section 's' > card 'c1': 'reverse' must be true or false; found 'yes'"]


def test_cloze_card_cannot_mix_with_q_and_a(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "      - id: c1\n        cloze: '{{c1::x}}'\n        q: Q\n")
    assert [str(p) for p in problems] == [
        "deck.yaml:14:9: error: section 's' > card 'c1': a cloze card cannot also have 'q'; "
        "use either 'cloze' or 'q' and 'a'"]


@pytest.mark.parametrize("bad_id", ["has space", "-leading", "a/b", "x" * 101])
def test_invalid_card_ids(tmp_path: Path, bad_id: str) -> None:
    _, problems = _load(tmp_path, f"      - id: '{bad_id}'\n        q: Q\n        a: A\n")
    assert len(problems) == 1 and f"id '{bad_id}' is not valid: use letters" in problems[0].message


def test_duplicate_sibling_section_keys(tmp_path: Path) -> None:
    path = write_deck(tmp_path, "      - id: c1\n        q: Q\n        a: A\n")
    path.write_text(path.read_text() + "  - key: s\n    title: Again\n    cards:\n"
                    "      - id: c2\n        q: Q2\n        a: A2\n")
    _, problems = load_file(path, "d.yaml")
    assert [str(p) for p in problems] == [
        "d.yaml:15:5: error: duplicate section key 's'; it is first used at line 9. "
        "Sibling sections need different keys (the key becomes the tag)"]


def test_missing_source_file(tmp_path: Path) -> None:
    path = write_deck(tmp_path, "      - id: c1\n        q: Q\n        a: A\n")
    (tmp_path / "source.txt").unlink()
    _, problems = load_file(path, "d.yaml")
    assert len(problems) == 1
    assert problems[0].line == 6
    assert problems[0].message.startswith("deck > source: source file 'source.txt' not found")


def test_comment_after_a_non_text_value_is_fine(tmp_path: Path) -> None:
    deck, problems = _load(tmp_path, "      - id: c1  # the first card\n        q: Q\n        a: 'C# is #1'\n")
    assert problems == [] and next(deck.cards()).back == "C# is #1"


def test_unknown_key_suggests_the_closest_allowed_key(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "      - id: c1\n        question: Q\n        a: A\n        tag: [x]\n")
    messages = [p.message for p in problems]
    assert any(m.endswith("unknown key 'question'; allowed keys: a, audio, cloze, context, extra, guid, id, image, "
                          "note_type, q, quote, refs, reverse, source, tags, unsourced. Did you mean 'q'?")
               for m in messages)
    assert any(m.endswith("Did you mean 'tags'?") for m in messages)


@pytest.mark.parametrize("line,cut", [
    ("a: Answer  # a maintainer's comment", False),
    ("a: Answer # one space: probably text", True),
    ("a: C#  # the value itself has a '#'", True),
    ("a: C#", False),
    ("a: 'C# is #1'", False),
])
def test_text_cut_short_by_a_comment(tmp_path: Path, line: str, cut: bool) -> None:
    deck, problems = _load(tmp_path, f"      - id: c1\n        q: Q\n        {line}\n")
    assert ["'a' is cut short at ' #'" in p.message for p in problems] == ([True] if cut else [])


def test_colon_in_the_first_key_of_a_list_item_is_not_taken_for_bad_indentation(tmp_path: Path) -> None:
    _, problems = _load(tmp_path, "      - id: c1\n        q: Ratio 1: 2\n        a: x\n")
    assert [(p.line, p.col, p.message[:40]) for p in problems] == [
        (13, 19, "found ': ' inside unquoted text, which Y")]


_BROKEN = {  # a syntax error of each kind, as the line that replaces a card's answer
    "unclosed quote": '        a: "An answer\n',
    "unclosed quote closed lines later": '        a: "An answer\n        extra: "More"\n',
    "unclosed single quote closed by an apostrophe": "        a: 'An answer\n        extra: It's more\n",
    "apostrophe in single quotes": "        a: 'the patient's answer'\n",
    "quote in double quotes": '        a: "He said "no" then"\n',
    "apostrophe in a flow list": "        a: An answer\n        tags: [x, 'patient's]\n",
    "tab": "\ta: An answer\n",
    "reserved start": "        a: @answer\n",
    "colon in text": "        a: Ratio: 1: 2 or so\n",
    "unclosed bracket": "        a: [An answer\n",
    "over-indented key": "         a: An answer\n",
    "under-indented item": "        a: An answer\n     - id: stray\n        q: Q\n        a: A\n",
}


@pytest.mark.parametrize("kind", list(_BROKEN))
def test_after_a_syntax_error_the_other_cards_are_still_checked(tmp_path: Path, kind: str) -> None:
    """The broken card is set aside, the cards before and after it are read (their own mistakes reported)
    and nothing is reported because of the part set aside: one problem per mistake, at its line."""
    cards = ("      - id: first\n        q: Q1\n        anwser: A1\n"
             "      - id: broken\n        q: Q2\n" + _BROKEN[kind] +
             "      - id: last\n        cloze: A {{c1:bad}} cloze\n")
    path = write_deck(tmp_path, cards)
    deck, problems = load_file(path, "deck.yaml")
    problems.sort(key=lambda p: (p.line, p.col))
    text = path.read_text(encoding="utf-8").split("\n")
    assert deck is not None, problems
    assert not {"first", "last"} & {c.id for c in deck.cards()}  # they have mistakes of their own
    lines = [p.line for p in problems]
    assert len(lines) == len(set(lines)) == 3, problems
    assert "anwser" in text[lines[0] - 1] and "Did you mean 'a'?" in problems[0].message
    assert 15 <= lines[1] <= 18  # in the broken card
    assert "{{c1:bad}}" in text[lines[2] - 1] and text[lines[2] - 1][problems[2].col - 1:].startswith("{{c1:bad")


def test_a_syntax_error_in_the_deck_header_leaves_the_cards_checked(tmp_path: Path) -> None:
    path = write_deck(tmp_path, "      - id: c1\n        cloze: A {{c1:bad}} cloze\n", deck_lines='  context: "open\n')
    deck, problems = load_file(path, "deck.yaml")
    assert deck is None  # without its header the deck cannot be made; its cards are still read
    messages = [p.message for p in problems]
    assert any("unterminated quoted text" in m for m in messages)
    assert any("malformed cloze" in m for m in messages)
    assert len(problems) == 2, problems


def test_a_section_in_a_list_of_cards_is_one_problem(tmp_path: Path) -> None:
    """(A 'sections:' line deleted by mistake puts the sections after it into the cards list above.)"""
    cards = ("      - id: c1\n        q: Q1\n        a: A1\n"
             "      - key: lost\n        title: Lost section\n        cards:\n          - id: c2\n            q: Q2\n"
             "            a: A2\n")
    deck, problems = _load(tmp_path, cards)
    assert [(p.line, p.col) for p in problems] == [(15, 9)]
    assert "has a section's keys" in problems[0].message and "'sections:'" in problems[0].message


_ALLOWED = ("a, audio, cloze, context, extra, guid, id, image, note_type, q, quote, refs, reverse, source, tags, "
            "unsourced")


@pytest.mark.parametrize("key,ending", [
    ("hint", ". There is no hint field ('extra' shows only on the back, after the answer): put the hint in the "
             "question itself, or in a cloze after its answer, {{c1::answer::hint}}"),
    ("clue", ". There is no hint field ('extra' shows only on the back, after the answer): put the hint in the "
             "question itself, or in a cloze after its answer, {{c1::answer::hint}}"),
    ("kind", ". There is no field for the card's kind: it follows from the keys (q and a: a question, with "
             "reverse: true for its reverse card too; cloze: a cloze)"),
    ("ease", ". Scheduling is Anki's: a deck cannot set it, and an update keeps each learner's reviews; "
             "remove the key"),
    ("page", ""),  # not 'image': a close spelling must start with the same letter
    ("reason", ""),  # not 'refs': too far apart
    ("imge", ". Did you mean 'image'?"),
    ("reversed", ". Did you mean 'reverse'?"),
    ("prompt", ". Did you mean 'q'?"),  # a synonym
])
def test_an_unknown_key_is_never_led_to_a_key_with_another_meaning(tmp_path: Path, key: str, ending: str) -> None:
    _, problems = _load(tmp_path, f"      - id: c1\n        q: Q\n        a: A\n        {key}: x\n")
    assert [str(p) for p in problems] == [
        f"deck.yaml:15:9: error: section 's' > card 'c1': unknown key '{key}'; allowed keys: {_ALLOWED}{ending}"]


def test_the_loader_judges_nothing() -> None:
    """Reading decks imports none of what judges them: the rules (a deck's 'rules:' is read as written and
    judged by rcc_cards.rules.settings), grounding, coverage, sentences."""
    import subprocess
    import sys

    judges = ("rcc_cards.rules", "rcc_cards.grounding", "rcc_cards.coverage", "rcc_cards.sentences")
    code = ("import sys, rcc_cards.loader\n"
            f"print(sorted(m for m in sys.modules if m.startswith({judges!r})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n"
@pytest.mark.parametrize("header, key", [
    ("deck:\n  key: rcc\n  name: N\n", "rcc"),
    ("# a comment\ndeck:  # the header\n  name: N\n  key: 'rcc_2'\nsections: []\n", "rcc_2"),
    ("sections:\n  - key: s\ndeck:\n  name: N\n", None),  # a section's key is not the deck's
    ("deck: [not, a, header]\n", None),
    ("no deck here\n", None),
])
def test_a_deck_key_is_read_from_the_header_alone(tmp_path: Path, header: str, key: str | None) -> None:
    from rcc_cards.loader import deck_key

    path = tmp_path / "d.yaml"
    path.write_text(header + "sections:\n  - key: s\n    cards: [{{id: x\n", encoding="utf-8")  # cards broken
    assert deck_key(path) == key
    assert deck_key(tmp_path / "missing.yaml") is None


def test_the_deck_key_of_every_shipped_and_golden_deck_is_the_loaded_decks() -> None:
    from rcc_cards.loader import deck_key

    root = Path(__file__).resolve().parent.parent
    checked = 0
    for path in sorted([*root.glob("decks/*.yaml"), *root.glob("tests/golden/*/*.yaml")]):
        deck, _ = load_file(path)
        if deck is not None:
            assert deck_key(path) == deck.key, path
            checked += 1
    assert checked >= 10
