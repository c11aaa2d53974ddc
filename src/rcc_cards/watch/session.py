"""What a watch session remembers between builds, in memory only (nothing is cached on disk, so nothing can
go stale between runs).

Each cycle of ``build --watch`` is a full build (:func:`rcc_cards.builder.build`) given two things:

- **a memo** (:class:`rcc_cards.memo.Generations`) kept across cycles: the steps keep in it what they may
  reuse (each card's rule results and rendered fields, each source's sentences, each deck's coverage and
  preview, its stamps against the lock file a build left, each package as a build left it), keyed by
  content or by the objects they are about; what no cycle asked for since the last one is dropped;
- **a deck reader** (:meth:`Session.read`): a deck file whose bytes did not change, and whose sources and
  media did not change either, is not read or parsed again: the same :class:`~rcc_cards.model.Deck` object
  is reused (a changed image changes the name it has in Anki, so it counts as a change of the deck); a deck
  file edited inside one card has only that card read again (:mod:`.patch`).

So the result of every cycle is the result of a fresh build (a property test compares the bytes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from rcc_cards import builder, loader, project, reads
from rcc_cards.errors import Problem
from rcc_cards.memo import Generations
from rcc_cards.model import Deck
from rcc_cards.reads import Signature, signature
from rcc_cards.watch import patch

_Known = tuple[dict[Path, Signature | None], Deck | None, list[Problem]]  # what was read, the deck, problems


class Session:
    def __init__(self) -> None:
        self.memo = Generations()
        self.reuse = project.Reuse(self.memo, self.read)
        self.files: dict[str, _Known] = {}
        self.texts: dict[str, str] = {}  # the text of each deck file that last loaded without a problem
        self._built = True

    # -- the steps, with what the session remembers -----------------------------------------------------
    def build(self, options: builder.BuildOptions, files: project.DeckFiles | None = None, now: int | None = None,
              progress: Callable[[str], None] | None = None, preview: Path | None = None) -> builder.BuildReport:
        """:func:`rcc_cards.builder.build`, one cycle of the session (a cycle found up to date, which asks
        about nothing, does not count: it does not age what the session remembers)."""
        if self._built:
            self.memo.new_cycle()
        report = builder.build(options, files, now, progress, self.reuse, preview)
        self._built = report.loaded is not None
        return report

    def load(self, paths: Sequence[Path], files: project.DeckFiles | None = None) -> project.Loaded:
        """:func:`rcc_cards.project.load`, with what the session remembers."""
        return project.load(paths, files, self.reuse)


    # -- deck files -------------------------------------------------------------------------------------
    def read(self, path: Path, shown: str) -> tuple[Deck | None, list[Problem]]:
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

    def _one_card_edited(self, key: str, path: Path, shown: str, known: _Known | None, text: str) -> Deck | None:
        """The deck with only its edited card read again (:mod:`.patch`), when the last version loaded without
        problems, only the deck file changed, ``text`` (the file's new text) passed the character checks,
        and the edit lies inside one card."""
        if known is None or known[1] is None or known[2] or key not in self.texts:
            return None
        if any(signature(p) != sig for p, sig in known[0].items() if p != path):
            return None  # a source or an image changed too: read everything
        return patch.reload(shown, path, known[1], self.texts[key], text)
