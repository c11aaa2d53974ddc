"""The README's five-minute tour runs as written, in an empty folder, and says what the tool prints.

The section "A five-minute tour" is read block by block: a block after ``<!-- tour file: PATH -->`` is written to
PATH; a ``diff`` block after ``<!-- tour edit: PATH -->`` replaces its ``-`` lines in PATH by its ``+`` lines; in
a ``console`` block each ``$ rcc-cards …`` line is run and the lines after it are what it prints (stderr, then
stdout). Each package built is imported into one real Anki collection, as the tour asks the reader to do.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from anki.collection import Collection

from conftest import REPO, import_apkg, notes_by_card_id, run

_FILE = re.compile(r"<!-- tour file: (\S+) -->\n+```[a-z]*\n(.*?)```", re.S)
_EDIT = re.compile(r"<!-- tour edit: (\S+) -->\n+```diff\n(.*?)```", re.S)
_CONSOLE = re.compile(r"```console\n(.*?)```", re.S)
Step = tuple[str, str, str]


def tour() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("## A five-minute tour\n", 1)[1].split("\n## ", 1)[0]


def steps(text: str) -> list[Step]:
    """("file", path, content), ("edit", path, diff) and ("run", command, output), in the README's order."""
    found: list[tuple[int, Step]] = [(m.start(), ("file", m.group(1), m.group(2))) for m in _FILE.finditer(text)]
    found += [(m.start(), ("edit", m.group(1), m.group(2))) for m in _EDIT.finditer(text)]
    for block in _CONSOLE.finditer(text):
        commands = re.split(r"^\$ ", block.group(1), flags=re.M)[1:]
        for at, chunk in enumerate(commands):
            command, _, output = chunk.partition("\n")
            found.append((block.start() + at, ("run", command, output)))
    return [step for _, step in sorted(found, key=lambda item: item[0])]


def _edit(path: Path, diff: str) -> None:
    lines = diff.splitlines(keepends=True)
    old = "".join(line[1:] for line in lines if line.startswith("-"))
    new = "".join(line[1:] for line in lines if line.startswith("+"))
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the tour's edit does not match {path} once:\n{old}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_tour_shows_a_located_error_a_one_card_change_and_a_subset() -> None:
    done = steps(tour())
    outputs = "".join(output for kind, _, output in done if kind == "run")
    assert re.search(r"^decks/widget\.yaml:\d+:\d+: error: ", outputs, re.M)
    assert re.search(r"^widget: 0 added, 1 changed, 0 removed since ", outputs, re.M)
    assert any(kind == "run" and "--tag" in what for kind, what, _ in done)
    assert [kind for kind, _, _ in done].count("file") == 2


def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    work = tmp_path / "tour"
    work.mkdir()
    collection = Collection(str(tmp_path / "collection.anki2"))
    imported = []
    try:
        for kind, what, content in steps(tour()):
            if kind == "file":
                (work / what).parent.mkdir(parents=True, exist_ok=True)
                (work / what).write_text(content, encoding="utf-8")
            elif kind == "edit":
                _edit(work / what, content)
            else:
                args = shlex.split(what)
                assert args[0] == "rcc-cards", what
                result = run(args[1:], cwd=work)
                assert result.stderr + result.stdout == content, what
                if result.exit_code == 0 and "-o" not in args:  # the reader imports each full package
                    imported.append(import_apkg(collection, work / "build" / "widget.apkg"))
        first, again = imported  # the first build and the one after the edit
        assert len(first.new) == 3 and collection.note_count() == 3  # a three-card deck: three notes
        assert len(again.updated) == 1 and not again.new  # one note changed, updated in place
        note = notes_by_card_id(collection)["usual-dose"]
        assert "how often" in " ".join(note.fields)
        assert (work / "dosing.apkg").is_file()
    finally:
        collection.close()
