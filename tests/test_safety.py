"""Nothing lost, nothing hung, nothing injected: the classes of failure an adversarial review found, each in
general (tests of the loader's speed on hostile text are in test_linear_time.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import cloze, writer
from rcc_cards.loader import spec

CARDS = "".join(f"      - id: c{i}\n        q: Question {i} about the source?\n        a: Answer {i}\n"
                for i in range(1, 6))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# -- 1. no command overwrites an input ---------------------------------------------------------------------

@pytest.mark.parametrize("command,target", [
    (["preview", "t.yaml", "-o", "t.yaml"], "the deck"),
    (["preview", "t.yaml", "-o", "t.lock.json"], "its lock file"),
    (["preview", "t.yaml", "-o", "source.txt"], "its source"),
    (["preview", "t.yaml", "-o", "alias.html"], "the deck, through a link"),
    (["build", "t.yaml", "-o", "source.txt.apkg"], "an input, through a link named .apkg"),
])
def test_no_command_overwrites_an_input(tmp_path: Path, command: list[str], target: str) -> None:
    write_deck(tmp_path, CARDS)
    assert run(["build", "t.yaml", "-o", "first"], cwd=tmp_path).exit_code == 0  # a lock file exists
    (tmp_path / "alias.html").symlink_to(tmp_path / "t.yaml")
    (tmp_path / "source.txt.apkg").symlink_to(tmp_path / "source.txt")
    before = _snapshot(tmp_path)
    result = run(command, cwd=tmp_path)
    assert result.exit_code == 1, target
    assert "which is one of its inputs" in result.stderr and "choose another output path" in result.stderr
    assert _snapshot(tmp_path) == before, target


def test_new_and_draft_never_overwrite(tmp_path: Path) -> None:
    """(More in test_authoring.py.) A file that appears between the check and the write is not replaced."""
    target = tmp_path / "x.txt"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(Exception, match="already exists"):
        writer.write_new(target, b"theirs")
    assert target.read_text(encoding="utf-8") == "mine"


# -- 2. exit 1 means nothing was written -------------------------------------------------------------------

@pytest.mark.parametrize("failing", ["lock file", "build record", "package"])
def test_a_build_that_cannot_write_one_file_changes_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        failing: str) -> None:
    deck = write_deck(tmp_path, CARDS)
    assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
    deck.write_text(deck.read_text(encoding="utf-8").replace("Answer 1", "Answer one"), encoding="utf-8")
    before = _snapshot(tmp_path)
    suffix = {"lock file": ".lock.json", "build record": ".rcc-cards-cache.json", "package": ".apkg"}[failing]
    real_replace = os.replace

    def replace(src: object, dst: object) -> None:
        if str(dst).endswith(suffix) and not str(src).endswith(".bak.tmp"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    result = run(["build", "t.yaml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert "every file was left as it was" in result.stderr
    assert _snapshot(tmp_path) == before  # package, lock file and build record as they were; no leftovers


# -- 3. two builds at once ---------------------------------------------------------------------------------

def test_two_builds_of_one_output_at_once_both_succeed(tmp_path: Path) -> None:
    cards = "".join(f"      - id: c{i}\n        q: Which is question c{i} of a large deck?\n        a: Answer c{i}\n"
                    "        unsourced: written for this test\n" for i in range(4000))
    write_deck(tmp_path, cards)
    command = [sys.executable, "-m", "rcc_cards", "build", "t.yaml", "-o", "out", "--force"]
    for _ in range(3):
        procs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        outcomes = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
        assert [code for _, code in outcomes] == [0, 0], outcomes
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".rcc-cards-cache.json", "t.apkg"]


def test_a_live_processs_temporary_file_is_not_cleaned_up_a_dead_ones_is(tmp_path: Path) -> None:
    write_deck(tmp_path, CARDS)
    out = tmp_path / "out"
    out.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    try:
        live_tmp = out / f".t.apkg.{sleeper.pid}.abc123.tmp"
        dead_tmp = out / f".t.apkg.{dead.pid}.def456.tmp"
        live_tmp.write_bytes(b"in progress")
        dead_tmp.write_bytes(b"left behind")
        assert run(["build", "t.yaml", "-o", "out"], cwd=tmp_path).exit_code == 0
        assert live_tmp.exists() and not dead_tmp.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


# -- 4. the lock file belongs to the deck ------------------------------------------------------------------


def test_two_files_with_one_key_are_refused(tmp_path: Path) -> None:
    write_deck(tmp_path, CARDS, filename="a.yaml")
    write_deck(tmp_path, CARDS.replace("id: c", "id: d"), filename="a.yml")
    result = run(["build", "a.yaml", "a.yml", "-o", "out"], cwd=tmp_path)
    assert result.exit_code == 1 and "[duplicate-deck-key]" in result.stderr


def test_a_link_to_a_deck_in_the_same_folder_is_one_deck(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    write_deck(decks, CARDS)
    (decks / "alias.yaml").symlink_to(decks / "t.yaml")
    result = run(["build"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("first build") == 1


# -- 5. stamps never go backwards --------------------------------------------------------------------------

def test_a_card_re_added_under_its_old_id_is_newer_than_what_learners_hold(
        tmp_path: Path, col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    deck = write_deck(tmp_path, CARDS)
    text = deck.read_text(encoding="utf-8")
    epoch = int(time.time()) - 10_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))
    assert run(["build", "t.yaml", "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "v1.apkg")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch + 100))
    card = text[text.index("      - id: c2"):text.index("      - id: c3")]
    deck.write_text(text.replace(card, ""), encoding="utf-8")
    assert run(["build", "t.yaml", "-o", "v2.apkg"], cwd=tmp_path).exit_code == 0  # c2 removed at epoch + 100
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(epoch))  # a fixed, older epoch when it comes back
    deck.write_text(text.replace("Answer 2", "A corrected answer 2"), encoding="utf-8")
    assert run(["build", "t.yaml", "-o", "v3.apkg"], cwd=tmp_path).exit_code == 0
    lock = json.loads((tmp_path / "t.lock.json").read_text(encoding="utf-8"))
    assert lock["cards"]["c2"]["changed"] > epoch
    log = import_apkg(col, tmp_path / "v3.apkg")
    assert len(log.updated) == 1
    assert notes_by_card_id(col)["c2"]["Back"] == "A corrected answer 2"


# -- 6. changes Anki treats as conflicting -----------------------------------------------------------------

@pytest.mark.parametrize("change", ["reverse", "cloze"])
def test_a_kind_change_under_one_id_is_refused_because_anki_would_not_update(
        tmp_path: Path, col: Collection, change: str) -> None:
    deck = write_deck(tmp_path, CARDS)
    assert run(["build", "t.yaml", "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "v1.apkg")
    text = deck.read_text(encoding="utf-8")
    changed = {"reverse": text.replace("        a: Answer 1\n", "        a: Answer 1\n        reverse: true\n"),
               "cloze": text.replace("        q: Question 1 about the source?\n        a: Answer 1\n",
                                     "        cloze: Question 1 has {{c1::Answer 1}}\n")}[change]
    assert changed != text
    deck.write_text(changed, encoding="utf-8")
    result = run(["build", "t.yaml", "-o", "v2.apkg"], cwd=tmp_path)
    assert result.exit_code == 1
    assert "card 'c1' was a 'rcc-cards Q/A' note and is now" in result.stderr
    assert "Give this card a new id" in result.stderr and not (tmp_path / "v2.apkg").exists()
    # measured: what learners would get if it were built anyway (no lock: nothing to compare with)
    (tmp_path / "t.lock.json").unlink()
    assert run(["build", "t.yaml", "-o", "v2.apkg"], cwd=tmp_path).exit_code == 0
    log = import_apkg(col, tmp_path / "v2.apkg")
    assert len(log.conflicting) >= 1 and not any(n for n in log.updated if "c1" in str(n))
    note_type = notes_by_card_id(col)["c1"].note_type()
    assert note_type is not None and note_type["name"] == "rcc-cards Q/A"  # the old type stays


def test_renaming_the_deck_is_explained_and_measured(tmp_path: Path, col: Collection) -> None:
    deck = write_deck(tmp_path, CARDS, name="Old name")
    assert run(["build", "t.yaml", "-o", "v1.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "v1.apkg")
    text = deck.read_text(encoding="utf-8").replace("name: Old name", "name: New name")
    deck.write_text(text.replace("Answer 1", "Answer one"), encoding="utf-8")
    result = run(["build", "t.yaml", "-o", "v2.apkg"], cwd=tmp_path)
    assert result.exit_code == 0
    assert "deck name changed from 'Old name' to 'New name'" in result.stdout
    assert "leaves learners' existing cards in 'Old name'" in result.stdout
    import_apkg(col, tmp_path / "v2.apkg")
    decks = {col.decks.name(col.get_card(c).did) for c in col.find_cards("")}
    assert decks == {"Old name"}  # measured: Anki moved none of them


# -- 8. only regular files are read ------------------------------------------------------------------------

@pytest.mark.parametrize("what", ["deck", "source", "image"])
def test_a_fifo_is_refused_without_reading(tmp_path: Path, what: str) -> None:
    cards = CARDS.replace("      - id: c5\n", "      - id: c5\n        image: pic.png\n")
    deck = write_deck(tmp_path, cards)
    fifo = {"deck": tmp_path / "fifo.yaml", "source": tmp_path / "source.txt", "image": tmp_path / "pic.png"}[what]
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    name = "fifo.yaml" if what == "deck" else deck.name
    result = subprocess.run([sys.executable, "-m", "rcc_cards", "check", name], cwd=tmp_path, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "not a regular file" in result.stderr


def test_a_character_device_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "rcc_cards", "check", "/dev/zero"], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1 and "not a regular file" in result.stderr


# -- 10. limits hit early and cheaply ----------------------------------------------------------------------

def test_the_card_limit_is_reported_fast_and_with_bounded_memory(tmp_path: Path) -> None:
    head = (tmp_path / "h.yaml")
    write_deck(tmp_path, "")
    text = (tmp_path / "t.yaml").read_text(encoding="utf-8")
    with (tmp_path / "big.yaml").open("w", encoding="utf-8") as f:
        f.write(text)
        for i in range(spec.MAX_CARDS + 50_000):
            f.write(f"      - {{id: c{i}, q: Question {i}?, a: Answer {i}}}\n")
    del head
    script = ("import resource, subprocess, sys, time; t = time.time(); "
              "r = subprocess.run([sys.executable, '-m', 'rcc_cards', 'check', 'big.yaml'], capture_output=True, "
              "text=True); print(time.time() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
              "r.returncode); print(r.stderr)")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True).stdout
    seconds, peak_kib, code = out.split("\n", 1)[0].split()
    assert code == "1" and f"more than {spec.MAX_CARDS:,} cards in one deck file" in out
    assert float(seconds) < 10 and int(peak_kib) < 400_000, out[:200]


# -- 11. a damaged lock file never crashes -----------------------------------------------------------------


# -- 12. what you write is what the learner sees -----------------------------------------------------------

ANKI_MARKUP = ["[sound:x.mp3]", "[latex]x^y[/latex]", "[$]y_z[/$]", "[$$]z[/$$]", "[anki:play:q:x]",
               "\\(a+b\\)", "\\[c\\]"]


def test_anki_markup_in_any_text_shows_literally(tmp_path: Path, col: Collection) -> None:
    markup = " ".join(ANKI_MARKUP)
    cards = (f"      - id: m1\n        q: 'Which markup? {markup}'\n        a: 'This: {markup}'\n"
             f"        extra: 'Also {markup}'\n        context: 'And {markup}'\n        refs: ['{markup}']\n"
             "        unsourced: written for this test\n"
             f"      - id: m2\n        cloze: 'A cloze {{{{c1::{markup}}}}} here'\n        unsourced: test\n")
    deck = write_deck(tmp_path, cards)
    deck.write_text(deck.read_text(encoding="utf-8").replace("title: Section", f"title: 'Section {markup}'"),
                    encoding="utf-8")
    result = run(["build", "t.yaml", "-o", "m.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "m.apkg")
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        for html in (card.question(), card.answer()):
            assert "[anki:play" not in html and "latex-" not in html and "<img" not in html
            assert "mathjax_ignore" in html  # MathJax skips the card's text
            assert "&#91;sound:x.mp3]" in html or "[...]" in html
    assert col.media.check().missing == [] and not col.media.have("x.mp3")
    assert not any(name.startswith("latex-") for name in os.listdir(col.media.dir()))


# -- 13. clozes Anki cannot use ----------------------------------------------------------------------------

def test_the_cloze_number_limit_is_ankis(tmp_path: Path) -> None:
    """Measured: Anki 26.09 makes a card up to c500; from c501 the card is blank and Empty Cards lists it."""
    results = {}
    for number in (cloze.MAX_CLOZE_NUMBER, cloze.MAX_CLOZE_NUMBER + 1):
        folder = tmp_path / str(number)
        write_deck(folder, f"      - id: z\n        cloze: 'A {{{{c1::b}}}} and {{{{c{number}::c}}}}'\n"
                           "        unsourced: test\n")
        results[number] = run(["check", "t.yaml"], cwd=folder)
    assert results[cloze.MAX_CLOZE_NUMBER].exit_code == 0
    assert results[cloze.MAX_CLOZE_NUMBER + 1].exit_code == 1
    assert "Anki makes no card above c500" in results[cloze.MAX_CLOZE_NUMBER + 1].stderr


def test_anki_leaves_a_card_past_the_limit_blank(tmp_path: Path, col: Collection) -> None:
    """The measurement behind MAX_CLOZE_NUMBER, with genanki's own package (rcc-cards refuses to make it)."""
    import genanki

    from rcc_cards import templates
    model = genanki.Model(templates.CLOZE.id, "cloze test", fields=[{"name": "Text"}],
                          templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}"}],
                          model_type=genanki.Model.CLOZE)
    deck = genanki.Deck(1, "limits")
    for number in (500, 501):
        deck.add_note(genanki.Note(model=model, fields=[f"a {{{{c1::b}}}} {{{{c{number}::c}}}}"]))
    genanki.Package(deck).write_to_file(str(tmp_path / "limits.apkg"))
    import_apkg(col, tmp_path / "limits.apkg")
    ords = sorted(col.get_card(c).ord for c in col.find_cards(""))
    assert ords == [0, 0, 499, 500]
    empty = [card for note in col.get_empty_cards().notes for card in note.card_ids]
    assert [col.get_card(c).ord for c in empty] == [500]


