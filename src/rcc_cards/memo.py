"""What a run remembers while it works: one interface, :class:`Memo`, that the stages ask instead of keeping
caches of their own.

A stage that can reuse a result asks ``memo.get_or_compute(kind, key, compute)``: the value remembered for
``(kind, key)``, or ``compute()``, remembered. The key says everything the value depends on, by content
(text, bytes, a file's metadata where the value is that file's digest) or by an object it holds
(:class:`Same`), so a remembered value is always the one ``compute()`` would give; forgetting is only ever
a matter of speed.

- :data:`NO_MEMO` remembers nothing: every call computes (the default of every stage).
- :class:`Generations` is the one real memory, with one eviction policy: it keeps what was asked for in the
  current cycle and in the last one that asked for anything (:meth:`Generations.new_cycle`). A build makes
  one for its whole run (its steps ask about the same sources and cards in turn); a watch session keeps one
  across its cycles (:mod:`rcc_cards.watch`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
Obj = TypeVar("Obj")


class Memo(Protocol):
    def get_or_compute(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The value remembered for ``(kind, key)``, else ``compute()`` (remembered, where anything is)."""
        ...


class _NoMemo:
    def get_or_compute(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        return compute()


NO_MEMO: Memo = _NoMemo()


_MISSING = object()


class Hashed(tuple):  # type: ignore[type-arg]  # any values
    """A tuple whose hash is worked out once: for a key part that many keys share (a deck's settings, what of
    a deck every note shows), which a tuple would hash again in every key it is in."""

    def __init__(self, items: object) -> None:
        self._hash = tuple.__hash__(self)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or tuple.__eq__(self, other)

    __ne__ = object.__ne__


class Generations:
    """Remembers every value asked for in the current cycle or the last one: a value nobody asked for in a
    whole cycle is dropped at the start of the next (so memory follows what the decks are now). Values of
    the kinds in ``not_kept`` are always computed (see :func:`one_run`)."""

    def __init__(self, not_kept: frozenset[str] = frozenset()) -> None:
        self._current: dict[tuple[str, Hashable], object] = {}
        self._older: dict[tuple[str, Hashable], object] = {}
        self._not_kept = not_kept

    def get_or_compute(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        if kind in self._not_kept:
            return compute()
        name = (kind, key)
        value = self._current.get(name, _MISSING)
        if value is _MISSING:
            value = self._older.pop(name, _MISSING)
            if value is _MISSING:
                value = compute()
            self._current[name] = value
        return value  # type: ignore[return-value]  # stored by this method, for this kind

    def new_cycle(self) -> None:
        """Start a cycle: what the last one asked for stays one more cycle; the rest is dropped. A cycle that
        asked for nothing (a build found up to date) drops nothing."""
        if self._current:
            self._older, self._current = self._current, {}


# What one card's rules and one note's fields give: a run that builds once asks for each only once.
PER_CARD = frozenset({"card", "fields"})


def one_run() -> Generations:
    """The memo of a run that builds once (a command other than ``build --watch``): it keeps what the run's
    steps ask for more than once (a deck's sources, its coverage, each lock file's text, each card's fronts),
    not each card's own results, which only a later cycle would ask for again (keeping them made a
    10,000-card 'check' about a tenth slower, and bigger)."""
    return Generations(PER_CARD)


class Same(Generic[Obj]):
    """A key part that stands for one object, by identity, and holds it (so its id cannot be reused by
    another object while the key is remembered): for values too large to compare by content, such as a
    deck, the same object as before means the same content."""

    __slots__ = ("obj",)

    def __init__(self, obj: Obj) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj

    def __repr__(self) -> str:
        return f"Same({type(self.obj).__name__} at {id(self.obj):#x})"
