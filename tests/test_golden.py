"""The malformed-deck corpus: each folder under golden/ beside the exact output it must produce.

Each case must exit 1, print exactly ``expected.txt`` on stderr and nothing on stdout, leave an
existing package byte-identical and leave no other file behind. Set UPDATE_GOLDEN=1 to rewrite the
expected files (then read every diff before committing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import run
from rcc_cards.loader import decode

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
PREVIOUS = b"a package from an earlier build"


def _prepare(case: str, tmp_path: Path) -> Path:
    work = tmp_path / case
    shutil.copytree(GOLDEN / case, work, ignore=shutil.ignore_patterns("expected.txt"))
    shutil.copy(GOLDEN / "source.txt", tmp_path / "source.txt")
    out = work / "out"
    out.mkdir()
    for key in ("t", "a", "b", "t1", "t2", "t3"):
        (out / f"{key}.apkg").write_bytes(PREVIOUS)
    return work


@pytest.mark.parametrize("case", CASES)
def test_malformed_deck(case: str, tmp_path: Path) -> None:
    work = _prepare(case, tmp_path)
    before = sorted(p.relative_to(work) for p in work.rglob("*"))
    decks = sorted(p.name for p in work.glob("*.yaml"))
    result = run(["build", *decks, "-o", "out"], cwd=work)

    expected_file = GOLDEN / case / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected_file.write_text(result.stderr, encoding="utf-8")
    assert result.stderr == expected_file.read_text(encoding="utf-8")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert sorted(p.relative_to(work) for p in work.rglob("*")) == before
    assert all(p.read_bytes() == PREVIOUS for p in (work / "out").iterdir())


@pytest.mark.parametrize("case", CASES)
def test_check_reports_the_same_problems(case: str, tmp_path: Path) -> None:
    work = _prepare(case, tmp_path)
    decks = sorted(p.name for p in work.glob("*.yaml"))
    result = run(["check", *decks], cwd=work)
    expected = (GOLDEN / case / "expected.txt").read_text(encoding="utf-8")
    assert result.exit_code == 1
    assert result.stderr == expected.replace("; nothing was written\n", "\n")


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    size = decode.MAX_FILE_BYTES + 1
    big.write_bytes(b"#" * size)
    result = run(["build", "big.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"big.yaml:1:1: error: file is {size:,} bytes; the limit is {decode.MAX_FILE_BYTES:,} bytes. "
        "Split the deck into several files (card ids stay unique across files).\n"
        "rcc-cards: 1 error, 0 warnings in 1 file; nothing was written\n"
    )
    assert not (tmp_path / "out").exists()


def test_the_errors_page_example_is_the_seven_mistakes_golden() -> None:
    page = (GOLDEN.parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    shown = page.split("$ rcc-cards check deck.yaml      # tests/golden/33-seven-mistakes\n", 1)[1].split("```")[0]
    expected = (GOLDEN / "33-seven-mistakes" / "expected.txt").read_text(encoding="utf-8")
    assert shown == expected.replace("; nothing was written\n", "\n")
    assert len([line for line in shown.splitlines() if ": error: " in line]) == 7
