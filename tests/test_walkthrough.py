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


def _cells_package(folder: Path) -> tuple[Path, Path]:
    """The Anki deck the adopt walkthrough exports, made with the real backend: *Cell biology* with a subdeck
    *Organelles*, two Basic notes (one front in bold) and a Cloze, three of them reviewed; fixed GUIDs so
    the page can show them. Returns the collection and the exported package."""
    from anki.collection import DeckIdLimit, ExportAnkiPackageOptions
    from anki.decks import DeckId

    path = folder / "collection.anki2"
    col = Collection(str(path))
    top, organelles = col.decks.id("Cell biology"), col.decks.id("Cell biology::Organelles")
    assert top and organelles
    for guid, kind, deck, fields, tags in (
            ("Ribosomes1", "Basic", organelles, ["What do <b>ribosomes</b> make?", "proteins"], ["cells::organelles"]),
            ("Nucleus001", "Basic", organelles, ["In a eukaryotic cell, where is the DNA kept?", "in the nucleus"],
             ["cells::organelles"]),
            ("Mitochond1", "Cloze", top, ["{{c1::Mitochondria}} make most of a cell's ATP.", ""], ["cells"])):
        notetype = col.models.by_name(kind)
        assert notetype is not None
        note = col.new_note(notetype)
        note.guid = guid
        note.fields[:] = fields
        note.tags = tags
        col.add_note(note, DeckId(deck))
    col.decks.select(DeckId(top))
    for _ in range(3):
        card = col.sched.getCard()
        assert card is not None
        col.sched.answerCard(card, 3)
    package = folder / "cells.apkg"
    col.export_anki_package(out_path=str(package), limit=DeckIdLimit(DeckId(top)),
                            options=ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=False,
                                                             with_media=True, legacy=False))
    col.close()
    return path, package


def test_the_adopt_walkthrough_runs_as_written_and_changes_nothing_in_the_original(tmp_path: Path) -> None:
    page = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    section = page.split("## From an Anki deck you already have", 1)[1].split("\n## ", 1)[0]
    work = tmp_path / "work"
    work.mkdir()
    collection, package = _cells_package(tmp_path)
    shutil.copyfile(package, work / "cells.apkg")
    done = steps(section)
    assert [s[1].split()[1] for s in done if s[0] == "run"] == ["import", "check", "build"]
    for kind, what, content in done:
        if kind == "file":
            (work / what).write_text(content, encoding="utf-8")
        else:
            assert _output(what, work) == content, what
    col = Collection(str(collection))
    try:
        assert col.db is not None
        before = col.db.all("select id, ivl, due, reps, queue, type from cards order by id")
        reviews = col.db.scalar("select count() from revlog")
        log = import_apkg(col, work / "build" / "cell_biology.apkg")
        assert (len(log.new), len(log.updated), len(log.conflicting)) == (0, 0, 0)
        assert len(log.duplicate) == 3
        assert col.db.all("select id, ivl, due, reps, queue, type from cards order by id") == before
        assert col.db.scalar("select count() from revlog") == reviews == 3
    finally:
        col.close()
