"""``rcc-cards import``: an Anki file (``.apkg``, ``.colpkg``, collection; never modified) as a new deck of
the project: the deck file, a placeholder source to replace, and the media beside the other decks
(``decks/media/<key>/``). Nothing existing is replaced, and everything is written or nothing: the deck is
first checked as ``check`` would, in a scratch folder; a card ``check`` would refuse is left out and
reported. Nothing of the learner's scheduling is written.

The cards quote nothing (``quote-missing`` warns for each: the author grounds them later), and the deck's
source is a placeholder, ``sources/<key>.txt``, whose header says so: replace it with the source text.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from rcc_cards import adopt, ankiread, lockfile, places, project, stamps, writer
from rcc_cards.errors import RccCardsError, shown
from rcc_cards.loader import notetypes, spec

MAX_CHECK_ROUNDS = 3


class ImportRefused(RccCardsError):
    """The import cannot be done as asked (which deck, a key in use, a file that exists, …)."""


class WrittenFile(NamedTuple):
    path: Path
    data: bytes


class ImportReport(NamedTuple):
    """What was read and written, and every note or part of one not carried, with the reason."""

    source: Path
    deck_name: str
    key: str
    deck_file: Path
    source_file: Path
    media_folder: Path | None
    files: tuple[WrittenFile, ...]
    notes_read: int
    cards_by_kind: dict[str, int]  # "q/a", "q/a with reverse", "cloze" -> number of cards written
    dropped: tuple[adopt.Dropped, ...]
    media_count: int = 0
    lock_file: Path = Path()  # the deck's first lock file
    note_types_file: Path | None = None  # the Anki note types the cards keep, when any
    notices: tuple[str, ...] = ()  # what keeping them changes


def import_file(path: Path, decks: Path, deck: str | None = None, key: str | None = None,
                today: str = "", now: int | None = None) -> ImportReport:
    """Read ``path``, map its deck ``deck`` (default: its one top-level deck) and write it under ``decks``
    as deck ``key`` (default: from the deck's name); ``today`` is the import's date (ISO), for the source."""
    now = stamps.build_timestamp() if now is None else now
    with ankiread.opened(path) as opened:
        data = opened.data
        chosen = _choose(data, deck)
        keys, ids, fronts = _used(places.top_decks_folder(decks))
        key = _key(key, chosen, keys)
        adopted = adopt.adopt(data, chosen, ids, _sizes(opened), fronts)
        if not adopted.cards():
            raise ImportRefused(f"{shown(path)}: no note of deck '{chosen}' can be carried:",
                                *(f"  {line}" for line in adopted.dropped))
        media_paths = {name: f"media/{key}/{name}" for card in adopted.cards()
                       for name in (card.image, card.audio) if name}
        media = {media_paths[name]: opened.media(name) for name in sorted(media_paths)}
    types_name = f"{key}.notetypes.json" if adopted.note_types else ""
    header = _header(key, chosen, path, today)._replace(note_types_file=types_name)
    deck_file, source_file = decks / f"{key}.yaml", decks / "sources" / f"{key}.txt"
    _refuse_existing(deck_file, source_file, decks / "media" / key if media else None,
                     decks / types_name if types_name else None)
    source_text = _placeholder(path, chosen, today).encode("utf-8")
    types = {types_name: notetypes.text(adopted.note_types).encode("utf-8")} if types_name else {}
    adopted, text, lock = _checked(adopted, header, media_paths, source_text, {**media, **types},
                                   {note.guid: note.mod for note in data.notes}, now)
    lock_file = decks / f"{key}{lockfile.LOCK_SUFFIX}"
    _refuse_existing(lock_file)
    files = (WrittenFile(deck_file, text.encode("utf-8")), WrittenFile(source_file, source_text),
             WrittenFile(lock_file, lock.encode("utf-8")),
             *(WrittenFile(decks / name, data) for name, data in types.items()),
             *(WrittenFile(decks / name, data) for name, data in media.items()
               if any(name in (media_paths.get(c.image), media_paths.get(c.audio)) for c in adopted.cards())))
    with writer.Staged() as staged:  # every file, or none
        for item in files:
            staged.add(item.path, item.data, exclusive=True)
        staged.commit()
    counts = [card.kind for card in adopted.cards()]
    kinds = {label: counts.count(kind) for kind, label in adopt.KIND_LABELS.items() if kind in counts}
    media_count = len(files) - 3 - len(types)
    return ImportReport(path, chosen, key, deck_file, source_file, decks / "media" / key if media_count else None,
                        files, adopted.notes_read, kinds, adopted.dropped, media_count=media_count, lock_file=lock_file,
                        note_types_file=decks / types_name if types_name else None, notices=adopted.notices)


def _choose(data: ankiread.AnkiDeckData, deck: str | None) -> str:
    tops = adopt.top_decks(data)
    listed = [f"  {name} ({count} note{'s' if count != 1 else ''})" for name, count in tops.items()]
    if deck is not None:
        found = adopt.find_deck(data, deck)
        if found is None:
            raise ImportRefused(f"{shown(data.path)}: no deck named {deck!r} holds notes; its top-level decks:",
                                *listed, "name one with --deck NAME ('::' between levels picks a subdeck)")
        return found
    if len(tops) == 1:
        return next(iter(tops))
    raise ImportRefused(f"{shown(data.path)}: it holds {len(tops)} top-level decks; pick one with --deck NAME:",
                        *listed)


def _used(top: Path) -> tuple[set[str], set[str], dict[str, str]]:
    """The deck keys and card ids (casefolded) of the project's decks, and their cards' fronts."""
    if not top.is_dir() or not any(p.suffix in project.DECK_SUFFIXES for p in top.rglob("*")):
        return set(), set(), {}
    loaded = project.load([top]).decks
    cards = [card for deck in loaded for card in deck.cards()]
    return ({deck.key.casefold() for deck in loaded}, {card.id.casefold() for card in cards},
            {adopt.front_key(card.text or card.front): card.id for card in cards})


def _key(key: str | None, chosen: str, keys: set[str]) -> str:
    if key is None:
        return adopt.unique(adopt.slug_key(chosen, "imported"), keys, "_")
    if not spec.KEY_PATTERN.fullmatch(key):
        raise ImportRefused(f"--key {key!r} is not a valid deck key: use lowercase letters, digits and '_' "
                            "(e.g. biology); it names the deck file and every card's tag")
    if key.casefold() in keys:
        raise ImportRefused(f"--key {key!r} is already the key of a deck of this project; each deck needs its own. "
                            "Pick another key")
    return key


def _sizes(opened: ankiread.OpenedDeck) -> dict[str, int]:
    sizes = {}
    for name in opened.data.media_names:
        try:
            sizes[name] = (opened.media_dir / name).stat().st_size
        except OSError:
            continue
    return sizes


def _refuse_existing(*paths: Path | None) -> None:
    for path in paths:
        if path is not None and (path.exists() or path.with_suffix(".yml").exists() and path.suffix == ".yaml"):
            raise ImportRefused(f"{shown(path)} already exists; rcc-cards never overwrites a file. "
                                "Name the new deck with --key KEY")


def _header(key: str, chosen: str, path: Path, today: str) -> adopt.Header:
    return adopt.Header(
        key=key, name=chosen, source_title=f"Placeholder for the source of {chosen}",
        source_file=f"sources/{key}.txt",
        as_of=f"unknown: imported from {path.name} on {today}; replace with the source's date",
        comments=(f"Imported by 'rcc-cards import {path.name}' on {today} from the Anki deck {chosen!r}.",
                  f"The source, sources/{key}.txt, is a placeholder: replace it with the text these cards",
                  "come from, then give each card the sentence it comes from as its 'quote' (quote-missing",
                  "warns until then) and run 'rcc-cards check'.",
                  "Each card's 'guid' and 'note_type' keep its note in Anki, with its reviews: keep them, also when",
                  "you rename the card."))


def _placeholder(path: Path, chosen: str, today: str) -> str:
    return (f"# PLACEHOLDER, to replace: written by 'rcc-cards import {path.name}' on {today} for the cards of\n"
            f"# the Anki deck {chosen!r}. Replace everything below with the source text these cards come from\n"
            "# (UTF-8, verbatim), complete this header (title, who published it and where, its date, the\n"
            "# licence), and set the deck's source title and as_of. Lines starting with '#' are this header.\n\n"
            "This placeholder is not a source text; replace it with the text the imported cards come from.\n")


def _checked(adopted: adopt.Adopted, header: adopt.Header, media_paths: Mapping[str, str], source: bytes,
             media: Mapping[str, bytes], mods: Mapping[str, int], now: int) -> tuple[adopt.Adopted, str, str]:
    """The deck's text once ``check`` finds no error in it, and its first lock file (each card stamped with
    its note's time in Anki: ``mods`` by GUID): a card with an error is left out (and reported); an error
    elsewhere refuses the import."""
    for _ in range(MAX_CHECK_ROUNDS):
        written = adopt.deck_text(adopted, header, media_paths)
        errors, lock = _errors(written.text, header, source, media, mods, now)
        if not errors:
            return adopted, written.text, lock
        outside = [f"{line}: {message}" for line, message in errors if line not in written.card_lines]
        if outside:
            raise ImportRefused(*(f"the deck, line {entry}" for entry in outside),
                                "nothing was written: the deck would not pass 'rcc-cards check'")
        reasons: dict[str, str] = {}
        for line, message in errors:
            reasons.setdefault(written.card_lines[line], message)
        adopted = adopt.without(adopted, reasons)
    raise ImportRefused("nothing was written: the deck would not pass 'rcc-cards check'")


def _errors(text: str, header: adopt.Header, source: bytes, media: Mapping[str, bytes], mods: Mapping[str, int],
            now: int) -> tuple[list[tuple[int, str]], str]:
    with tempfile.TemporaryDirectory(prefix="rcc-cards-import-") as scratch:
        folder = Path(scratch)
        deck = folder / f"{header.key}.yaml"
        try:
            for name, data in {header.source_file: source, **media}.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
            deck.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ImportRefused(f"cannot check the new deck in {scratch}: {exc.strerror or exc}") from exc
        loaded = project.load([deck])
        errors = [(p.line, p.message) for p in loaded.problems if p.is_error]
        lock = stamps.adopted_lock_text(loaded.decks[0], mods, now) if not errors and loaded.decks else ""
        return errors, lock
