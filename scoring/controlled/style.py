"""The ``style`` view: ratings with the responses' length and Markdown held equal.

Stored as ``Snapshot.views["style"]`` = ``{"label", "rated_judgments", "contenders",
"coefficients"}``: contender rows shaped like the default board's (ratings and intervals of
the style-controlled fit, scoring.numerics.style; the vote tallies are the default board's,
online_elo null) and one coefficient per style feature: ``{"name", "elo", "ci_lower",
"ci_upper", "sd"}``, Elo points for one standard deviation of the normalised difference.

No read step: the run's regular comparisons carry both responses' style counts
(scoring.comparison_cache, which counts a response's text once in the campaign's life and keeps
the counts between runs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring.controlled.votes import comparison_votes
from scoring.extras import Extra, ScoringRun, register, row_dict
from scoring.numerics.ratings import contender_rows
from scoring.numerics.style import (
    STYLE_LABELS,
    style_controlled_groups,
    style_differences,
)

LABEL = "Style-controlled"


def compute(run: ScoringRun, _facts: None) -> dict[str, Any]:
    comparisons = run.comparisons
    if comparisons.style_a is None or comparisons.style_b is None:  # pragma: no cover - a bug
        raise RuntimeError("the run read its comparisons without their style counts")
    # The counted votes per comparison (the run's vote cells): one row of the fit each.
    votes = comparison_votes(run)
    place = votes.place
    fitted = style_controlled_groups(
        votes.a,
        votes.b,
        votes.votes.astype(np.float64),
        votes.a_points,
        style_differences(
            comparisons.style_a[place].astype(np.float64),
            comparisons.style_b[place].astype(np.float64),
        ),
        n_contenders=len(run.names),
        rounds=run.rounds,
        seed=run.seed,
        start=_default_ratings(run),
    )
    rows = contender_rows(run.names, fitted.intervals, run.counts)
    return {
        "label": LABEL,
        "rated_judgments": int(votes.votes.sum()),
        "contenders": [row_dict(row) for row in rows],
        "coefficients": [
            {**row_dict(coefficient), "label": STYLE_LABELS[coefficient.name]}
            for coefficient in fitted.coefficients
        ],
    }


def _default_ratings(run: ScoringRun) -> NDArray[np.float64]:
    """The default board's ratings in contender order, where the style fit starts."""
    rating = {row.name: row.rating for row in run.ratings}
    return np.array([rating[name] for name in run.names], dtype=np.float64)


register(Extra(name="style", kind="view", compute=compute, needs_style=True))
