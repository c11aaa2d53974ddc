"""Every deck under decks/, whoever wrote it: it passes ``check --strict``, builds, and imports into Anki with
exactly the counts its own ``tags`` output gives. Nothing here knows which decks are there.

A second, different deck (``tests/second_deck/``, from a fictional passage) is copied into a temporary clone
of the project, and the deck-level tests run there: adding a deck is what docs/authoring.md asks authors to do, so
it must keep the suite green.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import REPO, import_apkg, run

DECK_FILES = sorted(p for p in (REPO / "decks").glob("*.y*ml"))
SECOND_DECK = REPO / "tests" / "second_deck"
# the modules whose tests look at whatever decks/ holds
DECK_LEVEL_TESTS = ["tests/test_decks.py", "tests/test_cli.py", "tests/test_browser.py", "tests/test_preview.py"]


def _tag_counts(stdout: str) -> dict[str, int]:
    """``rcc-cards tags`` output -> {tag: notes at or below it}."""
    out = {}
    for line in stdout.splitlines():
        tag, count = line.split()
        out[tag] = int(count)
    return out


@pytest.mark.parametrize("deck_file", DECK_FILES, ids=lambda p: p.name)
def test_each_deck_passes_check_strict_builds_and_imports_with_its_own_counts(deck_file: Path,
                                                                           tmp_path: Path) -> None:
    work = tmp_path / "decks"
    shutil.copytree(REPO / "decks", work)  # a build writes lock files: never the repository's own
    deck = work / deck_file.name
    checked = run(["check", "--strict", str(deck)], cwd=tmp_path)
    assert (checked.exit_code, checked.stderr) == (0, ""), checked.stderr
    notes = int(re.search(r"(\d+) notes", checked.stdout).group(1))  # type: ignore[union-attr]
    tags = run(["tags", str(deck)], cwd=tmp_path)
    assert tags.exit_code == 0, tags.stderr
    expected = _tag_counts(tags.stdout)
    built = run(["build", str(deck), "-o", "out.apkg"], cwd=tmp_path)
    assert built.exit_code == 0, built.stderr
    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        log = import_apkg(collection, tmp_path / "out.apkg")
        assert len(log.new) == collection.note_count() == notes > 0
        for tag, count in expected.items():
            assert len(collection.find_notes(f'"tag:{tag}"')) == count, tag
        assert collection.card_count() > 0 and not collection.find_cards("is:suspended")
    finally:
        collection.close()


@pytest.mark.skipif(bool(os.environ.get("RCC_CARDS_IN_CLONE")), reason="already inside the clone")
def test_a_second_deck_in_decks_keeps_the_deck_level_tests_green(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True).stdout
    names = [n for n in files.decode().split("\0") if n] if files else []
    if not names:  # not a git checkout: copy the tree instead
        shutil.copytree(REPO, clone, ignore=shutil.ignore_patterns(".git", ".venv", "build", "__pycache__"))
    for name in names:
        if (REPO / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, clone / name)
    for item in ("examplumab.yaml", "examplumab.lock.json"):
        shutil.copy2(SECOND_DECK / item, clone / "decks" / item)
    shutil.copy2(SECOND_DECK / "sources" / "examplumab.txt", clone / "decks" / "sources" / "examplumab.txt")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DECK_LEVEL_TESTS],
                            cwd=clone, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "RCC_CARDS_IN_CLONE": "1", "PYTHONPATH": str(clone / "src")})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "examplumab.yaml" in result.stdout or " passed" in result.stdout
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
