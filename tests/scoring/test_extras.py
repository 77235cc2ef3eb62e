"""The snapshot's extras (scoring.extras): what a registered view or analysis is handed and
where its result is stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from campaign.models import Campaign
from scoring import extras
from scoring.extras import Extra, ScoringRun, register
from scoring.numerics.vote_cells import voter_cells
from scoring.numerics.votes import A_WINS, B_WINS
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded() -> Iterator[dict[str, Any]]:
    """Two extras registered for the test only: one view, one analysis, both recording."""
    seen: dict[str, Any] = {}

    def read(campaign: Campaign, contender_ids: Sequence[int]) -> list[int]:
        seen["read_campaign"] = campaign.pk
        return list(contender_ids)

    def view(run: ScoringRun, facts: list[int]) -> dict[str, Any]:
        seen["run"], seen["facts"] = run, facts
        return {"label": "Recorded", "contenders": [{"name": name} for name in run.names]}

    def analysis(run: ScoringRun, facts: None) -> dict[str, Any]:
        seen["analysis_facts"] = facts
        return {"judgments": int(run.tallies.judgments.sum())}

    before = list(extras.EXTRAS)
    extras.EXTRAS.clear()  # only these two: the registered ones have tests of their own
    register(Extra(name="recorded_view", kind="view", compute=view, read=read))
    register(Extra(name="recorded_analysis", kind="analysis", compute=analysis))
    yield seen
    extras.EXTRAS[:] = before


def test_extras_get_the_run_and_their_results_are_stored_by_kind(recorded):
    build = CampaignBuilder(min_gold_seen=0, min_gold_accuracy=0)
    gold = build.comparison("alpha", "beta", gold="a")
    ab = build.comparison("alpha", "beta")
    bc = build.comparison("beta", "gamma")
    person = build.annotator()
    build.judge(person, ab, -1)
    build.judge(person, gold, -1)
    build.judge(person, bc, 2)

    snapshot = compute_snapshot(build.campaign, rounds=10)

    assert snapshot is not None
    run = recorded["run"]
    assert recorded["read_campaign"] == build.campaign.pk
    assert recorded["facts"] == run.contender_ids
    assert recorded["analysis_facts"] is None
    assert run.names == ["alpha", "beta", "gamma"]
    # The judgments as tallies, not one by one: alpha beats beta and gamma beta (a-wins,
    # ties, b-wins per comparison, after its judgments); the gold one has no contenders.
    cells = voter_cells(run.cells)
    assert run.annotator_ids.tolist() == [person.pk]
    assert cells.user.tolist() == [person.pk, person.pk]
    assert list(zip(cells.a, cells.b, cells.outcome, cells.count, strict=True)) == [
        (0, 1, A_WINS, 1),
        (1, 2, B_WINS, 1),
    ]
    assert run.cells.comparison_ids.tolist() == [ab.pk, bc.pk]
    assert run.cells.comparison_counts.tolist() == [[1, 1, 0, 0], [1, 0, 0, 1]]
    assert run.counted_annotators.tolist() == [True]
    assert snapshot.views["recorded_view"]["contenders"] == [
        {"name": "alpha"},
        {"name": "beta"},
        {"name": "gamma"},
    ]
    assert snapshot.analysis["recorded_analysis"] == {"judgments": 3}
    assert "extra:recorded_view" in snapshot.stats["timings"]


def test_two_extras_with_one_name_are_refused(recorded):
    with pytest.raises(ValueError, match="recorded_view"):
        register(Extra(name="recorded_view", kind="analysis", compute=lambda run, facts: {}))


def test_a_failing_extra_fails_the_run_and_stores_nothing(recorded):
    def broken(run: ScoringRun, facts: None) -> dict[str, Any]:
        raise ZeroDivisionError("a bug in an extra")

    register(Extra(name="broken", kind="analysis", compute=broken))
    build = CampaignBuilder(min_gold_seen=0, min_gold_accuracy=0)
    person = build.annotator()
    build.judge(person, build.comparison("alpha", "beta"), -1)

    with pytest.raises(ZeroDivisionError, match="a bug in an extra"):
        compute_snapshot(build.campaign, rounds=10)
    assert not build.campaign.snapshots.exists()
