"""The snapshot's extras (scoring.extras): what a registered view or analysis is handed and
where its result is stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from campaign.models import Campaign
from scoring import extras
from scoring.extras import Extra, ScoringRun, register
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
        return {"judgments": int(run.columns.size)}

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
    # Judgments in vote order: alpha-beta, the gold one (no contenders), beta-gamma.
    assert run.contender_a.tolist() == [0, -1, 1]
    assert run.contender_b.tolist() == [1, -1, 2]
    assert run.counted.tolist() == [True, False, True]
    assert np.array_equal(run.columns.verdict, [-1, -1, 2])
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
