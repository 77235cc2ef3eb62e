"""The ``category`` view: one board per prompt category, rated like the default board.

Stored as ``Snapshot.views["category"]`` = ``{"label", "contenders": [], "boards": [...]}``,
one board per non-empty category of the campaign's regular comparisons, by name:
``{"key", "label", "rated_judgments", "contenders"}``. A board rates the default board's
counted votes on that category's comparisons (scoring.numerics.ratings, ties half a win) and
lists the contenders with a vote there; a category without counted votes has an empty
board, which the page shows as such. The leaderboard names a board ``category:<key>``.

A view with ``boards`` is shown as tabs rather than one more method (scoring.leaderboard);
its own ``contenders`` are empty. Boards use at most CATEGORY_ROUNDS bootstrap rounds: a
campaign may have dozens of categories, and each board's fit costs as much as the default
board's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from campaign.models import Campaign
from scoring.controlled.votes import counted_votes
from scoring.extras import Extra, ScoringRun, register
from scoring.numerics.ratings import rate_contenders
from scoring.numerics.votes import Votes, count_votes

LABEL = "By category"
CATEGORY_ROUNDS = 100

Categories = list[tuple[str, NDArray[np.int64]]]  # (category, its regular comparisons' ids)


def read(campaign: Campaign, _contender_ids: Sequence[int]) -> Categories:
    """Each non-empty category with its regular comparisons' ids: one query, one row each."""
    if connection.vendor == "postgresql":
        ids = "array_agg(c.id ORDER BY c.id)"
    else:
        ids = "group_concat(c.id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT p.category, {ids} FROM campaign_comparison c
                JOIN campaign_prompt p ON p.id = c.prompt_id
                WHERE c.campaign_id = %s AND c.gold_side = '' AND p.category <> ''
                GROUP BY p.category ORDER BY p.category""",  # noqa: S608 (no input in it)
            [campaign.pk],
        )
        rows = cursor.fetchall()
    return [(str(category), _id_array(members)) for category, members in rows]


def _id_array(members: Any) -> NDArray[np.int64]:
    if isinstance(members, str):  # SQLite's group_concat: "3,1,2"
        return np.sort(np.array(members.split(","), dtype=np.int64))
    return np.asarray(members, dtype=np.int64)


def compute(run: ScoringRun, categories: Categories) -> dict[str, Any]:
    votes = counted_votes(run)
    category = _category_of(votes.comparison, categories)
    boards = []
    for code, (name, _members) in enumerate(categories):
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


def _category_of(comparison: NDArray[np.int64], categories: Categories) -> NDArray[np.intp]:
    """Each vote's category code (its index in ``categories``), -1 without a category."""
    if not categories:
        return np.full(comparison.size, -1, dtype=np.intp)
    members = np.concatenate([ids for _name, ids in categories])
    codes = np.repeat(np.arange(len(categories)), [ids.size for _name, ids in categories])
    order = np.argsort(members, kind="stable")
    members, codes = members[order], codes[order]
    place = np.searchsorted(members, comparison).clip(max=members.size - 1)
    return np.where(members[place] == comparison, codes[place], -1)


register(Extra(name="category", kind="view", compute=compute, read=read))
