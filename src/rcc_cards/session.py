"""What a watch session remembers between builds, in memory only (nothing is cached on disk, so nothing can
go stale between runs).

Each cycle of ``build --watch`` is a full build whose every step asks the session first:

- **files**: a deck file whose bytes did not change, and whose sources and media did not change either,
  is not read or parsed again: the same :class:`~rcc_cards.model.Deck` object is reused (a changed image
  changes the name it has in Anki, so it counts as a change of the deck);
- **rules**: a reused deck's per-deck and per-card rule results are reused; rules across decks (unique
  ids, duplicate fronts) run again over every deck, from per-card values that are themselves remembered;
- **stamps**: a reused deck whose lock file is the one this session wrote is not compared with its lock
  again (nothing in it changed);
- **packages**: a package none of whose decks changed, still as this session wrote it, is not rebuilt.

Everything is keyed by object identity or file metadata checked against what this session saw or wrote,
so the result of every cycle is the result of a fresh build (a property test compares the bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from rcc_cards import buildcache, loader, reads
from rcc_cards.errors import Problem
from rcc_cards.loader import patch
from rcc_cards.model import Card, Deck
from rcc_cards.reads import Signature, signature

T = TypeVar("T")
_MISSING = object()


class Session:
    def __init__(self) -> None:
        self.files: dict[str, tuple[dict[Path, Signature | None], Deck | None, list[Problem]]] = {}
        self.results: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # (what, id(deck), …) -> (deck, value)
        self.written: dict[Path, Signature | None] = {}  # files this session wrote, as it left them
        self.digests: dict[Path, tuple[Signature | None, str | None]] = {}
        self.outputs: dict[Path, object] = {}  # the builder's report of each package it last wrote
        self.cards: dict[object, object] = {}  # per-card results of this cycle (and, below, of the last)
        self.older: dict[object, object] = {}
        self.texts: dict[str, str] = {}  # the text of each deck file that last loaded without a problem

    # -- files ----------------------------------------------------------------------------------------
    def load(self, path: Path, shown: str) -> tuple[Deck | None, list[Problem]]:
        """:func:`rcc_cards.loader.load_file`, or its last result when no file it depends on changed since;
        the file is read once either way."""
        key = str(path.resolve())
        known = self.files.get(key)
        if known is not None and all(signature(p) == sig for p, sig in known[0].items()):
            for p, sig in known[0].items():
                reads.note(p, sig)
            return known[1], known[2]
        before = reads.before_reading(path)
        text, problems = loader.read_text(path, shown)
        deck = self._one_card_edited(key, path, shown, known, text) if text is not None and not problems else None
        if deck is None and text is not None:
            deck, problems = loader.load_text(shown, path, text, problems)
        watched = {path: before}
        if deck is not None:
            watched.update((p, reads.before_reading(p)) for p in deck.referenced_files())
        self.files[key] = (watched, deck, problems)
        if deck is None or problems or text is None:
            self.texts.pop(key, None)
        else:
            self.texts[key] = text
        return deck, problems

    def _one_card_edited(self, key: str, path: Path, shown: str,
                         known: tuple[dict[Path, Signature | None], Deck | None, list[Problem]] | None,
                         text: str) -> Deck | None:
        """The deck with only its edited card read again (:mod:`rcc_cards.loader.patch`), when the last
        version loaded without problems, only the deck file changed, ``text`` (the file's new text) passed
        the character checks, and the edit lies inside one card."""
        if known is None or known[1] is None or known[2] or key not in self.texts:
            return None
        if any(signature(p) != sig for p, sig in known[0].items() if p != path):
            return None  # a source or an image changed too: read everything
        return patch.reload(shown, path, known[1], self.texts[key], text)

    # -- results keyed by a deck object ---------------------------------------------------------------
    def remembered(self, what: str, deck: Deck, *extra: object) -> Any:
        """The value remembered for ``(what, deck, *extra)``, or None (the deck object must be the same one)."""
        entry = self.results.get((what, id(deck), *extra))
        return entry[1] if entry is not None and entry[0] is deck else None

    def remember(self, what: str, deck: Deck, value: object, *extra: object) -> None:
        self.results[(what, id(deck), *extra)] = (deck, value)

    def forget_all_but(self, decks: Iterable[Deck]) -> None:
        """Drop what belongs to decks no longer in use (their objects may be freed and their ids reused)."""
        alive = {id(d) for d in decks}
        self.results = {k: v for k, v in self.results.items() if k[1] in alive}

    # -- results per card -----------------------------------------------------------------------------
    def per_card(self, context: tuple[object, ...], card: Card, compute: Callable[[Card], T]) -> T:
        """``compute(card)``, remembered for this card (all of it, where it is included) in ``context``."""
        return self._per((context, card[:-1], tuple(card.key_locs.items())), card, compute)

    def per_content(self, context: tuple[object, ...], card: Card, compute: Callable[[Card], T]) -> T:
        """``compute(card)``, remembered for what the card says, wherever it is (its place does not count)."""
        return self._per((context, card[:-2]), card, compute)  # every field but where it was written

    def _per(self, key: tuple[object, ...], card: Card, compute: Callable[[Card], T]) -> T:
        known = self.cards.get(key, _MISSING)
        if known is _MISSING:
            known = self.older.get(key, _MISSING)
            if known is _MISSING:
                known = compute(card)
            self.cards[key] = known
        return known  # type: ignore[return-value]

    def new_cycle(self) -> None:
        """Keep per-card results from the last two cycles only (a deck being edited asks again next time)."""
        self.older, self.cards = self.cards, {}

    # -- files this session wrote ---------------------------------------------------------------------
    def wrote(self, paths: Iterable[Path]) -> None:
        """The build's outputs and lock files, as it left them (a lock file it did not rewrite: as it read it)."""
        for path in paths:
            self.written[path] = reads.as_built(path)

    def still_as_written(self, path: Path) -> bool:
        known = self.written.get(path)
        if known is None or signature(path) != known:
            return False
        reads.note(path, known)
        return True

    def digest(self, path: Path) -> str | None:
        """The file's SHA-256, computed again only when its metadata changed."""
        sig = signature(path)
        known = self.digests.get(path)
        if known is not None and known[0] == sig and sig is not None:
            return known[1]
        value = buildcache.file_digest(path)
        self.digests[path] = (sig, value)
        return value
