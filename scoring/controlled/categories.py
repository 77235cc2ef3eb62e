"""The ``category`` view: one board per prompt category, rated like the default board.

Stored as ``Snapshot.views["category"]`` = ``{"label", "contenders": [], "boards": [...]}``,
one board per non-empty category of the campaign's regular comparisons, by name:
``{"key", "label", "rated_judgments", "contenders"}``. A board rates the default board's
counted votes on that category's comparisons (scoring.numerics.ratings, ties half a win) and
lists the contenders with a vote there; a category without counted votes has an empty
board, which the page shows as such. The leaderboard names a board ``category:<key>``. The
categories are the run's (``ScoringRun.comparisons``, read with the regular comparisons):
the view reads nothing of its own.

A view with ``boards`` is shown as tabs rather than one more method (scoring.leaderboard);
its own ``contenders`` are empty. Boards use at most CATEGORY_ROUNDS bootstrap rounds: a
campaign may have dozens of categories, and each board's fit costs as much as the default
board's.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from scoring.controlled.votes import counted_votes
from scoring.extras import Extra, ScoringRun, register
from scoring.numerics.ratings import rate_contenders
from scoring.numerics.votes import Votes, count_votes

LABEL = "By category"
CATEGORY_ROUNDS = 100


def compute(run: ScoringRun, _facts: None) -> dict[str, Any]:
    votes = counted_votes(run)
    comparisons = run.comparisons
    category = comparisons.category[votes.place]
    boards = []
    # Every category some regular comparison has, but the empty one (prompts without one).
    for code in comparisons.used_categories().tolist():
        name = comparisons.categories[code]
        if not name:
            continue
        inside = category == code
        a, b, outcome = votes.a[inside], votes.b[inside], votes.outcome[inside]
        voted = np.union1d(a, b)
        rows = []
        if voted.size:
            local = Votes(np.searchsorted(voted, a), np.searchsorted(voted, b), outcome, voted.size)
            rated = rate_contenders(
                [run.names[k] for k in voted.tolist()],
                count_votes(local),
                rounds=min(run.rounds, CATEGORY_ROUNDS),
                seed=run.seed,
            )
            rows = [dataclasses.asdict(row) for row in rated]
        boards.append(
            {"key": name, "label": name, "rated_judgments": int(inside.sum()), "contenders": rows}
        )
    return {"label": LABEL, "contenders": [], "boards": boards}


register(Extra(name="category", kind="view", compute=compute))
