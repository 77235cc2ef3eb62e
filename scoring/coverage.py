"""The coverage tally, counted by each scoring run so the dashboard never counts judgments.

The organiser dashboard shows how many regular comparisons of each category have k
judgments, and the judgment totals. Counted live that is a pass over every judgment (seconds
at a million); the scoring run already holds every judgment's comparison in memory, so it
counts them there for the price of one more read of the regular comparisons' categories, and
stores the tally as the analysis ``coverage``::

    {"rows": [[category, k, comparisons with k judgments], ...],
     "judgments": all judgments (gold included), "gold_judgments": gold ones}

The dashboard and the API's progress read it with the snapshot (``progress_tally``); a
campaign never scored is counted live (campaign.organise.statistics.coverage_tally), and a
test holds the two counts equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection

from campaign.models import Campaign
from campaign.organise.statistics import CoverageTally
from scoring.campaign_data import fetch_columns
from scoring.extras import Extra, ScoringRun, register
from scoring.models import Snapshot

NAME = "coverage"
_REGULAR = """FROM campaign_comparison c JOIN campaign_prompt p ON p.id = c.prompt_id
              WHERE c.campaign_id = %s AND c.gold_side = ''"""


def read_categories(
    campaign: Campaign, _contender_ids: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Regular comparisons' ids (sorted), each one's category index, and the categories."""
    # The categories in the order DENSE_RANK numbers them (same rows, same collation).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT p.category {_REGULAR} ORDER BY p.category", [campaign.pk])
        categories = [category for (category,) in cursor.fetchall()]
    columns = fetch_columns(
        """SELECT CAST(c.id AS BIGINT),
                  CAST(DENSE_RANK() OVER (ORDER BY p.category) - 1 AS BIGINT)
           """
        + _REGULAR
        + " ORDER BY c.id",
        [campaign.pk],
        [("id", "bigint"), ("category", "bigint")],
    )
    return columns["id"], columns["category"], categories


def tally(run: ScoringRun, facts: tuple[np.ndarray, np.ndarray, list[str]]) -> dict[str, Any]:
    ids, category, categories = facts
    is_gold = run.columns.gold != 0
    regular = run.columns.comparison_id[~is_gold]
    place = np.searchsorted(ids, regular)
    known = place < ids.size
    known[known] = ids[place[known]] == regular[known]
    per_comparison = np.bincount(place[known], minlength=ids.size)
    # One code per (category, k) so a single np.unique counts every row of the tally.
    width = int(per_comparison.max(initial=0)) + 1
    codes, counts = np.unique(category * width + per_comparison, return_counts=True)
    rows = [
        [categories[int(code) // width], int(code) % width, int(count)]
        for code, count in zip(codes.tolist(), counts.tolist(), strict=True)
    ]
    return {"rows": rows, "judgments": int(run.columns.size), "gold_judgments": int(is_gold.sum())}


register(Extra(name=NAME, kind="analysis", compute=tally, read=read_categories))


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
