"""How solid is the ranking: the snapshot's "robustness" analysis and its dashboard section.

The numbers come from scoring.numerics.robustness (its docstring has the method, the cap and
the assumptions of the votes estimate). The analysis is organiser-only: it names annotators
and is built from the counted votes, which gold decides, so only the dashboard shows it.

``Snapshot.analysis["robustness"]``::

    {
      "leave_one_out": {
        "annotators": 12,            # annotators whose votes count
        "refitted": 12,              # how many were refitted: those with the most counted
        "cap": 300,                  #   votes, up to cap (0 when only one annotator counts)
        "largest_place_change": 1,   # the most places any contender moves, any one removed
        "influential": [             # up to 5, the annotators whose removal moves most first
          {"user_id": 7, "votes": 40, "places_moved": 2, "largest_place_change": 1,
           "largest_rating_change": 12.5,      # Elo, the largest |change| of any contender
           "moves": [{"name": "alpha", "place": 1, "place_without": 2,
                      "rating_change": -12.5}]} # contenders whose place changes
        ]
      },
      "neighbours": [                # each pair next to each other on the board, top first
        {"upper": "alpha", "lower": "beta", "gap": 20.1, "separated": false,
         "votes": 300,               # votes involving either contender
         "more_votes": 450}          # about how many more would separate them; 0 when
      ]                              #   separated; null with equal ratings or no votes
    }
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.extras import Extra, ScoringRun, register, row_dict
from scoring.extras_schedule import fitted_on
from scoring.models import Snapshot
from scoring.numerics.ratings import pairwise_matrices
from scoring.numerics.robustness import leave_one_annotator_out, votes_to_separate
from scoring.numerics.vote_cells import voter_cells

NAME = "robustness"


def compute_robustness(run: ScoringRun, facts: None) -> dict[str, Any]:
    """The analysis of one run, in the shape of the module docstring."""
    # The counted votes per (annotator, pair, outcome): the vote cells of the annotators
    # whose votes count.
    cells = voter_cells(run.cells)
    voter = np.searchsorted(run.annotator_ids, cells.user)
    counted = run.counted_annotators[voter]
    loo = leave_one_annotator_out(
        voter[counted],
        cells.a[counted],
        cells.b[counted],
        cells.outcome[counted],
        n_contenders=len(run.names),
        count=cells.count[counted],
    )
    influential = []
    for annotator in loo.influential:
        row = dataclasses.asdict(annotator)  # nested: its moves are dataclasses too
        row["user_id"] = int(run.annotator_ids[row.pop("annotator")])
        for move in row["moves"]:
            move["name"] = run.names[move.pop("contender")]
        influential.append(row)
    # Neighbours in board order: the snapshot's rows are sorted (rating, then name).
    index = {name: k for k, name in enumerate(run.names)}
    order = [index[row.name] for row in run.ratings]
    votes = pairwise_matrices(run.counts).votes[np.ix_(order, order)]
    gaps = votes_to_separate(
        [row.rating for row in run.ratings],
        [row.ci_lower for row in run.ratings],
        [row.ci_upper for row in run.ratings],
        votes,
    )
    neighbours = [
        {
            **row_dict(gap),
            "upper": run.ratings[gap.upper].name,
            "lower": run.ratings[gap.lower].name,
        }
        for gap in gaps
    ]
    return {
        "leave_one_out": {
            "annotators": loo.annotators,
            "refitted": loo.refitted,
            "cap": loo.cap,
            "largest_place_change": loo.largest_place_change,
            "influential": influential,
        },
        "neighbours": neighbours,
    }


register(Extra(name=NAME, kind="analysis", compute=compute_robustness))


# --- the dashboard section -----------------------------------------------------------------


@dataclass(frozen=True)
class InfluentialAnnotator:
    handle: str
    votes: int
    places_moved: int
    largest_rating_change: float
    moves: list[str]  # "alpha 1 → 2"


@dataclass(frozen=True)
class NeighbourRow:
    upper: str
    lower: str
    gap: float
    separated: bool
    status: str  # "separated", "≈ 450 more votes", or why there is no estimate


@dataclass(frozen=True)
class RobustnessSection:
    """What the dashboard says; ``empty`` set means there is nothing else to show."""

    empty: str = ""
    leave_one_out_note: str = ""  # set when leaving one annotator out cannot be tested
    annotators: int = 0
    refitted: int = 0
    largest_place_change: int = 0
    influential: list[InfluentialAnnotator] = dataclasses.field(default_factory=list)
    neighbours: list[NeighbourRow] = dataclasses.field(default_factory=list)
    # The judgments it was fitted on when a later run carried it (scoring.extras_schedule).
    fitted_on: int | None = None

    @property
    def capped(self) -> bool:
        return 0 < self.refitted < self.annotators


def robustness_section(snapshot: Snapshot | None) -> RobustnessSection:
    """The dashboard's "How solid is the ranking" from the latest snapshot; plain empty states."""
    if snapshot is None:
        return RobustnessSection(empty="No scores yet.")
    if len(snapshot.contenders) < 2:
        return RobustnessSection(empty="Only one contender: there is no ranking to test.")
    if snapshot.rated_judgments == 0:
        return RobustnessSection(empty="No counted votes yet, so there is no ranking to test.")
    analysis = snapshot.analysis.get(NAME)
    if analysis is None:
        return RobustnessSection(empty="These scores predate this check: recompute scores.")
    loo = analysis["leave_one_out"]
    handles = {row["user_id"]: row["handle"] for row in snapshot.annotators}
    note = ""
    if loo["refitted"] == 0:
        note = "Only one annotator's votes count: without them there would be no votes at all."
    return RobustnessSection(
        leave_one_out_note=note,
        annotators=loo["annotators"],
        refitted=loo["refitted"],
        largest_place_change=loo["largest_place_change"],
        influential=[
            InfluentialAnnotator(
                handle=handles.get(row["user_id"], "(unknown)"),
                votes=row["votes"],
                places_moved=row["places_moved"],
                largest_rating_change=row["largest_rating_change"],
                moves=[
                    f"{move['name']} {move['place']} → {move['place_without']}"
                    for move in row["moves"]
                ],
            )
            for row in loo["influential"]
        ],
        neighbours=[_neighbour_row(row) for row in analysis["neighbours"]],
        fitted_on=fitted_on(snapshot),
    )


def _neighbour_row(row: dict[str, Any]) -> NeighbourRow:
    more = row["more_votes"]
    if row["separated"]:
        text = "separated"
    elif more is None:
        text = "no estimate: equal ratings" if row["gap"] <= 0 else "no estimate: too few votes"
    else:
        text = f"≈ {_two_figures(more):,} more votes"
    return NeighbourRow(row["upper"], row["lower"], row["gap"], row["separated"], text)


def _two_figures(value: int) -> int:
    """450 → 450, 12,345 → 12,000: the estimate is an order of magnitude, not a count."""
    digits = len(str(value))
    return value if digits <= 2 else round(value, 2 - digits)
