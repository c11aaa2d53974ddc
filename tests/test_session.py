"""A watch session's every cycle writes exactly what a fresh build of the same files writes.

Random edits, over many cycles and several deck files: answers changed, cards added, removed and moved
between files, files added and deleted, a source edited, a file only touched, a mistake made and fixed.
After each change the session builds (package, lock files, preview page) and so does a fresh build of a
copy of the same files (lock files included, the same clock); every output is compared byte for byte.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from conftest import DECK_HEAD, REPO, SOURCE_TEXT
from rcc_cards import builder
from rcc_cards.errors import ProblemsFound
from rcc_cards.watch import Session

NOW = 1_790_000_000


def _words(rng: random.Random) -> str:
    """An answer without numbers (a number in an unsourced card is an error, which would end the build)."""
    return " ".join("".join(rng.choice("abcdefghij") for _ in range(6)) for _ in range(3))


def _card(card_id: str, answer: str) -> list[str]:
    return [f"      - id: {card_id}", f"        q: What is asked of card {card_id}?", f"        a: {answer}",
            "        unsourced: written for this test"]


class Files:
    """The deck files of the run, as lists of cards, written out after each change."""

    def __init__(self, folder: Path, rng: random.Random) -> None:
        self.folder, self.rng, self.next_id = folder, rng, 0
        self.decks: dict[str, list[tuple[str, str]]] = {}
        folder.mkdir(parents=True)
        (folder / "source.txt").write_text(SOURCE_TEXT, encoding="utf-8")
        for _ in range(3):
            self.new_deck()

    def new_id(self) -> str:
        self.next_id += 1
        return f"card-{self.next_id}"

    def new_deck(self) -> None:
        key = f"d{len(self.decks) + self.next_id}"
        self.decks[key] = [(self.new_id(), _words(self.rng)) for _ in range(self.rng.randint(2, 6))]

    def write(self, broken: str = "") -> None:
        for key, cards in self.decks.items():
            lines = [line for card_id, answer in cards for line in _card(card_id, answer)]
            text = DECK_HEAD.format(key=key, name=f"Deck {key}", deck_lines="") + "\n".join(lines) + "\n"
            if key == broken:
                text = text.replace("        a: ", "        anwser: ", 1)
            path = self.folder / f"{key}.yaml"
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
        for path in self.folder.glob("*.yaml"):
            if path.stem not in self.decks:
                path.unlink()

    def change(self) -> str:
        """One random change; returns what it was."""
        rng, keys = self.rng, list(self.decks)
        what = rng.choice(["edit", "edit", "add", "remove", "move", "new file", "delete file", "source", "touch",
                           "lock"])
        key = rng.choice(keys)
        cards = self.decks[key]
        if what == "edit" and cards:
            i = rng.randrange(len(cards))
            cards[i] = (cards[i][0], "edited " + _words(rng))
        elif what == "add":
            cards.insert(rng.randint(0, len(cards)), (self.new_id(), "new " + _words(rng)))
        elif what == "remove" and len(cards) > 1:
            cards.pop(rng.randrange(len(cards)))
        elif what == "move" and len(cards) > 1 and len(keys) > 1:
            other = rng.choice([k for k in keys if k != key])
            self.decks[other].append(cards.pop(rng.randrange(len(cards))))
        elif what == "new file":
            self.new_deck()
        elif what == "delete file" and len(keys) > 1:
            del self.decks[key]
        elif what == "source":
            (self.folder / "source.txt").write_text(SOURCE_TEXT + f"An added line {_words(rng)}.\n",
                                                    encoding="utf-8")
        elif what == "lock":  # a lock file replaced behind the session's back (git checkout), or deleted
            lock = self.folder / f"{key}.lock.json"
            if lock.exists() and rng.random() < 0.5:
                lock.unlink()
            elif lock.exists():
                lock.write_text(lock.read_text(encoding="utf-8").replace('"hash": "', '"hash": "0', 1),
                                encoding="utf-8")
        elif what == "touch":
            path = self.folder / f"{key}.yaml"
            path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        return what


def _outputs(folder: Path, out: Path) -> dict[str, bytes]:
    files = {f"out/{p.name}": p.read_bytes() for p in sorted(out.glob("*")) if p.suffix in (".apkg", ".html")}
    files.update({p.name: p.read_bytes() for p in sorted(folder.glob("*.lock.json"))})
    return files


def _fresh(folder: Path, work: Path, now: int) -> dict[str, bytes] | str:
    """A fresh build (and preview) of a copy of ``folder``: its outputs, or its problems."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(folder, work / "decks")
    out = work / "out"
    options = builder.BuildOptions((work / "decks",), out, force=True)
    try:
        builder.build(options, now=now)
    except ProblemsFound as exc:
        return "\n".join(sorted(p.message for p in exc.problems if p.is_error))
    builder.write_preview((work / "decks",), out / "preview.html")
    return _outputs(work / "decks", out)


