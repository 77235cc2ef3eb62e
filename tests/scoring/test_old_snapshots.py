"""Snapshots stored by earlier scoring versions are shown by today's rules."""

from __future__ import annotations

from scoring.leaderboard import without_figures_from_no_gold


def test_an_accuracy_without_any_gold_seen_is_shown_as_none():
    # Before SCORING_VERSION 2 a participant who met no gold kept the prior's 50%.
    old = {"handle": "otter", "gold_seen": 0, "accuracy": 0.5, "accuracy_lower": 0.025}

    assert without_figures_from_no_gold(old) == {
        "handle": "otter",
        "gold_seen": 0,
        "accuracy": None,
        "accuracy_lower": None,
    }


def test_a_measured_accuracy_and_a_row_already_without_one_are_kept():
    measured = {"gold_seen": 4, "accuracy": 0.75, "accuracy_lower": 0.4}
    empty = {"gold_seen": 0, "accuracy": None, "accuracy_lower": None}

    assert without_figures_from_no_gold(measured) == measured
    assert without_figures_from_no_gold(empty) == empty
