"""Did you mean …? The one place a misspelled word is matched to the closest of the words it could be.

Similarity is :mod:`difflib`'s ratio (imported only when a word is unknown): twice the matching characters
over the characters of both words. Each caller chooses how close is close enough: 0.6 (difflib's own
default) for rule ids, file names and tags; 0.7 and the same first letter for a deck's keys, so that a short
word is not led to a key with another meaning ('page' is not 'image').
"""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6, same_first_letter: bool = False) -> str | None:
    """The choice most like ``word``, at least ``cutoff`` alike (and, with ``same_first_letter``, starting
    with the same letter), or None. Of equally close choices, the one that sorts last."""
    import difflib  # only when a word is unknown

    if same_first_letter:
        choices = [choice for choice in choices if word and choice[:1] == word[0]]
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None