@pytest.mark.parametrize("number", ["\u0663", "\uff11", "1" * 5000])
def test_cloze_numbers_anki_cannot_read_are_errors(tmp_path: Path, number: str) -> None:
    write_deck(tmp_path, f"      - id: z\n        cloze: 'A {{{{c{number}::b}}}}'\n        unsourced: test\n")
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1 and "t.yaml:13:" in result.stderr


# -- 14. messages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_gets_one_message_naming_it(tmp_path: Path, encoding: str) -> None:
    write_deck(tmp_path, CARDS)
    text = (tmp_path / "t.yaml").read_text(encoding="utf-8")
    (tmp_path / "t.yaml").write_bytes(text.encode(encoding))
    result = run(["check", "t.yaml"], cwd=tmp_path)
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) == 2
    assert lines[0].startswith("t.yaml:1:1: error: the file is UTF-16") and "iconv -f UTF-16 -t UTF-8" in lines[0]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_line_separator_is_reported_where_an_editor_shows_it(tmp_path: Path, separator: str) -> None:
    write_deck(tmp_path, CARDS.replace("Answer 3", f"Answer{separator}3"))
    lines = (tmp_path / "t.yaml").read_text(encoding="utf-8").split("\n")
    line = next(n for n, text in enumerate(lines, 1) if separator in text)
    col = lines[line - 1].index(separator) + 1
    result = run(["check", "t.yaml"], cwd=tmp_path)
    assert result.exit_code == 1
    assert f"t.yaml:{line}:{col}: error: U+" in result.stderr
    assert "YAML reads it as a line break" in result.stderr and "Replace it with a space" in result.stderr


def test_a_tab_inside_block_text_is_text(tmp_path: Path, col: Collection) -> None:
    write_deck(tmp_path, "      - id: tab\n        q: Which rows?\n        a: |\n          first row\n"
                         "          \tindented row\n        unsourced: test\n")
    result = run(["build", "t.yaml", "-o", "t.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "t.apkg")
    assert notes_by_card_id(col)["tab"]["Back"] == "first row<br>\tindented row"
    bad = write_deck(tmp_path / "bad", "      - id: tab\n        q: Which rows?\n\ta: first row\n")
    result = run(["check", bad.name], cwd=bad.parent)
    assert result.exit_code == 1 and "tab used for indentation" in result.stderr
