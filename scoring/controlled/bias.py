"""The ``position_bias`` analysis: the left side's advantage over the counted votes.

Stored as ``Snapshot.analysis["position_bias"]`` =
``{"left_advantage", "ci_lower", "ci_upper", "left_win_share", "votes", "measurable"}``:
Elo points the left side is worth with its 95% profile-likelihood interval (null when there
are no votes or the interval is unbounded), the left side's share of the points (wins + ties
/ 2), the counted votes, and whether the interval excludes zero (scoring.numerics.bias).
Imported votes carry no placement (scoring.campaign_data gives them one by id parity), so
on them the estimate is, rightly, near zero. Per-annotator left shares stay a flag
(scoring.numerics.flags).
"""

from __future__ import annotations

from typing import Any

from scoring.extras import Extra, ScoringRun, register, row_dict
from scoring.numerics.bias import position_bias_of_sides


def compute(run: ScoringRun, _facts: None) -> dict[str, Any]:
    # The counted votes per (a, b, side, outcome): the run's vote cells.
    bias = position_bias_of_sides(run.cells.sides, n_contenders=len(run.names))
    return {**row_dict(bias), "measurable": bias.measurable}


register(Extra(name="position_bias", kind="analysis", compute=compute))
