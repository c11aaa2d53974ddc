"""The package's own standards, run with the suite: ruff lint, strict mypy, and no unsafe YAML calls."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SRC = REPO / "src" / "rcc_cards"


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; install the test extras: pip install -e '.[test]'")
    return path


def test_ruff() -> None:
    result = subprocess.run([_tool("ruff"), "check", "src", "tests"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_third_party_library_is_imported_by_one_module() -> None:
    owners = {"yaml": {"loader/yamltree.py"}, "genanki": {"compiler.py"}, "click": {"cli.py"}}
    for library, allowed in owners.items():
        importers = {
            str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
            if re.search(rf"^\s*(import|from) {library}\b", p.read_text(encoding="utf-8"), re.MULTILINE)
        }
        assert importers == allowed, library


def test_no_code_path_constructs_python_objects_from_yaml_or_evaluates_text() -> None:
    forbidden = re.compile(r"yaml\.(load|full_load|unsafe_load|safe_load|compose)\b|\beval\(|\bexec\(|os\.system|"
                           r"subprocess")
    for path in SRC.rglob("*.py"):
        assert not forbidden.search(path.read_text(encoding="utf-8")), path


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = (REPO / ".ci" / "run").read_text().splitlines()
    command = [line for line in lines if line and not line.startswith(("#", "set ", "cd "))]
    assert len(command) == 1 and command[0] in readme


def test_checking_decks_in_the_plain_block_style_never_imports_yaml() -> None:
    """Start-up matters for the shipped deck (benchmarks/README.md): the fast reader reads it, so 'check'
    and 'tags' do not pay for importing yaml ('build' does: genanki imports it)."""
    for command in (["check"], ["tags"]):
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "rcc_cards", *command], cwd=REPO,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
        assert "rcc_cards.loader.blockyaml" in imported and "yaml" not in imported, command


@pytest.mark.parametrize("script", sorted(p.name for p in (REPO / "benchmarks").glob("*.py")))
def test_every_benchmark_script_answers_help(script: str) -> None:
    result = subprocess.run([sys.executable, str(REPO / "benchmarks" / script), "--help"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: ") and "--help" in result.stdout
