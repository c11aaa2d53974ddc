"""The one did-you-mean helper: how close is close enough, and the first-letter rule for keys."""

from __future__ import annotations

from rcc_cards.suggest import closest


def test_the_closest_word_at_least_as_alike_as_the_cutoff() -> None:
    assert closest("answer-to-long", ["answer-too-long", "yes-no-answer"]) == "answer-too-long"
    assert closest("xyz", ["answer-too-long", "yes-no-answer"]) is None
    assert closest("ansr", ["answer"], cutoff=0.6) == "answer"  # 0.8 alike
    assert closest("ansr", ["answer"], cutoff=0.9) is None


def test_same_first_letter_keeps_a_short_word_from_a_key_of_another_meaning() -> None:
    assert closest("page", ["image"]) == "image"  # 0.67 alike, but ...
    assert closest("page", ["image"], same_first_letter=True) is None  # ... not the same first letter
    assert closest("anwser", ["a", "answer"], cutoff=0.7, same_first_letter=True) == "answer"
    assert closest("", ["a"], same_first_letter=True) is None


def test_of_equally_close_words_the_one_that_sorts_last() -> None:
    assert closest("abc", ["abe", "abd"]) == "abe"
