"""Adaptive allocation's scoring side: pair priorities per snapshot, and writing them.

Each run stores the analysis ``pair_priorities`` (an Extra, scoring.extras), for every
campaign whatever its allocation, since the stopping advice helps a uniform campaign too:

    {"allocation": "uniform" | "adaptive", "cap": int, "floor": int,
     "advice": {"state": "waiting" | "collecting" | "settled" | "capped", "message": str},
     "open_neighbours": int, "neighbours": int,
     "pairs": [{"a": name, "b": name, "bucket": int, "value": float, "votes": int,
                "judgments": int, "comparisons": int, "room": int,
                "neighbours": bool, "separated": bool}, ...]}

``pairs`` holds the pairs with a bucket above 0 and every pair of neighbours, most urgent
first; ``votes`` are the counted votes (the board's), ``judgments`` every regular judgment of
the pair, ``room`` what the cap still allows (comparisons x cap - judgments; open leases not
subtracted). The numbers come from scoring.numerics.allocation.

After a run has stored its snapshot, the job (scoring.jobs) calls `write_priorities`: under
adaptive allocation each pair's bucket goes onto its regular comparisons through
campaign.annotate.allocation.set_priorities, which the assignment engine orders by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from campaign.annotate.allocation import set_priorities
from campaign.models import Campaign, Contender
from scoring.extras import Extra, ScoringRun, register
from scoring.models import Snapshot
from scoring.numerics.allocation import SETTLED, pair_priorities
from scoring.numerics.ratings import pairwise_matrices
from scoring.packed_rows import fetch_columns

NAME = "pair_priorities"
SHOWN_PAIRS = 10  # the dashboard's table; the JSON keeps them all


def _comparisons_per_pair(run: ScoringRun) -> NDArray[np.int64]:
    """Regular comparisons per contender pair (an n x n symmetric matrix), from the
    comparisons the run has already read."""
    n = len(run.names)
    pair = run.comparisons.a.astype(np.int64) * n + run.comparisons.b
    counts = np.bincount(pair, minlength=n * n).reshape(n, n)
    return counts + counts.T


def _compute(run: ScoringRun, _facts: None) -> dict[str, Any]:
    campaign, n = run.campaign, len(run.names)
    cap, floor = campaign.judgments_per_comparison, campaign.min_judgments_per_comparison
    result: dict[str, Any] = {
        "allocation": campaign.allocation,
        "cap": cap,
        "floor": floor,
        "neighbours": max(n - 1, 0),
        "open_neighbours": max(n - 1, 0),
        "pairs": [],
    }
    rated = int(run.counts.a_wins.sum() + run.counts.ties.sum() + run.counts.b_wins.sum())
    if n < 2 or rated == 0:
        result["advice"] = _advice("waiting", 0, 0)
        return result
    by_name = {row.name: row for row in run.ratings}
    rows = [by_name[name] for name in run.names]
    priorities = pair_priorities(
        [row.rating for row in rows], [row.ci_lower for row in rows], [row.ci_upper for row in rows]
    )
    votes = pairwise_matrices(run.counts).votes
    # A dense tally: an extra of every run reads no sparse vote cells (scoring.extras).
    judged = run.cells.pair_judgments.reshape(n, n)
    judged = judged + judged.T
    comparisons = _comparisons_per_pair(run)
    pairs: list[dict[str, Any]] = []
    for k in range(priorities.first.size):
        i, j = int(priorities.first[k]), int(priorities.second[k])
        bucket, neighbours = int(priorities.bucket[k]), bool(priorities.neighbours[k])
        if bucket == SETTLED and not neighbours:
            continue
        count = int(comparisons[i, j])
        pairs.append(
            {
                "a": run.names[i],
                "b": run.names[j],
                "bucket": bucket,
                "value": round(float(priorities.value[k]), 3),
                "votes": int(votes[i, j]),
                "judgments": int(judged[i, j]),
                "comparisons": count,
                "room": max(count * cap - int(judged[i, j]), 0),
                "neighbours": neighbours,
                "separated": bool(priorities.separated[k]),
            }
        )
    pairs.sort(key=lambda pair: (-pair["bucket"], -pair["value"], pair["a"], pair["b"]))
    advice = stopping_advice(pairs)
    result.update(pairs=pairs, open_neighbours=advice.pop("open_neighbours"), advice=advice)
    return result


def stopping_advice(pairs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Settled when every pair of neighbours is separated; capped when those that are not have
    no room left under the cap; else collecting. ``pairs`` as in the analysis."""
    neighbours = [pair for pair in pairs if pair["neighbours"]]
    still_open = [pair for pair in neighbours if not pair["separated"]]
    if not still_open:
        state = "settled"
    elif all(pair["room"] == 0 for pair in still_open):
        state = "capped"
    else:
        state = "collecting"
    return {**_advice(state, len(still_open), len(neighbours)), "open_neighbours": len(still_open)}


