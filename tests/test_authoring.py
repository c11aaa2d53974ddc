"""From a source text to a deck: ``rcc-cards new`` and ``rcc-cards draft``, and how drafts are treated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import REPO, import_apkg, run
from rcc_cards import drafts, grounding, project

RCC_SOURCE = REPO / "decks" / "sources" / "rcc_stage_iv.txt"
SECOND_SOURCE = REPO / "tests" / "second_deck" / "sources" / "examplumab.txt"


def _new(tmp_path: Path, key: str = "fresh", source: Path = SECOND_SOURCE) -> Path:
    result = run(["new", key, "--source", str(source), "--as-of", "2026"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr + result.stdout
    return tmp_path / "decks" / f"{key}.yaml"


def test_new_writes_a_deck_that_checks_with_no_cards_yet(tmp_path: Path) -> None:
    deck = _new(tmp_path)
    text = deck.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=deck.schema.json\n")
    assert "key: fresh" in text and 'as_of: "2026"' in text and "sections: []" in text
    copied = (tmp_path / "decks" / "sources" / "examplumab.txt").read_text(encoding="utf-8")
    assert copied.startswith("# ") and "TO COMPLETE" in copied
    assert grounding.source_body(copied) == grounding.source_body(SECOND_SOURCE.read_text(encoding="utf-8"))
    assert (tmp_path / "decks" / "deck.schema.json").is_file()
    checked = run(["check", "--strict"], cwd=tmp_path)  # the header is still to complete: strict fails
    assert checked.exit_code == 1
    assert checked.stderr.splitlines()[0].endswith("its header still says 'TO COMPLETE' (lines 2, 4); say who "
                                                   "published the text, where, and the licence or permission to "
                                                   "copy it [source-header-incomplete]")
    checked = run(["check"], cwd=tmp_path)
    assert checked.exit_code == 0 and len(checked.stderr.splitlines()) == 1
    assert "fresh: no cards yet" in checked.stdout and "0 of 8 sentences covered" in checked.stdout


def test_new_refuses_to_overwrite_anything(tmp_path: Path) -> None:
    deck = _new(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "decks").rglob("*") if p.is_file()}
    again = run(["new", "fresh", "--source", str(SECOND_SOURCE), "--as-of", "2026"], cwd=tmp_path)
    assert again.exit_code == 1 and "already exists; rcc-cards never overwrites a deck" in again.stderr
    other = tmp_path / "other" / "examplumab.txt"  # same name, other text
    other.parent.mkdir()
    other.write_text("A different text.\n", encoding="utf-8")
    clash = run(["new", "second", "--source", str(other), "--as-of", "2026"], cwd=tmp_path)
    assert clash.exit_code == 1 and "already exists with other text" in clash.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "decks").rglob("*") if p.is_file()} == before
    same = run(["new", "third", "--source", str(SECOND_SOURCE), "--as-of", "2026"], cwd=tmp_path)
    assert same.exit_code == 0 and "sources/examplumab.txt" in (tmp_path / "decks" / "third.yaml").read_text()
    assert deck.read_bytes() == before[deck]


@pytest.mark.parametrize("key,content,message", [
    ("Bad-Key", b"Text.\n", "deck key 'Bad-Key' is not valid"),
    ("ok", b"\xff\xfe not utf-8\n", "not UTF-8 text"),
    ("ok", b"  \n", "the file is empty"),
])
def test_new_says_what_is_wrong(tmp_path: Path, key: str, content: bytes, message: str) -> None:
    (tmp_path / "src.txt").write_bytes(content)
    result = run(["new", key, "--source", "src.txt", "--as-of", "2026"], cwd=tmp_path)
    assert result.exit_code == 1 and message in result.stderr
    assert not (tmp_path / "decks").exists() or not any((tmp_path / "decks").rglob("*.yaml"))


def test_a_deck_with_no_cards_is_left_out_of_the_build(tmp_path: Path) -> None:
    _new(tmp_path)
    alone = run(["build"], cwd=tmp_path)
    assert alone.exit_code == 2 and "no deck has cards to build yet" in alone.stderr
    shutil_copy_shipped(tmp_path)
    both = run(["build"], cwd=tmp_path)
    assert both.exit_code == 0, both.stderr
    assert "not built: fresh: no cards yet" in both.stdout and "wrote build/rcc.apkg" in both.stdout
    assert not (tmp_path / "decks" / "fresh.lock.json").exists()


def shutil_copy_shipped(tmp_path: Path) -> None:
    import shutil
    shutil.copy2(REPO / "decks" / "rcc.yaml", tmp_path / "decks" / "rcc.yaml")
    shutil.copy2(REPO / "decks" / "rcc.lock.json", tmp_path / "decks" / "rcc.lock.json")
    shutil.copy2(RCC_SOURCE, tmp_path / "decks" / "sources" / RCC_SOURCE.name)


@pytest.mark.parametrize("source", [RCC_SOURCE, SECOND_SOURCE], ids=lambda p: p.name)
def test_drafts_cover_every_sentence_and_put_every_number_in_a_deletion(source: Path) -> None:
    """The drafts measurement of benchmarks/drafts.py, run as the benchmark script runs it."""
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / "drafts.py"), "--check", str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    row = result.stdout.splitlines()[-1].split(" | ")
    covered, numbers = row[1].split(" of "), row[2].split(" of ")
    assert covered[0] == covered[1] != "0" and numbers[0] == numbers[1] != "0"


@pytest.mark.parametrize("sentence,deleted", [
    ("Interferon-alpha has approximately a 15% objective response rate.", ["15%"]),
    ("Doses were 6–20 million units 3 times weekly.", ["6–20 million units", "3 times weekly"]),
    ("A total of 963 patients, with a HR for survival of 0.78 (CI, 0.67–0.90), gained 2.6 months.",
     ["963 patients", "0.78::HR", "0.67–0.90::CI", "2.6 months"]),
    ("Durable remissions in a small fraction (about 5%) of patients.", ["about 5%"]),
    ("High-dose IL-2 and 5-FU at 720,000 IU/kg every 8 hours.", ["720,000 IU/kg", "8 hours"]),
    ("A 5-year survival of 10% to 20%.", ["5-year", "10% to 20%"]),
])
def test_each_number_is_deleted_with_its_unit_or_object(sentence: str, deleted: list[str]) -> None:
    draft = drafts.draft_for(sentence, "Title", "title", "", set())
    found = [chunk.split("}}")[0] for chunk in draft.text.split("{{c")[1:]]
    assert [f.split("::", 1)[1] for f in found] == deleted
    assert drafts.numbers_outside_deletions(draft) == set()


def test_drafts_are_checked_listed_and_never_built(tmp_path: Path) -> None:
    deck = _new(tmp_path)
    drafted = run(["draft", str(deck.relative_to(tmp_path))], cwd=tmp_path)
    assert drafted.exit_code == 0, drafted.stderr
    assert "8 drafts for as many sentences: 6 cloze" in drafted.stdout
    drafts_file = tmp_path / "decks" / "fresh.drafts.yaml"
    checked = run(["check"], cwd=tmp_path)
    assert checked.exit_code == 0, checked.stderr
    lines = checked.stderr.splitlines()
    lines = [line for line in lines if not line.endswith("[source-header-incomplete]")]  # its header: not yet
    assert len(lines) == 8 and all(line.endswith("[draft-pending]") for line in lines)
    assert sum("still to write" in line for line in lines) == 2
    assert "fresh_drafts: 8 drafts for deck 'fresh' to review" in checked.stdout
    assert run(["check", "--strict"], cwd=tmp_path).exit_code == 1
    assert run(["build"], cwd=tmp_path).exit_code == 2  # drafts are never built, and the deck has no cards
    again = run(["draft", str(deck.relative_to(tmp_path))], cwd=tmp_path)
    assert again.exit_code == 1 and "already exists" in again.stderr
    # a draft whose quote drifted from the source is an error like any card's
    text = drafts_file.read_text(encoding="utf-8")
    drafts_file.write_text(text.replace("approximately 22%", "approximately 23%", 1), encoding="utf-8")
    assert "[number-not-in-quote]" in run(["check"], cwd=tmp_path).stderr  # the cloze, first
    drafts_file.write_text(text.replace("approximately 22%", "approximately 23%"), encoding="utf-8")
    assert "[quote-stale]" in run(["check"], cwd=tmp_path).stderr  # cloze and quote


def test_a_moved_draft_builds_and_imports_and_the_rest_stay_out(tmp_path: Path) -> None:
    deck = _new(tmp_path)
    run(["draft", str(deck.relative_to(tmp_path))], cwd=tmp_path)
    loaded = project.load([tmp_path / "decks"])
    cloze_draft = next(c for c in loaded.drafts[0].cards() if c.text)
    deck.write_text(deck.read_text(encoding="utf-8").replace("sections: []", (
        "sections:\n  - key: moved\n    title: Moved\n    cards:\n"
        f"      - id: {cloze_draft.id}\n        cloze: \"{cloze_draft.text}\"\n"
        f"        quote: \"{cloze_draft.quote}\"\n")), encoding="utf-8")
    drafts_file = tmp_path / "decks" / "fresh.drafts.yaml"
    duplicate = run(["check"], cwd=tmp_path)  # the moved card and its draft share an id: the draft is renamed
    assert duplicate.exit_code == 1
    assert f"{drafts_file.relative_to(tmp_path)}:" in duplicate.stderr.split("[duplicate-card-id]")[0].splitlines()[-1]
    drafts_file.unlink()
    built = run(["build"], cwd=tmp_path)
    assert built.exit_code == 0, built.stderr
    collection = Collection(str(tmp_path / "c.anki2"))
    try:
        log = import_apkg(collection, tmp_path / "build" / "fresh.apkg")
        assert len(log.new) == 1 and collection.card_count() == cloze_draft.text.count("{{c")
    finally:
        collection.close()
