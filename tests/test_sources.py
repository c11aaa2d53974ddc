"""Several sources per deck: each with its key; a card names the source of its quote when it is not the
first; grounding, coverage and the card's back follow the card's own source."""

from __future__ import annotations

from pathlib import Path

from anki.collection import Collection

from conftest import import_apkg, notes_by_card_id, run

HEAD = """\
deck:
  key: t
  name: Test deck
  sources:
    - key: pdq
      title: The first source
      file: first.txt
      as_of: "2024"
      origin: NCI PDQ, republished by WebMD
    - key: review
      title: The second source
      file: second.txt
      as_of: mid-2000s
sections:
  - key: s
    title: Section
    cards:
"""
FIRST = "# first\nInterferon-alpha has approximately a 15% objective response rate.\n"
SECOND = "# second\nThe optimum dose of IL-2 is unknown.\n"
CARDS = """\
      - id: ifn
        q: What objective response rate does interferon-alpha have?
        a: Approximately 15%
        quote: Interferon-alpha has approximately a 15% objective response rate.
      - id: il2
        q: "IL-2: what is it whose optimum is unknown?"
        a: Its dose
        quote: The optimum dose of IL-2 is unknown.
        source: review
"""


def _deck(folder: Path, head: str = HEAD, cards: str = CARDS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "first.txt").write_text(FIRST, encoding="utf-8")
    (folder / "second.txt").write_text(SECOND, encoding="utf-8")
    deck = folder / "t.yaml"
    deck.write_text(head + cards, encoding="utf-8")
    return deck


def test_a_card_quotes_the_source_it_names(tmp_path: Path) -> None:
    _deck(tmp_path)
    result = run(["check", "--strict", "t.yaml"], cwd=tmp_path)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "ok: 1 deck, 2 notes, 2 cards, 1 tags; 2 of 2 sentences covered, 0 excused\n"


def test_without_its_source_the_quote_is_looked_for_in_the_first(tmp_path: Path) -> None:
    _deck(tmp_path, cards=CARDS.replace("        source: review\n", ""))
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "t.yaml:25:16: error: card 'il2': quote not found in the source text 'first.txt'" in result.stderr


def test_an_unknown_source_key_is_an_error_naming_the_keys(tmp_path: Path) -> None:
    _deck(tmp_path, cards=CARDS.replace("source: review", "source: reveiw"))
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "t.yaml:26:17: error: section 's' > card 'il2': source 'reveiw' is not a source of this deck (its source "
        "keys: pdq, review); name one of them, or remove 'source' to quote the deck's first source")


def test_several_sources_need_keys_and_not_a_second_source_key(tmp_path: Path) -> None:
    _deck(tmp_path, head=HEAD.replace("    - key: review\n      title", "    - title"))
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "t.yaml:10:7: error: deck > sources: each of several sources needs a 'key' (e.g. key: pdq), which cards "
        "that quote it name with 'source: pdq'")
    both = HEAD.replace("  sources:\n", "  source:\n    title: x\n    file: first.txt\n    as_of: x\n  sources:\n")
    _deck(tmp_path / "both", head=both)
    result = run(["check", "t.yaml"], cwd=tmp_path / "both")
    assert "error: deck: a deck has 'source' (one) or 'sources' (a list of several, each with its 'key'), not " \
           "both; move the first into the list" in result.stderr


def test_coverage_lists_each_source(tmp_path: Path) -> None:
    _deck(tmp_path)
    result = run(["coverage", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "t: first.txt (The first source)"
    assert "t: second.txt (The second source)" in result.stdout.splitlines()
    assert result.stdout.count("sentences covered") == 2


def test_each_back_cites_its_own_source(tmp_path: Path, col: Collection) -> None:
    _deck(tmp_path)
    assert run(["build", "t.yaml", "-o", "t.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "t.apkg")
    notes = notes_by_card_id(col)
    assert "Source: The first source (2024; NCI PDQ, republished by WebMD)" in notes["ifn"]["Source"]
    assert "Source: The second source (mid-2000s)" in notes["il2"]["Source"]