def _advice(state: str, open_neighbours: int, neighbours: int) -> dict[str, str]:
    messages = {
        "waiting": "No counted votes yet: nothing to advise.",
        "settled": "Ranking settled: every pair of neighbours is separated (their 95% intervals "
        "do not overlap). You can close the campaign.",
        "capped": f"No more separable within the cap: the {open_neighbours} pairs of neighbours "
        "that still overlap have no room left. Close the campaign, or raise "
        "judgments per comparison.",
        "collecting": f"{open_neighbours} of {neighbours} pairs of neighbours still overlap: "
        "keep collecting.",
    }
    return {"state": state, "message": messages[state]}


PAIR_PRIORITIES = register(Extra(name=NAME, kind="analysis", compute=_compute, every_run=True))


def write_priorities(snapshot: Snapshot) -> int:
    """Put the snapshot's pair buckets onto the campaign's comparisons (adaptive only).

    One pass over the regular comparisons (binary COPY into numpy) finds the rows whose bucket
    changes; campaign.annotate.allocation.set_priorities writes them in a few batched
    UPDATEs. Returns the rows written; 0 for a uniform campaign, which never reads them.
    """
    campaign = snapshot.campaign
    analysis = (snapshot.analysis or {}).get(NAME)
    if not campaign.is_adaptive or analysis is None:
        return 0
    names = list(
        Contender.objects.filter(campaign=campaign).order_by("pk").values_list("name", "pk")
    )
    place = {name: index for index, (name, _pk) in enumerate(names)}
    wanted = np.zeros((len(names), len(names)), dtype=np.int64)
    for pair in analysis["pairs"]:
        if pair["a"] in place and pair["b"] in place:
            i, j = place[pair["a"]], place[pair["b"]]
            wanted[i, j] = wanted[j, i] = pair["bucket"]
    rows = fetch_columns(
        """SELECT CAST(c.id AS BIGINT), CAST(ra.contender_id AS BIGINT),
                  CAST(rb.contender_id AS BIGINT), CAST(c.load AS BIGINT),
                  CAST(c.priority AS BIGINT)
           FROM campaign_comparison c
           JOIN campaign_response ra ON ra.id = c.response_a_id
           JOIN campaign_response rb ON rb.id = c.response_b_id
           WHERE c.campaign_id = %s AND c.gold_side = ''""",
        [campaign.pk],
        [(name, "bigint") for name in ("id", "a", "b", "load", "priority")],
    )
    contender_ids = np.array([pk for _name, pk in names], dtype=np.int64)
    a = np.searchsorted(contender_ids, rows["a"])
    b = np.searchsorted(contender_ids, rows["b"])
    bucket = np.where(rows["load"] < campaign.judgments_per_comparison, wanted[a, b], SETTLED)
    changed = bucket != rows["priority"]
    changes = {
        int(value): rows["id"][changed & (bucket == value)].tolist()
        for value in np.unique(bucket[changed])
    }
    return set_priorities(campaign=campaign, changes=changes)


@dataclass(frozen=True)
class AllocationSummary:
    """The dashboard's allocation panel: the setting, the stopping advice, the top pairs."""

    allocation: str
    cap: int
    floor: int
    state: str
    message: str
    pairs: list[dict[str, Any]]  # the most urgent, at most SHOWN_PAIRS
    more: int  # urgent pairs beyond those shown


def allocation_summary(snapshot: Snapshot | None) -> AllocationSummary | None:
    """From the latest snapshot; None before the first run or from a run before this analysis."""
    analysis = None if snapshot is None else (snapshot.analysis or {}).get(NAME)
    if analysis is None:
        return None
    urgent = [pair for pair in analysis["pairs"] if pair["bucket"] > SETTLED]
    return AllocationSummary(
        allocation=analysis["allocation"],
        cap=analysis["cap"],
        floor=analysis["floor"],
        state=analysis["advice"]["state"],
        message=analysis["advice"]["message"],
        pairs=urgent[:SHOWN_PAIRS],
        more=max(len(urgent) - SHOWN_PAIRS, 0),
    )


def allocation_of(snapshot: Snapshot) -> str:
    """Which allocation collected the snapshot's votes (as set at the time of its run);
    snapshots from before adaptive allocation existed were all uniform."""
    analysis = (snapshot.analysis or {}).get(NAME) or {}
    return str(analysis.get("allocation", Campaign.Allocation.UNIFORM))
