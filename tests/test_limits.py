"""Limits hold: oversized, deeply nested, alias-bomb and over-full inputs are reported quickly, in
bounded memory, never crash."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import run, write_deck
from rcc_cards.loader import decode, nodes, schema


def _run_bounded(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float, int]:
    """Run rcc-cards in a child process; its wall time and its own peak memory (max RSS, KiB, from wait4:
    not the largest of every child the test run has had, which getrusage(RUSAGE_CHILDREN) gives)."""
    start = time.monotonic()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "rcc_cards", *args], cwd=cwd, stdout=out, stderr=err,
                                text=True)
        watchdog = threading.Timer(60, proc.kill)  # a hang fails the test instead of stalling the suite
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)
        watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, out.read(), err.read())
    return result, seconds, usage.ru_maxrss


def test_deep_nesting_is_reported_quickly(tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("deck: " + "[" * 200_000 + "]" * 200_000 + "\n")
    result, seconds, peak_kib = _run_bounded(["check", "deep.yaml"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "deep.yaml:1:1: error: the top level of a deck file is missing 'sections' (required keys: deck, sections)",
        f"deep.yaml:1:1006: error: nesting far deeper than the {nodes.MAX_DEPTH} levels a deck may use; the "
        "YAML parser gave up here. Flatten the structure."]
    assert seconds < 20 and peak_kib < 300_000


def test_nesting_past_the_deck_limit_is_reported_at_that_level(tmp_path: Path) -> None:
    depth = nodes.MAX_DEPTH + 5
    (tmp_path / "d.yaml").write_text("".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x\n")
    result = run(["check", "d.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert f"d.yaml:{nodes.MAX_DEPTH + 1}:{2 * nodes.MAX_DEPTH + 1}: error: nesting deeper than " \
           f"{nodes.MAX_DEPTH} levels" in result.stderr


def test_an_alias_bomb_is_reported_without_expanding(tmp_path: Path) -> None:
    names = "abcdefghijklmnopqrstuvwxyz"
    bomb = 'deck: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    bomb += "".join(f"{names[i]}: &{names[i]} [{','.join(['*' + names[i - 1]] * 9)}]\n" for i in range(1, 26))
    (tmp_path / "bomb.yaml").write_text(bomb)  # 9**26 strings if expanded
    result, seconds, peak_kib = _run_bounded(["build", "bomb.yaml", "-o", "out"], tmp_path)
    assert result.returncode == 1
    assert "bomb.yaml:1:7: error: anchor '&a': anchors and aliases are not allowed" in result.stderr
    assert seconds < 20 and peak_kib < 300_000
    assert not (tmp_path / "out").exists()


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    with open(tmp_path / "huge.yaml", "wb") as huge:
        huge.truncate(decode.MAX_FILE_BYTES + 1)
    result, seconds, peak_kib = _run_bounded(["check", "huge.yaml"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"huge.yaml:1:1: error: file is {decode.MAX_FILE_BYTES + 1:,} bytes; the limit "
                                    f"is {decode.MAX_FILE_BYTES:,} bytes.")
    assert seconds < 20 and peak_kib < 300_000


def test_more_cards_than_the_limit_are_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "MAX_CARDS", 3)
    cards = "".join(f"      - id: c{i}\n        q: Question {i}\n        a: A\n" for i in range(6))
    deck = write_deck(tmp_path, cards)
    result = run(["check", deck.name], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "t.yaml:21:9: error: section 's': more than 3 cards in one deck file; split the deck into several files "
        "(card ids stay unique across them)",
        "rcc-cards: 1 error, 0 warnings in 1 file",
    ]
