"""``rcc-cards import``: an Anki file (``.apkg``, ``.colpkg``, collection; never modified) as a new deck of
the project: the deck file, a placeholder source to replace, and the media beside the other decks
(``decks/media/<key>/``). Nothing existing is replaced, and everything is written or nothing: the deck is
first checked as ``check`` would, in a scratch folder; a card ``check`` would refuse is left out and
reported. Nothing of the learner's scheduling is written.

Without ``--source``, the cards quote nothing (``quote-missing`` warns for each: the author grounds them
later), and the deck's source is a placeholder, ``sources/<key>.txt``, whose header says so: replace it with
the source text. With ``--source`` files, those are copied into ``sources/`` and are the deck's sources, and
each card that restates one of their sentences quotes it (:mod:`rcc_cards.importquotes`).
"""

from __future__ import annotations

import stat
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from rcc_cards import adopt, ankicollection, grounding, importquotes, lockfile, places, project, stamps, tags, writer
from rcc_cards.errors import RccCardsError, shown
from rcc_cards.loader import notetypes, spec
from rcc_cards.rules import attribution

MAX_CHECK_ROUNDS = 3


class ImportRefused(RccCardsError):
    """The import cannot be done as asked (which deck, a key in use, a file that exists, …)."""


class KeyRefused(ImportRefused):
    """``--key`` is not a valid deck key, or another deck's: a usage error (the command line shows it)."""


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
    copied: tuple[tuple[Path, Path], ...] = ()  # each --source file, and where it was copied ("" -> placeholder)
    grounded: int = 0  # cards written with a quote
    not_grounded: tuple[tuple[str, str], ...] = ()  # each card without one, and its best candidate ("" -> none)
    partial: tuple[tuple[str, str], ...] = ()  # each card quoting only the first part of a sentence, and it


class GivenSource(NamedTuple):
    """A ``--source`` file: where it is copied, its bytes, and how the deck and the rules name it."""

    path: Path
    target: Path
    data: bytes
    entry: adopt.SourceEntry
    text: importquotes.Source


def import_file(path: Path, decks: Path, deck: str | None = None, key: str | None = None,
                today: str = "", now: int | None = None, sources: Sequence[Path] = (),
                name: str | None = None) -> ImportReport:
    """Read ``path``, map its deck ``deck`` (default: its one top-level deck) and write it under ``decks``
    as deck ``key`` (default: from the deck's name); ``today`` is the import's date (ISO), for the source.
    ``sources``: the source texts to copy in as the deck's sources, whose sentences the cards quote.
    ``name``: the Anki deck the new deck's cards go into (default: the imported deck's own name). It must
    be one ``check`` accepts: Anki's ``Default`` deck is not, so a deck imported from ``Default`` needs one.
    A learner's existing cards stay in the deck they are in (Anki's import updates notes, it does not move
    their cards); only new cards go into ``name``."""
    now = stamps.build_timestamp() if now is None else now
    given = _given_sources(sources, decks, today)
    with ankicollection.opened(path) as opened:
        data = opened.data
        chosen = _choose(data, deck)
        deck_name = _deck_name(path, chosen, name)
        keys, ids, fronts, guids = _used(places.top_decks_folder(decks))
        key = _key(key, deck_name, keys)
        adopted = adopt.adopt(data, chosen, ids, _sizes(opened), fronts, guids)
        if not adopted.cards():
            raise ImportRefused(f"{shown(path)}: no note of deck '{chosen}' can be carried:",
                                *(f"  {line}" for line in adopted.dropped))
        media_paths = {name: f"media/{key}/{name}" for card in adopted.cards()
                       for name in (card.image, card.audio) if name}
        media = {media_paths[name]: opened.media(name) for name in sorted(media_paths)}
    adopted, best, partial = _ground(adopted, given)
    types_name = f"{key}.notetypes.json" if adopted.note_types else ""
    header = (_header(key, chosen, path, today) if not given else _sourced_header(key, chosen, path, today, given)
              )._replace(note_types_file=types_name, name=deck_name)
    deck_file = decks / f"{key}.yaml"
    source_file = given[0].target if given else decks / "sources" / f"{key}.txt"
    _refuse_existing(deck_file, None if given else source_file, decks / "media" / key if media else None,
                     decks / types_name if types_name else None)
    texts = ({f"sources/{g.target.name}": g.data for g in given} if given
             else {header.source_file: _placeholder(path, chosen, today).encode("utf-8")})
    types = {types_name: notetypes.text(adopted.note_types).encode("utf-8")} if types_name else {}
    adopted, text, lock = _checked(adopted, header, media_paths, texts, {**media, **types},
                                   {note.guid: note.mod for note in data.notes}, now)
    lock_file = decks / f"{key}{lockfile.LOCK_SUFFIX}"
    _refuse_existing(lock_file)
    sourced = tuple(WrittenFile(decks / name, data) for name, data in texts.items())
    files = (WrittenFile(deck_file, text.encode("utf-8")), *sourced, WrittenFile(lock_file, lock.encode("utf-8")),
             *(WrittenFile(decks / name, data) for name, data in types.items()),
             *(WrittenFile(decks / name, data) for name, data in media.items()
               if any(name in (media_paths.get(c.image), media_paths.get(c.audio)) for c in adopted.cards())))
    with writer.Staged() as staged:  # every file, or none
        for item in files:
            staged.add(item.path, item.data, exclusive=True)
        staged.commit()
    counts = [card.kind for card in adopted.cards()]
    kinds = {label: counts.count(kind) for kind, label in adopt.KIND_LABELS.items() if kind in counts}
    media_count = len(files) - 2 - len(sourced) - len(types)
    grounded = [card for card in adopted.cards() if card.quote]
    return ImportReport(path, chosen, key, deck_file, source_file, decks / "media" / key if media_count else None,
                        files, adopted.notes_read, kinds, adopted.dropped, media_count=media_count, lock_file=lock_file,
                        note_types_file=decks / types_name if types_name else None, notices=adopted.notices,
                        copied=tuple((g.path, g.target) for g in given), grounded=len(grounded),
                        not_grounded=tuple((card.id, best.get(card.id, "")) for card in adopted.cards()
                                           if given and not card.quote),
                        partial=tuple((card.id, partial[card.id]) for card in adopted.cards()
                                      if card.quote and card.id in partial))


