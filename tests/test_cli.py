"""The CLI, driven with CliRunner: exact output and exit codes."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

import rcc_cards
from conftest import REPO, run, write_deck
from rcc_cards import builder
from rcc_cards.cli import cli

CARDS = """\
      - id: c1
        q: Question one
        a: Answer one
        quote: Question one has answer one.
        tags: [topic::dosing]
      - id: c2
        cloze: "{{c1::Cloze}} with {{c2::two}} deletions"
        quote: A cloze with two deletions.
"""


def test_build_prints_each_package_with_its_counts(tmp_path: Path) -> None:
    write_deck(tmp_path / "decks", CARDS)
    result = run(["build"], cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == ("t: first build; every card is new to decks/t.lock.json\n"
                             "wrote build/t.apkg: 2 notes, 3 cards, 2 tags\n"
                             "wrote decks/t.lock.json\n")
    assert result.stderr == ""
    with zipfile.ZipFile(tmp_path / "build" / "t.apkg") as archive:
        assert archive.namelist() == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == [".rcc-cards-cache.json", "t.apkg"]
    again = run(["build"], cwd=tmp_path)
    assert again.stdout == "up to date: build/t.apkg: 2 notes, 3 cards, 2 tags (no input changed since it was built)\n"
    forced = run(["build", "--force"], cwd=tmp_path)
    assert forced.stdout == ("t: no changes since decks/t.lock.json\n"
                             "wrote build/t.apkg: 2 notes, 3 cards, 2 tags\n")


def test_build_several_decks_into_a_folder_or_one_package(tmp_path: Path) -> None:
    a = write_deck(tmp_path, CARDS, key="a")
    b = write_deck(tmp_path, "      - id: b1\n        q: Q\n        a: A\n", key="b", name="Other deck")
    result = run(["build", a.name, b.name, "-o", "pkgs"], cwd=tmp_path)
    assert result.stdout.splitlines()[2:4] == ["wrote pkgs/a.apkg: 2 notes, 3 cards, 2 tags",
                                               "wrote pkgs/b.apkg: 1 notes, 1 cards, 1 tags"]
    result = run(["build", a.name, b.name, "-o", "both.apkg"], cwd=tmp_path)
    assert result.stdout == ("a: no changes since a.lock.json\nb: no changes since b.lock.json\n"
                             "wrote both.apkg: 3 notes, 4 cards, 3 tags\n")


def test_build_with_tag_filter_reports_skipped_decks(tmp_path: Path) -> None:
    a = write_deck(tmp_path, CARDS, key="a")
    b = write_deck(tmp_path, "      - id: b1\n        q: Q\n        a: A\n", key="b", name="Other deck")
    result = run(["build", a.name, b.name, "--tag", "TOPIC::Dosing", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2:4] == ["skipped deck 'b': no note matches the tag filters",
                                               "wrote out/a.apkg: 1 notes, 1 cards, 2 tags"]


def test_a_filter_that_selects_nothing_is_a_usage_error(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    result = run(["build", deck.name, "--tag", "topic::nothing"], cwd=tmp_path)
    assert result.exit_code == 2
    assert "Invalid value for --tag/--exclude-tag: no note is left after --tag topic::nothing; " \
           "'rcc-cards tags' lists the tags" in result.stderr
    assert not (tmp_path / "build").exists()
    close = run(["build", deck.name, "--tag", "topic::dosage"], cwd=tmp_path)
    assert close.exit_code == 2
    assert "no note is left after --tag topic::dosage; 'rcc-cards tags' lists the tags. Did you mean " \
           "'topic::dosing'?" in " ".join(close.stderr.split())
    preview = run(["preview", deck.name, "--tag", "Topic::Dosage", "-o", "p.html"], cwd=tmp_path)
    assert preview.exit_code == 2 and "Did you mean 'topic::dosing'?" in " ".join(preview.stderr.split())


def test_check_ok_and_strict_warnings(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    result = run(["check", deck.name], cwd=tmp_path)
    ok = "ok: 1 deck, 2 notes, 3 cards, 2 tags; 2 of 2 sentences covered, 0 excused\n"
    assert (result.exit_code, result.stdout, result.stderr) == (0, ok, "")
    deck.write_text(deck.read_text() + "  - key: empty\n    title: Nothing here yet\n")
    result = run(["check", deck.name], cwd=tmp_path)
    warning = ("t.yaml:20:5: warning: section 'empty': section has no 'cards' and no 'sections'; "
               "add cards or remove the section\n")
    assert (result.exit_code, result.stderr) == (0, warning)
    strict = run(["check", "--strict", deck.name], cwd=tmp_path)
    assert strict.exit_code == 1
    assert strict.stderr == warning + "rcc-cards: 0 errors, 1 warning in 1 file\n"


def test_tags_prints_the_tree_with_counts(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    result = run(["tags", deck.name], cwd=tmp_path)
    assert result.exit_code == 0
    assert result.stdout == (
        "t                2\n"
        "  t::s           2\n"
        "topic            1\n"
        "  topic::dosing  1\n"
    )


def test_problems_from_every_file_in_one_run(tmp_path: Path) -> None:
    a = write_deck(tmp_path, "      - id: x\n        q: Q\n        anwser: A\n", key="a")
    b = write_deck(tmp_path, "      - id: y\n        cloze: no deletion\n", key="b", name="B deck")
    result = run(["check", a.name, b.name], cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    # the misspelled key is one mistake, reported once: not also as the answer it leaves missing
    assert [line.split(": error")[0] for line in lines[:-1]] == ["a.yaml:14:9", "b.yaml:13:16"]
    assert "Did you mean 'a'?" in lines[0]
    assert lines[-1] == "rcc-cards: 2 errors, 0 warnings in 2 files"


@pytest.mark.parametrize("args,message", [
    (["build", "missing.yaml"], "Path 'missing.yaml' does not exist"),
    (["check", "empty_dir"], "folder 'empty_dir' holds no deck files (*.yaml, *.yml)"),
    (["tags"], "no deck files given and no 'decks/' folder here"),
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty_dir").mkdir()
    result = run(args, cwd=tmp_path)
    assert result.exit_code == 2
    assert message in result.stderr


def test_unwritable_output_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, CARDS)
    (tmp_path / "afile").write_text("x")
    result = run(["build", deck.name, "-o", "afile/sub"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("rcc-cards: error: cannot write afile/sub/t.apkg: ")


def test_unexpected_exceptions_are_reported_as_bugs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(builder, "build", broken)
    write_deck(tmp_path / "decks", CARDS)
    result = run(["build"], cwd=tmp_path)
    assert result.exit_code == 3
    assert result.stderr == (f"rcc-cards: internal error (a bug in rcc-cards {rcc_cards.__version__}; please "
                             "report it with the command you ran): RuntimeError: boom\n")


def test_version() -> None:
    result = run(["--version"])
    assert result.stdout == f"rcc-cards {rcc_cards.__version__} (YAML parser: libyaml)\n"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = run([name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"rcc-cards {name}" in result.stdout


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_documented_in_the_readme(name: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"rcc-cards {name}" in readme


def test_shipped_decks_build_from_the_project_folder(tmp_path: Path) -> None:
    """In a copy of the project's decks/ (a build writes lock files: never the repository's own)."""
    shutil.copytree(REPO / "decks", tmp_path / "decks")
    result = run(["build"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    decks = sorted((tmp_path / "decks").glob("*.y*ml"))
    assert result.stdout.count(" no changes since decks/") == len(decks)  # every committed lock is current
    assert "wrote decks/" not in result.stdout
    assert "rcc: no changes since decks/rcc.lock.json\n" in result.stdout
    assert "wrote build/rcc.apkg: " in result.stdout


def test_the_format_example_deck_builds(tmp_path: Path) -> None:
    page = (REPO / "docs" / "format.md").read_text(encoding="utf-8")
    example = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "sources").mkdir()
    shutil.copy(REPO / "decks" / "sources" / "rcc_stage_iv.txt", tmp_path / "sources")
    (tmp_path / "example.yaml").write_text(example, encoding="utf-8")
    result = run(["build", "example.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 0
    # a four-card example covers few of the passage's sentences: that, and only that, is reported
    assert result.stderr and all(line.endswith("[sentence-uncovered]") for line in result.stderr.splitlines())
    assert result.stdout.splitlines()[1] == "wrote out/rcc.apkg: 4 notes, 6 cards, 3 tags"


def test_the_shipped_deck_passes_check_strict() -> None:
    result = run(["check", "--strict"], cwd=REPO)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("ok: ")


def test_pre_commit_hooks_run_real_commands(tmp_path: Path) -> None:
    import yaml

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["rcc-cards-check", "rcc-cards-locked"]
    for hook in hooks:
        program, *args = hook["entry"].split()
        assert program == "rcc-cards" and hook["language"] == "python"
        assert run(args, cwd=REPO).exit_code == 0, hook["id"]
    deck = write_deck(tmp_path / "decks", CARDS)
    assert run(["diff", "--locked"], cwd=tmp_path).exit_code == 1  # no lock file yet
    assert run(["build"], cwd=tmp_path).exit_code == 0
    assert run(["diff", "--locked"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text().replace("Answer one", "Answer 1"))
    assert run(["diff", "--locked"], cwd=tmp_path).exit_code == 1


def test_shell_completion_scripts_come_from_click() -> None:
    import subprocess
    import sys

    for shell in ("bash", "zsh", "fish"):
        result = subprocess.run([str(Path(sys.executable).parent / "rcc-cards")], capture_output=True, text=True,
                                env={**os.environ, "_RCC_CARDS_COMPLETE": f"{shell}_source"})
        assert result.returncode == 0 and "_RCC_CARDS_COMPLETE" in result.stdout, shell


@pytest.mark.parametrize("command", [["check", "--strict"], ["coverage"], ["tags"]], ids=" ".join)
def test_the_commands_page_shows_what_the_shipped_deck_commands_print(command: list[str]) -> None:
    """docs/commands.md's transcripts of the shipped deck are the commands' real output (when decks/ holds
    only the shipped deck; a repository with more decks prints more)."""
    if sorted(p.name for p in (REPO / "decks").glob("*.y*ml")) != ["rcc.yaml"]:
        pytest.skip("decks/ holds more than the shipped deck")
    page = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    shown = page.split(f"$ rcc-cards {' '.join(command)}\n", 1)[1].split("```", 1)[0]
    assert run(command, cwd=REPO).stdout == shown


@pytest.mark.parametrize("suffix,what", [(".lock.json", "a lock file, written by 'rcc-cards build'"),
                                         (".proposals.json", "a proposals file, written by 'rcc-cards pull'"),
                                         (".notetypes.json", "a note types file, written by 'rcc-cards import'")])
def test_a_file_rcc_cards_writes_beside_a_deck_given_as_a_deck_says_what_it_is(tmp_path: Path, suffix: str,
                                                                               what: str) -> None:
    given = tmp_path / f"t{suffix}"
    given.write_text('{"deck": "t", "cards": {}}\n', encoding="utf-8")
    for command in ("check", "build"):
        extra = ["-o", str(tmp_path / "out")] if command == "build" else []
        result = run([command, str(given), *extra])
        assert result.exit_code == 1 and not (tmp_path / "out").exists()
        assert result.stderr.startswith(f"{given}:1:1: error: this is {what}"), result.stderr