@pytest.mark.parametrize("seed", range(4))
def test_every_watch_cycle_writes_what_a_fresh_build_writes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    files = Files(tmp_path / "decks", rng)
    files.write()
    out = tmp_path / "out"
    session = Session()
    options = builder.BuildOptions((files.folder,), out)
    built = 0
    for cycle in range(30):
        what = "start" if cycle == 0 else files.change()
        broken = rng.choice(list(files.decks)) if rng.random() < 0.1 else ""
        files.write(broken)
        now = NOW + cycle * 10
        expected = _fresh(files.folder, tmp_path / "fresh", now)
        try:
            report = session.build(options, now=now)
        except ProblemsFound as exc:
            got: dict[str, bytes] | str = "\n".join(sorted(p.message for p in exc.problems if p.is_error))
        else:
            loaded = report.loaded or session.load((files.folder,))
            builder.preview_of(loaded, out / "preview.html")
            # what the fresh build wrote, as the session left it (packages of deleted decks stay in out/)
            names = expected if isinstance(expected, dict) else {}
            got = {name: (tmp_path / name if name.startswith("out/") else files.folder / name).read_bytes()
                   for name in names}
        if broken:
            files.write()  # the mistake is fixed before the next change
        assert got == expected, (cycle, what, broken)
        built += isinstance(expected, dict)
    assert built >= 20  # most cycles build (a tenth have a mistake, which both refuse alike)


def test_an_unchanged_cycle_rewrites_nothing(tmp_path: Path) -> None:
    files = Files(tmp_path / "decks", random.Random(7))
    files.write()
    session = Session()
    options = builder.BuildOptions((files.folder,), tmp_path / "out")
    session.build(options, now=NOW)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("*.apkg")}
    report = session.build(options, now=NOW + 10)
    assert all(w.up_to_date for w in report.written) and not report.locks_written
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").glob("*.apkg")} == before
    assert all(item.reused for item in report.stamped)


def test_reading_one_edited_card_again_gives_what_reading_the_file_gives(tmp_path: Path) -> None:
    """watch.patch against the whole file, on the shipped deck (nested sections, folded blocks, lists)."""
    from rcc_cards.loader import load_file
    from rcc_cards.loader.decode import decode
    from rcc_cards.watch import patch

    shutil.copytree(REPO / "decks", tmp_path / "decks")
    path = tmp_path / "decks" / "rcc.yaml"
    original = path.read_text(encoding="utf-8")
    rng = random.Random(3)
    deck, problems = load_file(path, "decks/rcc.yaml")
    assert deck is not None and not problems
    applied = valid = 0
    for _ in range(120):
        lines = original.split("\n")
        card = rng.choice(list(deck.cards()))
        line = rng.choice(sorted({line for line, _ in card.key_locs.values()})) - 1
        edit = rng.choice(["word", "add extra", "drop line", "indent"])
        if edit == "word":
            lines[line] = lines[line].replace(" ", " changed ", 1) if lines[line].count(" ") > 12 else lines[line]
        elif edit == "add extra":
            indent = len(lines[line]) - len(lines[line].lstrip())
            lines.insert(line + 1, " " * indent + "extra: an added line")
        elif edit == "drop line" and line != card.loc.line - 1:
            del lines[line]
        elif edit == "indent":
            lines[line] = " " + lines[line]
        new = "\n".join(lines)
        text, text_problems = decode("decks/rcc.yaml", new.encode("utf-8"))
        assert text is not None and not text_problems
        patched = patch.reload("decks/rcc.yaml", path, deck, original, text)
        path.write_text(new, encoding="utf-8")
        full, full_problems = load_file(path, "decks/rcc.yaml")
        path.write_text(original, encoding="utf-8")
        valid += not full_problems
        if patched is not None:
            applied += 1
            assert not full_problems and patched == full, edit
    assert applied >= 30 and applied >= 0.8 * valid, (applied, valid)  # most clean edits take the short way
