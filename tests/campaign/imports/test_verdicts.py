"""The verdict vocabulary: one reading of winners and columns for the import and the CLI."""

from __future__ import annotations

import pytest

from campaign.imports.verdicts import our_columns, parse_winner


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


def test_a_row_in_our_format_comes_back_as_it_is():
    row = {"prompt": "q", "annotator": "j", "turn": 1}

    assert our_columns(row, []) is row
