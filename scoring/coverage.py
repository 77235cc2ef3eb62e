"""The coverage tally, counted by each scoring run so the dashboard never counts judgments.

The organiser dashboard shows how many regular comparisons of each category have k
judgments, and the judgment totals. Counted live that is a pass over every judgment (seconds
at a million); the scoring run already keeps the judgments per comparison (its vote cells,
scoring.numerics.vote_cells, folded from the new judgments only on an incremental run) and
the annotators' totals, so it counts them there with the regular comparisons' categories the
run has read anyway (``ScoringRun.comparisons``; the judged ones per category and count kept
with the core, ``ScoringRun.coverage``), and stores the tally as the analysis
``coverage``::

    {"rows": [[category, k, comparisons with k judgments], ...],
     "judgments": all judgments (gold included), "gold_judgments": gold ones}

The dashboard and the API's progress read it with the snapshot (``progress_tally``); a
campaign never scored is counted live (campaign.organise.statistics.coverage_tally), and a
test holds the two counts equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from campaign.organise.statistics import CoverageTally
from scoring.extras import Extra, ScoringRun, register
from scoring.models import Snapshot

NAME = "coverage"


def tally(run: ScoringRun, _facts: None) -> dict[str, Any]:
    comparisons = run.comparisons
    # The judged comparisons per (category, k) are the run's (ScoringRun.coverage); those
    # without a judgment are the rest of each category's comparisons.
    judged = run.coverage
    every = np.bincount(comparisons.category, minlength=len(comparisons.categories))
    table = judged.copy()
    table[:, 0] = every - judged.sum(axis=1)
    rows = [
        [comparisons.categories[code], k, int(table[code, k])]
        for code in np.flatnonzero(every).tolist()
        for k in np.flatnonzero(table[code]).tolist()
    ]
    return {
        "rows": rows,
        "judgments": int(run.tallies.judgments.sum()),
        "gold_judgments": int(run.tallies.gold_seen.sum()),
    }


register(Extra(name=NAME, kind="analysis", compute=tally, every_run=True))


def progress_tally(snapshot: Snapshot | None) -> CoverageTally | None:
    """The tally the snapshot's run counted; None when it has none (not scored, or scored
    before runs counted it)."""
    stored = None if snapshot is None else (snapshot.analysis or {}).get(NAME)
    if stored is None:
        return None
    return CoverageTally(
        rows=[(str(category), int(k), int(n)) for category, k, n in stored["rows"]],
        all_judgments=int(stored["judgments"]),
        gold_judgments=int(stored["gold_judgments"]),
        counted_at=snapshot.computed_at if snapshot is not None else None,
    )
