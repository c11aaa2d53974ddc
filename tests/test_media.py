"""Images and sounds: packed into the package, landing byte-identical in Anki's media folder; every
unsafe or broken path is an error at the card's line, with nothing written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from anki.collection import Collection

from conftest import import_apkg, notes_by_card_id, run, write_deck
from rcc_cards import media

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x1f\x15\xc4\x89" + bytes(20)


def _files(folder: Path) -> None:
    (folder / "img" / "a").mkdir(parents=True)
    (folder / "img" / "b").mkdir(parents=True)
    (folder / "img" / "a" / "scan.png").write_bytes(PNG + b"first")
    (folder / "img" / "b" / "scan.png").write_bytes(PNG + b"second")  # same name, other content
    (folder / "sound.mp3").write_bytes(b"ID3" + bytes(100))


MEDIA_CARDS = """\
      - id: with-image
        q: What does this show?
        a: A scan
        image: img/a/scan.png
      - id: same-name-other-file
        cloze: "{{c1::Another}} scan"
        image: img/b/scan.png
        audio: sound.mp3
"""


def test_media_reach_ankis_media_folder_byte_identical(tmp_path: Path, col: Collection) -> None:
    write_deck(tmp_path, MEDIA_CARDS)
    _files(tmp_path)
    result = run(["build", "t.yaml", "-o", "p.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "p.apkg")
    folder = Path(col.media.dir())
    expected = {
        media.resolve(tmp_path, "img/a/scan.png", "image")[0].name: PNG + b"first",  # type: ignore[union-attr]
        media.resolve(tmp_path, "img/b/scan.png", "image")[0].name: PNG + b"second",  # type: ignore[union-attr]
        media.resolve(tmp_path, "sound.mp3", "audio")[0].name: b"ID3" + bytes(100),  # type: ignore[union-attr]
    }
    assert len(expected) == 3
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == expected
    notes = notes_by_card_id(col)
    image_a, image_b, sound = expected
    question = col.get_card(notes["with-image"].card_ids()[0]).question()
    assert f'<img src="{image_a}" alt="">' in question
    cloze = col.get_card(notes["same-name-other-file"].card_ids()[0])
    assert f'<img src="{image_b}" alt="">' in cloze.question()
    assert [getattr(tag, "filename", None) for tag in cloze.question_av_tags()] == [sound]


def test_media_names_are_content_addressed(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(PNG)
    (tmp_path / "copy.png").write_bytes(PNG)
    first, _ = media.resolve(tmp_path, "x.png", "image")
    copy, _ = media.resolve(tmp_path, "copy.png", "image")
    (tmp_path / "x.png").write_bytes(PNG + b"edited")
    edited, _ = media.resolve(tmp_path, "x.png", "image")
    assert first is not None and copy is not None and edited is not None
    assert first.name.startswith("x_") and first.name.endswith(".png")
    assert first.name[2:] == copy.name[5:]  # same content, same hash
    assert edited.name != first.name


@pytest.mark.parametrize("stem,safe", [
    ("ct-scan", "ct-scan"), ("scan_2.v1", "scan_2.v1"),  # safe already: kept, so stored names do not change
    ("CT scan (axial) 1", "CT-scan-axial-1"), ("heart  murmur", "heart-murmur"), ("Röntgen Thorax", "Rontgen-Thorax"),
    ("a&b;[c]", "a-b-c-"), (".hidden", "hidden"), ("_anki", "anki"), ("脳 MRI", "MRI"), ("脳", "media"), ("", "media"),
    ("x" * 150, "x" * media.MAX_STEM),
])
def test_a_stored_name_is_safe_for_anki(stem: str, safe: str) -> None:
    assert media.safe_stem(stem) == safe


def test_a_file_name_anki_cannot_carry_is_stored_under_a_safe_name(tmp_path: Path, col: Collection) -> None:
    """The deck names the files as they are on disk; Anki gets safe names, each with the file's hash."""
    cards = "      - id: ct\n        q: What does this scan show?\n        a: A mass\n" \
            "        image: 'CT scan (axial) 1.png'\n        audio: sounds/heart murmur (loud).mp3\n"
    write_deck(tmp_path, cards)
    (tmp_path / "CT scan (axial) 1.png").write_bytes(PNG + b"ct")
    (tmp_path / "sounds").mkdir()
    (tmp_path / "sounds" / "heart murmur (loud).mp3").write_bytes(b"ID3" + bytes(50))
    result = run(["build", "t.yaml", "-o", "p.apkg"], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    import_apkg(col, tmp_path / "p.apkg")
    image = media.resolve(tmp_path, "CT scan (axial) 1.png", "image")[0]
    sound = media.resolve(tmp_path, "sounds/heart murmur (loud).mp3", "audio")[0]
    assert image is not None and sound is not None
    assert re.fullmatch(r"CT-scan-axial-1_[0-9a-f]{10}\.png", image.name)
    assert re.fullmatch(r"heart-murmur-loud-_[0-9a-f]{10}\.mp3", sound.name)
    folder = Path(col.media.dir())
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == {
        image.name: PNG + b"ct", sound.name: b"ID3" + bytes(50)}
    note = notes_by_card_id(col)["ct"]
    assert note["Media"] == f'<img src="{image.name}" alt="">[sound:{sound.name}]'
    card = col.get_card(note.card_ids()[0])
    assert f'<img src="{image.name}" alt="">' in card.question()
    assert [getattr(tag, "filename", None) for tag in card.question_av_tags()] == [sound.name]
    assert col.media.check().missing == []  # Anki finds every file its notes name


@pytest.mark.parametrize("value,fragment", [
    ("/etc/passwd.png", "is absolute"),
    ("../outside.png", "uses '..'"),
    ("missing.png", "not found"),
    ("folder.png", "is not a regular file"),
    ("notes.txt", "is not a known image type"),
    ("link.png", "outside the deck file's folder"),
    ("big.png", "the limit is 20,971,520 per file"),
])
def test_unsafe_or_broken_media_paths_are_errors_at_the_line(tmp_path: Path, value: str, fragment: str) -> None:
    deck_dir = tmp_path / "deck"
    deck = write_deck(deck_dir, f"      - id: c1\n        q: Q\n        a: A\n        image: '{value}'\n")
    (tmp_path / "outside.png").write_bytes(PNG)
    (deck_dir / "folder.png").mkdir()
    (deck_dir / "notes.txt").write_text("x")
    os.symlink(tmp_path / "outside.png", deck_dir / "link.png")
    with open(deck_dir / "big.png", "wb") as big:
        big.truncate(media.MAX_MEDIA_BYTES + 1)
    result = run(["build", deck.name, "-o", "out"], cwd=deck_dir)
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("t.yaml:15:16: error: section 's' > card 'c1': ")
    assert fragment in first
    assert not (deck_dir / "out").exists()


def test_a_link_inside_the_deck_folder_is_fine(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "      - id: c1\n        q: Q\n        a: A\n        image: alias.png\n")
    (tmp_path / "real.png").write_bytes(PNG)
    os.symlink(tmp_path / "real.png", tmp_path / "alias.png")
    assert run(["build", deck.name, "-o", "out"], cwd=tmp_path).exit_code == 0


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">',
                                  '<a href="javascript:alert(1)">x</a>'])
def test_card_text_cannot_inject_markup(tmp_path: Path, col: Collection, text: str) -> None:
    deck = write_deck(tmp_path, f"      - id: c1\n        q: '{text}'\n        a: A\n")
    assert run(["build", deck.name, "-o", "p.apkg"], cwd=tmp_path).exit_code == 0
    import_apkg(col, tmp_path / "p.apkg")
    question = col.get_card(col.find_cards("")[0]).question()
    assert text not in question
    assert text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in question
