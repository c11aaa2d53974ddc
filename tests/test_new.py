"""``rcc-cards new`` never writes a deck that ``check`` rejects, and never half a deck: whatever the source
file, the arguments or the disk, either the deck it writes passes ``check`` or it writes nothing and says why."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import NO_COVERAGE, run, write_deck
from rcc_cards.loader import spec

TAKEN = "taken"  # the key of a deck already in the project, in a subfolder


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``folder``."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def _project(folder: Path) -> Path:
    """A project whose decks/ holds one deck, in a subfolder; returns the folder of source files to add."""
    write_deck(folder / "decks" / "older", "      - id: c1\n        q: Question one?\n        a: answer one\n",
               key=TAKEN, deck_lines=NO_COVERAGE)
    (folder / "in").mkdir()
    return folder / "in"


_NAME = st.text(st.characters(blacklist_characters="/\0", blacklist_categories=["Cs"]), min_size=1, max_size=30)
_SUFFIX = st.sampled_from(["", ".txt", ".yaml", ".yml", ".drafts.yaml", ".lock.json"])
_TEXT = st.text(max_size=40)
_CONTENT = st.one_of(_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=60),
                     st.text(st.characters(blacklist_categories=["Cs"]), min_size=1).map(str.encode),
                     st.sampled_from([b"Text one. Text two.\n", "\ufeffRate was 5%.\nMore.\n".encode(),
                                      b"# a heading\nA sentence.\n", "\u2028Odd\x85line.\r\n".encode()]))
_VALID_KEY = st.from_regex(spec.KEY_PATTERN, fullmatch=True).filter(lambda k: len(k) < 30)
_KEY = st.one_of(_VALID_KEY, _VALID_KEY, _VALID_KEY, st.sampled_from([TAKEN, "Bad-Key", "", "a b", "ok"]))
_TRAPS = st.sampled_from(["no", "~", "1.10", "&amp", "*bold*", "C# is #1", "Ratio 1: 2", "x\ny", "\ufeff", " x "])
_ARGUMENT = st.one_of(st.just(""), st.just(""), _TRAPS, st.text(st.characters(blacklist_categories=["Cc", "Cs"]),
                                                               max_size=30), _TEXT)


@settings(max_examples=100, deadline=None)
@given(name=st.tuples(_NAME, _SUFFIX).map("".join).filter(lambda n: n not in (".", "..")
                                                           and len(n.encode("utf-8", "surrogatepass")) < 250),
       content=_CONTENT, key=_KEY, as_of=st.one_of(st.just("2026"), st.just("2026"), _ARGUMENT),
       title=_ARGUMENT, deck_name=st.one_of(_ARGUMENT, st.sampled_from(["Default", "a::::b", "A::B"])),
       url=_ARGUMENT)
@example(name="\ufeffbom.txt", content=b"\xef\xbb\xbfRate was 5%.\n", key="a", as_of="2026", title="", deck_name="",
         url="")
@example(name="we\"ird\nname.yaml", content=b"Text.\n", key="a", as_of="", title="", deck_name="", url="")
def test_whatever_new_accepts_check_accepts_and_whatever_it_refuses_leaves_the_folder_as_it_was(
        name: str, content: bytes, key: str, as_of: str, title: str, deck_name: str, url: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        source = _project(folder) / name
        source.write_bytes(content)
        before = _tree(folder)
        args = ["new", key, "--source", str(source), "--as-of", as_of, "--title", title, "--name", deck_name,
                "--url", url, "--decks", "decks/fresh"]
        made = run(args, cwd=folder)
        if made.exit_code == 0:
            checked = run(["check"], cwd=folder)
            assert (checked.exit_code, [line for line in checked.stderr.splitlines() if ": error: " in line]) == (0, [])
            assert "ok: 2 decks, 1 notes" in checked.stdout
        else:
            assert made.exit_code in (1, 2), made.stderr  # 2: Click's usage error (an empty key)
            assert made.stderr.strip() and "internal error" not in made.stderr
            assert _tree(folder) == before


def test_one_schema_file_for_decks_in_subfolders_each_pointing_at_it(tmp_path: Path) -> None:
    source = _project(tmp_path) / "text.txt"
    source.write_text("A sentence. Another one.\n", encoding="utf-8")
    for key, decks in [("one", "decks/onc/sub"), ("two", "decks/cardio"), ("three", "decks")]:
        made = run(["new", key, "--source", str(source), "--as-of", "2026", "--decks", decks], cwd=tmp_path)
        assert made.exit_code == 0, made.stderr
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("deck.schema.json")) == [
        "decks/deck.schema.json"]
    firsts = {key: (tmp_path / decks / f"{key}.yaml").read_text(encoding="utf-8").split("\n", 1)[0]
              for key, decks in [("one", "decks/onc/sub"), ("two", "decks/cardio"), ("three", "decks")]}
    assert firsts == {"one": "# yaml-language-server: $schema=../../deck.schema.json",
                      "two": "# yaml-language-server: $schema=../deck.schema.json",
                      "three": "# yaml-language-server: $schema=deck.schema.json"}
    assert run(["check"], cwd=tmp_path).exit_code == 0


def test_a_key_another_deck_built_together_uses_is_refused(tmp_path: Path) -> None:
    source = _project(tmp_path) / "text.txt"
    source.write_text("A sentence.\n", encoding="utf-8")
    before = _tree(tmp_path)
    made = run(["new", TAKEN, "--source", str(source), "--as-of", "2026", "--decks", "decks/other"], cwd=tmp_path)
    assert (made.exit_code, made.stderr) == (1, (
        "rcc-cards: error: deck key 'taken' is already used by decks/older/taken.yaml:2; each deck needs its own "
        "key (it namespaces every card id). Pick another key\n"))
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("option,value,message", [
    ("--as-of", "", "--as-of: deck > source: 'as_of' is empty; write the text, or remove the key if it is optional"),
    ("--name", "Default", "--name: deck: the deck name 'Default' is the learner's own default deck in Anki; these "
                          "cards would be mixed into it. Choose a specific name, e.g. 'Oncology::Renal cell cancer'"),
])
def test_an_argument_check_would_reject_is_named_and_nothing_is_written(tmp_path: Path, option: str, value: str,
                                                                       message: str) -> None:
    source = _project(tmp_path) / "text.txt"
    source.write_text("A sentence.\n", encoding="utf-8")
    before = _tree(tmp_path)
    args = ["new", "fresh", "--source", str(source), "--as-of", "2026", option, value]
    made = run(args, cwd=tmp_path)
    assert (made.exit_code, made.stderr) == (
        1, f"rcc-cards: error: {message}\nnothing was written: the deck would not pass 'rcc-cards check'\n")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("name,copy", [("notes.yaml", "notes.yaml.txt"), ("two\nlines.txt", "two_lines.txt"),
                                       ("\ufeffbom.txt", "_bom.txt")])
def test_an_odd_source_name_is_copied_under_a_name_that_works(tmp_path: Path, name: str, copy: str) -> None:
    source = _project(tmp_path) / name
    source.write_bytes("\ufeffA sentence. The rate was 5%.\n".encode())
    made = run(["new", "fresh", "--source", str(source), "--as-of", "2026"], cwd=tmp_path)
    assert made.exit_code == 0, made.stderr
    copied = (tmp_path / "decks" / "sources" / copy).read_text(encoding="utf-8")
    assert copied.startswith("# A sentence. The rate was 5%.\n") and copied.endswith("\n\nA sentence. The rate was "
                                                                                     "5%.\n")
    assert f'    file: "sources/{copy}"\n' in (tmp_path / "decks" / "fresh.yaml").read_text(encoding="utf-8")
    checked = run(["check"], cwd=tmp_path)
    assert checked.exit_code == 0 and "0 of 4 sentences covered" in checked.stdout


@contextmanager
def _tmpfs(folder: Path, options: str) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_writes_nothing_and_says_so(tmp_path: Path) -> None:
    source = tmp_path / "text.txt"
    source.write_text("A sentence of the source. " * 100 + "\n", encoding="utf-8")  # 2,601 bytes
    with _tmpfs(tmp_path / "disk", "size=64k") as disk:
        info = os.statvfs(disk)
        (disk / "filler").write_bytes(b"x" * (info.f_bavail * info.f_frsize - 12 * 1024))  # 12 KiB left
        before = _tree(disk)
        made = run(["new", "fresh", "--source", str(source), "--as-of", "2026", "--decks", str(disk / "decks")])
        assert (made.exit_code, made.stderr) == (
            1, f"rcc-cards: error: cannot write {disk}/decks/deck.schema.json: No space left on device\n")
        assert _tree(disk) == before  # not the source's copy nor the deck, written before the schema failed


def test_a_folder_that_cannot_be_written_writes_nothing_and_says_so(tmp_path: Path) -> None:
    source = tmp_path / "text.txt"
    source.write_text("A sentence.\n", encoding="utf-8")
    (tmp_path / "a-file").write_text("not a folder\n", encoding="utf-8")
    made = run(["new", "fresh", "--source", str(source), "--as-of", "2026", "--decks", str(tmp_path / "a-file" / "d")])
    assert (made.exit_code, made.stderr) == (
        1, f"rcc-cards: error: cannot write {tmp_path}/a-file/d/sources/text.txt: Not a directory\n")
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as read_only:
        made = run(["new", "fresh", "--source", str(source), "--as-of", "2026", "--decks", str(read_only / "d")])
        assert (made.exit_code, made.stderr) == (
            1, f"rcc-cards: error: cannot write {read_only}/d/sources/text.txt: Read-only file system\n")
        assert _tree(read_only) == {}
