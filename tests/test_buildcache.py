"""The up-to-date cache: its key covers every build option, and any changed input means a full build."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import run, write_deck
from rcc_cards.builder import NOT_IN_CACHE_KEY, BuildOptions

# For every option of a build, a value other than its default. A new option without an entry here fails
# test_every_option_has_a_case, so that the key's coverage is tested for it too.
OTHER_VALUES: dict[str, Any] = {
    "paths": (Path("decks/other.yaml"),),
    "output": Path("elsewhere"),
    "include": ("topic::dosing",),
    "exclude": ("topic::dosing",),
    "locked": True,
    "force": True,
}


def test_every_option_has_a_case() -> None:
    assert sorted(BuildOptions._fields) == sorted(OTHER_VALUES)


@pytest.mark.parametrize("name", sorted(OTHER_VALUES))
def test_the_cache_key_changes_with_each_option_that_decides_the_output(name: str) -> None:
    base = BuildOptions()
    changed = base._replace(**{name: OTHER_VALUES[name]})
    assert changed != base
    if name not in NOT_IN_CACHE_KEY:
        assert changed.cache_key() != base.cache_key()
    else:  # whether to use the cache at all, not what a build writes
        assert name == "force" and changed.cache_key() == base.cache_key()


def test_the_cache_key_does_not_depend_on_how_paths_are_ordered_or_spelled(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert BuildOptions((a, b)).cache_key() == BuildOptions((b, tmp_path / "." / "a.yaml")).cache_key()
    assert BuildOptions(include=("x", "y")).cache_key() != BuildOptions(include=("x",)).cache_key()


CARDS = """\
      - id: c1
        q: Question one
        a: Answer one
        quote: Question one has answer one.
        image: pic.png
"""


def _edit_deck(folder: Path) -> None:
    deck = folder / "t.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("Answer one", "The answer is one"), encoding="utf-8")


def _edit_source(folder: Path) -> None:
    (folder / "source.txt").write_text("# A test source.\nQuestion one has answer one. Edited.\n", encoding="utf-8")


def _edit_media(folder: Path) -> None:
    (folder / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n another picture")


def _edit_lock(folder: Path) -> None:
    lock = folder / "t.lock.json"
    data = json.loads(lock.read_text(encoding="utf-8"))
    data["cards"]["c1"]["changed"] -= 60  # as after a 'git checkout' of an older lock file
    lock.write_text(json.dumps(data), encoding="utf-8")


def _edit_package(folder: Path) -> None:
    (folder / "out" / "t.apkg").write_bytes(b"not the package that was written")


@pytest.mark.parametrize("edit", [_edit_deck, _edit_source, _edit_media, _edit_lock, _edit_package],
                         ids=lambda f: f.__name__)
def test_any_changed_input_or_output_means_a_full_build(tmp_path: Path, edit: Any) -> None:
    write_deck(tmp_path, CARDS)
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n a picture")
    first = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).stdout.startswith("up to date: out/t.apkg")
    edit(tmp_path)
    again = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert again.exit_code == 0, again.stderr
    assert "wrote out/t.apkg" in again.stdout and "up to date" not in again.stdout


def test_another_option_is_another_record(tmp_path: Path) -> None:
    write_deck(tmp_path, CARDS.replace("        image: pic.png\n", "        tags: [topic::dosing]\n"))
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    tagged = run(["build", "t.yaml", "-o", "out", "--tag", "topic::dosing"], cwd=tmp_path)
    assert "wrote out/t.apkg" in tagged.stdout
    assert run(["build", "t.yaml", "-o", "out", "--locked"], cwd=tmp_path).stdout.startswith("t: no changes")


def _linked_project(folder: Path) -> None:
    """The source and the image are links (source.txt -> a.txt, pic.png -> a.png), as a project may keep them."""
    write_deck(folder, CARDS)
    (folder / "source.txt").rename(folder / "a.txt")
    (folder / "source.txt").symlink_to("a.txt")
    (folder / "b.txt").write_text("# A test source.\nQuestion one has answer one. Another text.\n", encoding="utf-8")
    for name in ("a.png", "b.png"):  # the same bytes: only the link's target (the image's name in Anki) differs
        (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n a picture")
    (folder / "pic.png").symlink_to("a.png")


def _repoint(link: Path, target: str) -> None:
    link.unlink()
    link.symlink_to(target)


@pytest.mark.parametrize("link, target", [("source.txt", "b.txt"), ("pic.png", "b.png")])
def test_a_link_re_pointed_to_another_file_means_a_full_build(tmp_path: Path, link: str, target: str) -> None:
    _linked_project(tmp_path)
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).stdout.startswith("up to date: out/t.apkg")
    _repoint(tmp_path / link, target)
    again = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert again.exit_code == 0, again.stderr
    assert "wrote out/t.apkg" in again.stdout and "up to date" not in again.stdout
    if link == "pic.png":  # the image's name in Anki is its target's
        assert "b_" in json.dumps(zipfile.ZipFile(tmp_path / "out" / "t.apkg").read("media").decode())
