"""The annotator-aware board: the snapshot's "crowd_bt" view (scoring.extras).

Crowd-BT (scoring.numerics.crowd_bt) over every regular vote of the run, untrusted
annotators' too: the model weighs each annotator by the reliability it estimates, so it needs
no trust rule. Gold pins each reliability, except a flagged gold spotter's: their gold says
nothing about how they judge the rest (that is what the flag means), so it is left out.

The result, ``Snapshot.views["crowd_bt"]``:

- ``label``, ``contenders`` (rows shaped like ``Snapshot.contenders``; ``online_elo`` None),
  ``votes`` (regular votes rated);
- ``reliability``: {user id (as a string, JSON's keys): η}. Derived from gold, so it is for
  organisers only while the campaign is open (README "Gold secrecy"): the dashboard shows it,
  and no public page or file may.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.extras import Extra, ScoringRun, register, row_dict
from scoring.numerics.crowd_bt import rate_crowd_bt
from scoring.numerics.crowd_votes import CrowdVotes
from scoring.numerics.flags import GOLD_SPOTTER
from scoring.numerics.vote_cells import voter_cells
from scoring.numerics.votes import Votes

NAME = "crowd_bt"
LABEL = "Annotator-aware (Crowd-BT)"


def crowd_votes(run: ScoringRun) -> CrowdVotes:
    """Every regular vote of the run with its annotator, and each annotator's usable gold,
    from the run's tallies (its vote cells and the annotators' gold counts)."""
    cells = voter_cells(run.cells)
    annotator = np.searchsorted(run.annotator_ids, cells.user)
    # Crowd-BT takes votes one by one and sums them per (annotator, pair) itself: each cell is
    # repeated as often as it counts (in memory; no judgment is read for it).
    votes = Votes(
        np.repeat(cells.a, cells.count),
        np.repeat(cells.b, cells.count),
        np.repeat(cells.outcome, cells.count),
        n_contenders=len(run.names),
    )
    k = run.annotator_ids.size
    ties = np.zeros(k)
    ties[np.searchsorted(run.annotator_ids, run.cells.gold_tie_users)] = run.cells.gold_ties
    # Right gold answers, a tie half right (integer and half sums: exact).
    right = run.tallies.gold_correct + 0.5 * ties
    seen = run.tallies.gold_seen.astype(np.float64)
    spotters = np.array([GOLD_SPOTTER in score.flags for score in run.scores], dtype=bool)
    seen[spotters], right[spotters] = 0.0, 0.0
    return CrowdVotes(votes, np.repeat(annotator, cells.count), k, seen, right)


def crowd_bt_view(run: ScoringRun, _facts: None) -> dict[str, Any]:
    data = crowd_votes(run)
    rows, reliability = rate_crowd_bt(run.names, data, rounds=run.rounds, seed=run.seed)
    return {
        "label": LABEL,
        "contenders": [row_dict(row) for row in rows],
        "votes": int(data.votes.a.size),
        "reliability": {
            str(int(user_id)): round(float(eta), 4)
            for user_id, eta in zip(run.annotator_ids, reliability, strict=True)
        },
    }


register(Extra(name=NAME, kind="view", compute=crowd_bt_view))
