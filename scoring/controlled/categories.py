"""The ``category`` view: one board per prompt category, rated like the default board.

Stored as ``Snapshot.views["category"]`` = ``{"label", "contenders": [], "boards": [...]}``,
one board per non-empty category of the campaign's regular comparisons, by name:
``{"key", "label", "rated_judgments", "contenders"}``. A board rates the default board's
counted votes on that category's comparisons (scoring.numerics.ratings, ties half a win) and
lists the contenders with a vote there; a category without counted votes has an empty
board, which the page shows as such. The leaderboard names a board ``category:<key>``. The
categories are the run's (``ScoringRun.comparisons``, read with the regular comparisons), the
votes the run's counted votes per comparison (its vote cells, scoring.numerics.vote_cells):
the view reads nothing of its own, and a run that folded only the new judgments gives it the
full run's counts.

A view with ``boards`` is shown as tabs rather than one more method (scoring.leaderboard);
its own ``contenders`` are empty. Boards use at most CATEGORY_ROUNDS bootstrap rounds: a
campaign may have dozens of categories, and each board's fit costs as much as the default
board's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.controlled.votes import comparison_votes
from scoring.extras import Extra, ScoringRun, register, row_dict
from scoring.numerics.ratings import rate_contenders
from scoring.numerics.votes import PairCounts

LABEL = "By category"
CATEGORY_ROUNDS = 100


def compute(run: ScoringRun, _facts: None) -> dict[str, Any]:
    votes = comparison_votes(run)
    comparisons, n = run.comparisons, len(run.names)
    # Counted votes per (category, ordered pair, outcome), from the per-comparison counts.
    key = comparisons.category[votes.place].astype(np.int64) * n * n + votes.a * n + votes.b
    size = len(comparisons.categories) * n * n
    tables = np.stack(
        [np.bincount(key, votes.outcomes[:, k], minlength=size) for k in range(3)], axis=1
    ).astype(np.int64)  # integer weights: exact sums
    boards = []
    # Every category some regular comparison has, but the empty one (prompts without one).
    for code in comparisons.used_categories().tolist():
        name = comparisons.categories[code]
        if not name:
            continue
        table = tables[code * n * n : (code + 1) * n * n]
        voted_pairs = np.flatnonzero(table.sum(axis=1))
        voted = np.union1d(voted_pairs // n, voted_pairs % n)
        rows = []
        if voted.size:
            a_wins, ties, b_wins = table[voted_pairs].T
            local = PairCounts(
                np.searchsorted(voted, voted_pairs // n),
                np.searchsorted(voted, voted_pairs % n),
                a_wins,
                ties,
                b_wins,
                n_contenders=voted.size,
            )
            rated = rate_contenders(
                [run.names[k] for k in voted.tolist()],
                local,
                rounds=min(run.rounds, CATEGORY_ROUNDS),
                seed=run.seed,
            )
            rows = [row_dict(row) for row in rated]
        boards.append(
            {
                "key": name,
                "label": name,
                "rated_judgments": int(table.sum()),
                "contenders": rows,
            }
        )
    return {"label": LABEL, "contenders": [], "boards": boards}


register(Extra(name="category", kind="view", compute=compute))