def _given_sources(paths: Sequence[Path], decks: Path, today: str) -> list[GivenSource]:
    """Each ``--source`` file, read, with the name it gets in ``decks/sources/`` (its own, made unique
    there and among the others: never one that exists) and its key (from its name, unique)."""
    given: list[GivenSource] = []
    names: set[str] = set()
    keys: set[str] = set()
    folder = decks / "sources"
    for path in paths:
        data = _source_bytes(path)
        stem, suffix = path.stem or "source", path.suffix or ".txt"
        number, name = 1, f"{stem}{suffix}"
        while name.casefold() in names or (folder / name).exists():
            number += 1
            name = f"{stem}_{number}{suffix}"
        names.add(name.casefold())
        key = adopt.slug_key(stem, "source")
        key = adopt.unique(key if adopt.valid_key(key) else "source", keys, "_")
        raw = data.decode("utf-8")
        title = next((line.lstrip("#").strip() for line in raw.splitlines()[:1] if line.startswith("#")), "")
        entry = adopt.SourceEntry(key, title or path.name, f"sources/{name}",
                                  f"{attribution.MARKER}: the source's date (copied from {path.name} by "
                                  f"'rcc-cards import' on {today})")
        text = importquotes.Source(key, importquotes.source_text(repr(entry.file), raw), shown(folder / name))
        given.append(GivenSource(path, folder / name, data, entry, text))
    return given


def _source_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(f"--source {shown(path)} is not a regular file; give a UTF-8 text file")
        if info.st_size > grounding.MAX_SOURCE_BYTES:
            raise ImportRefused(f"--source {shown(path)} is {info.st_size:,} bytes; the limit is "
                                f"{grounding.MAX_SOURCE_BYTES:,}. Split it into several sources")
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError as exc:
        raise ImportRefused(f"cannot read --source {shown(path)}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"--source {shown(path)} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                            "a source must be a UTF-8 text file") from exc
    return data


def _ground(adopted: adopt.Adopted, given: Sequence[GivenSource]
            ) -> tuple[adopt.Adopted, dict[str, str], dict[str, str]]:
    """Each card with the source sentence it restates as its quote, when one passes; for each card
    without, its best candidate (as the report shows it; "" when no sentence shares a word with it); and
    each card that quotes only the first part of its sentence, with that sentence."""
    if not given:
        return adopted, {}, {}
    sources = [g.text for g in given]
    several = len(sources) > 1
    changed: dict[str, adopt.Card] = {}
    best: dict[str, str] = {}
    partial: dict[str, str] = {}
    context = importquotes.deck_context(adopted.cards())
    for card in adopted.cards():
        found = importquotes.find(card, sources, context)
        if found.quote:
            changed[card.id] = card._replace(quote=found.quote, source=found.source_key if several else "")
            if found.partial:
                partial[card.id] = str(found.best)
        else:
            best[card.id] = str(found.best) if found.best else ""
    return adopt.with_cards(adopted, changed), best, partial


def _choose(data: ankicollection.AnkiDeckData, deck: str | None) -> str:
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


def _deck_name(path: Path, chosen: str, name: str | None) -> str:
    """The new deck's Anki deck name: ``name``, else the imported deck's, when ``check`` accepts it."""
    problem = tags.deck_name_problem(chosen if name is None else name)
    if problem is None:
        return chosen if name is None else name
    if name is not None:
        raise ImportRefused(f"--name {name!r}: {problem}")
    raise ImportRefused(f"{shown(path)}: the Anki deck {chosen!r} cannot be the new deck's name: {problem}.",
                        "Give the new deck its name with --name NAME, e.g. --name 'Oncology::Renal cell cancer': "
                        "learners' existing cards stay where they are in Anki, only new cards go into NAME")


