"""The authoring walkthrough (docs/authoring.md) runs as written, on a temporary clone of the project.

The section "From a source text to a studied deck" is read block by block: a block after a
``<!-- walkthrough file: PATH -->`` line is written to PATH; in a ``console`` block each ``$ `` line is a
command (``rcc-cards …``, ``cat PATH`` or ``rm PATH``) and the lines after it are what it prints (stderr,
then stdout, as a terminal shows them). The package it builds is then imported into a real Anki collection.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from anki.collection import Collection

from conftest import REPO, import_apkg, run

_FILE = re.compile(r"<!-- walkthrough file: (\S+) -->\n+```[a-z]*\n(.*?)```", re.S)
_CONSOLE = re.compile(r"```console\n(.*?)```", re.S)


def walkthrough() -> str:
    page = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    return page.split("## From a source text to a studied deck", 1)[1].split("\n## ", 1)[0]


def steps(text: str) -> list[tuple[str, str, str]]:
    """("file", path, content) and ("run", command, expected output), in the order the page gives them."""
    found = [(m.start(), ("file", m.group(1), m.group(2))) for m in _FILE.finditer(text)]
    for block in _CONSOLE.finditer(text):
        command, output = "", ""
        for line in block.group(1).splitlines(keepends=True):
            if line.startswith("$ "):
                if command:
                    found.append((block.start(), ("run", command, output)))
                command, output = line[2:].strip(), ""
            else:
                output += line
        if command:
            found.append((block.start(), ("run", command, output)))
    return [step for _, step in sorted(found, key=lambda item: item[0])]


def _clone(target: Path) -> None:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "decks"],
                            cwd=REPO, capture_output=True).stdout.decode()
    names = [n for n in listed.split("\0") if n] or [str(p.relative_to(REPO)) for p in (REPO / "decks").rglob("*")
                                                     if p.is_file()]
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target / name)


def _output(command: str, work: Path) -> str:
    args = shlex.split(command)
    if args[0] == "cat":
        return (work / args[1]).read_text(encoding="utf-8")
    if args[0] == "rm":
        (work / args[1]).unlink()
        return ""
    assert args[0] == "rcc-cards", f"the walkthrough runs rcc-cards, cat and rm only: {command}"
    result = run(args[1:], cwd=work)
    return result.stderr + result.stdout


def test_the_authoring_walkthrough_runs_as_written(tmp_path: Path) -> None:
    work = tmp_path / "clone"
    work.mkdir()
    _clone(work)
    done = steps(walkthrough())
    assert [s[1].split()[:2] for s in done if s[0] == "run" and s[1].startswith("rcc-cards")][:1] == [
        ["rcc-cards", "new"]]
    commands = " ".join(s[1] for s in done if s[0] == "run")
    for step in ("rcc-cards new", "rcc-cards draft", "rcc-cards check", "rcc-cards coverage", "rcc-cards build"):
        assert step in commands
    for kind, what, content in done:
        if kind == "file":
            (work / what).parent.mkdir(parents=True, exist_ok=True)
            (work / what).write_text(content, encoding="utf-8")
        else:
            assert _output(what, work) == content, what
    packages = sorted((work / "build").glob("*.apkg"))
    assert len(packages) == 1
    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        log = import_apkg(collection, packages[0])
        said = re.search(r"wrote build/\S+\.apkg: (\d+) notes, (\d+) cards", walkthrough())
        assert said is not None
        assert len(log.new) == collection.note_count() == int(said.group(1))
        assert collection.card_count() == int(said.group(2))
    finally:
        collection.close()
