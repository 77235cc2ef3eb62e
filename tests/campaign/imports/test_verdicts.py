"""The verdict vocabulary: one reading of winners and columns for the import and the CLI."""

from __future__ import annotations

import pytest

from campaign.imports.verdicts import (
    SCREEN_WORDS,
    WINNER_WORDS,
    our_columns,
    parse_winner,
    winners_accepted,
)


@pytest.mark.parametrize(
    ("winner", "verdict"),
    [
        ("a", -1),
        ("model_a", -1),
        (" B ", 1),
        ("model_b", 1),
        ("tie", 0),
        ("Tie (bothbad)", 0),
        (-2, -2),
        ("+2", 2),
        ("0", 0),
    ],
)
def test_winners_become_verdicts(winner, verdict):
    assert parse_winner(winner) == verdict


@pytest.mark.parametrize("winner", ["left", "right", 3, "-3", 1.0, True, None, "maybe", ""])
def test_anything_else_is_not_a_winner(winner):
    assert parse_winner(winner) is None


def test_left_and_right_are_only_read_where_the_reader_knows_the_left_column():
    assert parse_winner("left", screen_words=True) == -1
    assert parse_winner("Right", screen_words=True) == 1


def test_arena_columns_are_renamed_and_its_unused_ones_dropped():
    errors: list[str] = []
    row = {"question_id": "q", "judge": "j", "winner": "model_a", "turn": 1, "anony": True}

    assert our_columns(row, errors) == {"prompt": "q", "annotator": "j", "winner": "model_a"}
    assert errors == []


def test_every_column_after_an_unused_arena_column_is_still_read():
    row = {"tstamp": 1.5, "judge": "j", "turn": 1, "question_id": "q", "winner": "tie"}

    assert our_columns(row, []) == {"annotator": "j", "prompt": "q", "winner": "tie"}


def test_an_arena_row_naming_a_column_both_ways_is_an_error():
    errors: list[str] = []

    our_columns({"judge": "j", "annotator": "k", "question_id": "q", "winner": "a"}, errors)

    assert errors == ["give either 'annotator' or 'judge', not both"]


def test_a_row_in_our_format_comes_back_as_it_is():
    row = {"prompt": "q", "annotator": "j", "turn": 1}

    assert our_columns(row, []) is row


@pytest.mark.parametrize("screen_words", [False, True])
def test_the_error_message_names_exactly_the_winners_that_are_accepted(screen_words):
    # The message an uploader reads after a bad winner: each word it lists parses (as written),
    # and no accepted word is missing; left/right only where the reader knows the sides.
    words, integers = winners_accepted(screen_words=screen_words).split(" or ")
    listed = words.split(", ")

    expected = {**WINNER_WORDS, **SCREEN_WORDS} if screen_words else WINNER_WORDS
    assert sorted(listed) == sorted(expected)
    assert all(parse_winner(word, screen_words=screen_words) is not None for word in listed)
    assert integers == "an integer -2…+2"


def test_the_imports_message_does_not_offer_left_or_right():
    # An imported vote does not know which response was on the left, so the import (which
    # asks without arguments) refuses those words and must not suggest them.
    assert winners_accepted() == winners_accepted(screen_words=False)