def _used(top: Path) -> tuple[set[str], set[str], dict[str, str], dict[str, str]]:
    """The deck keys and card ids (casefolded) of the project's decks, their cards' fronts, and the GUIDs
    their imported cards keep (each -> "card 'ID' of decks/KEY.yaml")."""
    if not top.is_dir() or not any(p.suffix in project.DECK_SUFFIXES for p in top.rglob("*")):
        return set(), set(), {}, {}
    loaded = project.load([top]).decks
    cards = [card for deck in loaded for card in deck.cards()]
    guids = {card.guid: f"card '{card.id}' of {shown(deck.file)}" for deck in loaded for card in deck.cards()
             if card.guid}
    return ({deck.key.casefold() for deck in loaded}, {card.id.casefold() for card in cards},
            {adopt.front_key(card.text or card.front): card.id for card in cards}, guids)


def _key(key: str | None, chosen: str, keys: set[str]) -> str:
    if key is None:
        return adopt.unique(adopt.slug_key(chosen, "imported"), keys, "_")
    if not spec.KEY_PATTERN.fullmatch(key):
        raise KeyRefused(f"--key {key!r} is not a valid deck key: use lowercase letters, digits and '_' "
                            "(e.g. biology); it names the deck file and every card's tag")
    if key.casefold() in keys:
        raise KeyRefused(f"--key {key!r} is already the key of a deck of this project; each deck needs its own. "
                            "Pick another key")
    return key


def _sizes(opened: ankicollection.OpenedDeck) -> dict[str, int]:
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
        as_of=f"{attribution.MARKER}: the source's date (a placeholder, imported from {path.name} on {today})",
        comments=(f"Imported by 'rcc-cards import {path.name}' on {today} from the Anki deck {chosen!r}.",
                  f"The source, sources/{key}.txt, is a placeholder: replace it with the text these cards",
                  "come from, then give each card the sentence it comes from as its 'quote' (quote-missing",
                  "warns until then) and run 'rcc-cards check'.",
                  "Each card's 'guid' and 'note_type' keep its note in Anki, with its reviews: keep them, also when",
                  "you rename the card."))


def _sourced_header(key: str, chosen: str, path: Path, today: str, given: Sequence[GivenSource]) -> adopt.Header:
    names = ", ".join(g.entry.file for g in given)
    return adopt.Header(
        key=key, name=chosen, source_title=given[0].entry.title, source_file=given[0].entry.file,
        as_of=given[0].entry.as_of, sources=tuple(g.entry for g in given),
        comments=(f"Imported by 'rcc-cards import {path.name}' on {today} from the Anki deck {chosen!r}, with the",
                  f"source{'s' if len(given) > 1 else ''} {names}: each card that restates one of its sentences "
                  "quotes it;",
                  "give each other card the sentence it comes from as its 'quote' (quote-missing warns until then),",
                  "set each source's as_of, and run 'rcc-cards check'.",
                  "Each card's 'guid' and 'note_type' keep its note in Anki, with its reviews: keep them, also when",
                  "you rename the card."))


def _placeholder(path: Path, chosen: str, today: str) -> str:
    return (f"# PLACEHOLDER, to replace: written by 'rcc-cards import {path.name}' on {today} for the cards of\n"
            f"# the Anki deck {chosen!r}. Replace everything below with the source text these cards come from\n"
            "# (UTF-8, verbatim), complete this header, and set the deck's source title and as_of.\n"
            f"# Source: {attribution.MARKER}: who published this text, and where (URL or citation)\n"
            f"# {attribution.MARKER}: its date, and the licence or permission to copy it.\n"
            "# Lines starting with '#' are this header.\n\n"
            "This placeholder is not a source text; replace it with the text the imported cards come from.\n")


def _checked(adopted: adopt.Adopted, header: adopt.Header, media_paths: Mapping[str, str], sources: Mapping[str, bytes],
             media: Mapping[str, bytes], mods: Mapping[str, int], now: int) -> tuple[adopt.Adopted, str, str]:
    """The deck's text once ``check`` finds no error in it, and its first lock file (each card stamped with
    its note's time in Anki: ``mods`` by GUID): a card with an error is left out (and reported); an error
    elsewhere refuses the import."""
    for _ in range(MAX_CHECK_ROUNDS):
        written = adopt.deck_text(adopted, header, media_paths)
        errors, lock = _errors(written.text, header, sources, media, mods, now)
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


def _errors(text: str, header: adopt.Header, sources: Mapping[str, bytes], media: Mapping[str, bytes],
            mods: Mapping[str, int], now: int) -> tuple[list[tuple[int, str]], str]:
    with tempfile.TemporaryDirectory(prefix="rcc-cards-import-") as scratch:
        folder = Path(scratch)
        deck = folder / f"{header.key}.yaml"
        try:
            for name, data in {**sources, **media}.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
            deck.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ImportRefused(f"cannot check the new deck in {scratch}: {exc.strerror or exc}") from exc
        loaded = project.load([deck])
        errors = [(p.line, p.message) for p in loaded.problems if p.is_error]
        lock = stamps.adopted_lock_text(loaded.decks[0], mods, now) if not errors and loaded.decks else ""
        return errors, lock
