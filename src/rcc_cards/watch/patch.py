"""Reading one edited card again instead of the whole file (watch mode, :mod:`rcc_cards.watch.session`).

When the lines that changed between two versions of a deck file lie inside one card, only that card's
lines are parsed and read; the other cards are kept, moved by the number of lines the edit added or
removed. Anything else (an edit across cards, in a section or the deck header, a problem anywhere, text
that needs the character checks) answers None, and the whole file is read as usual. A property test
compares the result with reading the whole file.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from rcc_cards.loader import parse
from rcc_cards.loader.cards import read_card
from rcc_cards.loader.nodes import Mapping, Node, Sequence
from rcc_cards.model import Card, Deck, Loc, Section


def reload(name: str, path: Path, deck: Deck, old: str, new: str) -> Deck | None:
    """``deck`` (read without problems from the text ``old``) with the one card that ``new`` changes read
    again, or None. ``new`` has passed the character checks (:func:`.decode.decode`) without a problem."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    head = 0
    limit = min(len(old_lines), len(new_lines))
    while head < limit and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_lines[-1 - tail] == new_lines[-1 - tail]:
        tail += 1
    if head == len(old_lines) == len(new_lines):
        return deck  # the same text
    cards = list(deck.cards())
    index = max((i for i, c in enumerate(cards) if c.loc.line - 1 <= head), default=None)
    if index is None:
        return None
    card = cards[index]
    start, dash = card.loc.line - 1, card.loc.col - 3  # the card's '- ' line, and the column of its '-'
    if dash < 0 or old_lines[start][dash:dash + 2] != "- " or old_lines[start][:dash].strip():
        return None
    end = _item_end(old_lines, start, dash)
    delta = len(new_lines) - len(old_lines)
    if len(old_lines) - tail > end or new_lines[start][:dash + 2] != old_lines[start][:dash + 2]:
        return None  # the edit reaches past this card, or changes where it starts
    chunk = new_lines[start:end + delta]
    if any(line[:dash].strip() for line in chunk):
        return None
    root, problems = parse(name, "\n".join(line[dash:] for line in chunk) + "\n")
    if problems or not isinstance(root, Sequence) or len(root.items) != 1:
        return None
    node = root.items[0]
    _move(node, start, dash)
    new_card, problems = read_card(name, path, deck, node, card)
    if new_card is None or problems or new_card.id != card.id:
        return None
    return _replaced(deck, card, new_card, end, delta)


def _item_end(lines: list[str], start: int, dash: int) -> int:
    """The line after the list item that starts at ``start``: the next line, not blank or a comment, that
    is indented no deeper than its '-'."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.lstrip(" ")
        if stripped and not stripped.startswith("#") and len(line) - len(stripped) <= dash:
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines after the card belong to no card
    return end


def _move(node: Node, lines: int, cols: int) -> None:
    """Place a node read from the card's lines alone where it is in the file."""
    stack = [node]
    while stack:
        item = stack.pop()
        item.line += lines
        item.col += cols
        if isinstance(item, Mapping):
            for key, value in item.pairs:
                stack += [key, value]
        elif isinstance(item, Sequence):
            stack += item.items


def _replaced(deck: Deck, old: Card, new: Card, end: int, delta: int) -> Deck:
    """``deck`` with ``old`` replaced by ``new``, and everything from line ``end`` (0-based) moved by ``delta``."""
    after = end + 1  # 1-based: the first line after the card

    def loc(at: Loc) -> Loc:
        return at._replace(line=at.line + delta) if delta and at.line >= after else at

    def card(c: Card) -> Card:
        if c is old:
            return new
        if not delta or c.loc.line < after:
            return c
        return c._replace(loc=loc(c.loc), key_locs=MappingProxyType(
            {k: (line + delta, col) for k, (line, col) in c.key_locs.items()}))

    def section(s: Section) -> Section:
        return s._replace(cards=tuple(map(card, s.cards)), sections=tuple(map(section, s.sections)), loc=loc(s.loc))

    return deck._replace(sections=tuple(map(section, deck.sections)))
