"""The incremental state's windows of timed seconds (scoring.numerics.seconds_windows) in
scoring runs: they stay small whatever the judgments, a run whose new judgments move a median
out of its window rebuilds it from the judgments and still folds only the new ones, and the
medians are those of every timed judgment.

``run_and_compare`` (tests.scoring.test_incremental) checks each run against a full one and
each stored window against the judgments' sorted seconds.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from campaign.models import Judgment
from scoring.models import ScoringState
from tests.builders import CampaignBuilder
from tests.scoring.test_incremental import run_and_compare

pytestmark = pytest.mark.django_db


@pytest.fixture
def build(settings: Any) -> CampaignBuilder:
    # Windows of one second either side of an annotator's median, three of the campaign's.
    settings.SCORING_SECONDS_REACH = (1, 3)
    build = CampaignBuilder(("alpha", "beta"))
    build.items = [build.comparison("alpha", "beta") for _ in range(30)]  # type: ignore[attr-defined]
    return build


def judge(build: CampaignBuilder, who: Any, items: range, seconds: list[float]) -> None:
    for index, value in zip(items, seconds, strict=True):
        build.judge(who, build.items[index], -1, seconds=value)  # type: ignore[attr-defined]


def medians_of(build: CampaignBuilder) -> dict[int, float | None]:
    snapshot = build.campaign.snapshots.first()
    assert snapshot is not None
    return {row["user_id"]: row["median_seconds"] for row in snapshot.annotators}


def test_a_median_moved_out_of_its_window_is_rebuilt_and_the_run_still_folds(build) -> None:
    crowd = SimpleNamespace(campaign=build.campaign)
    slow, steady = build.annotator(), build.annotator()
    judge(build, slow, range(12), [float(20 + k) for k in range(12)])
    judge(build, steady, range(5), [7.0, 8.0, 9.0, 10.0, 11.0])
    assert run_and_compare(crowd) == "no stored state"
    # Eight fast judgments: the slow annotator's middle moves four places down, out of a window
    # of one either side; the campaign's moves too.
    judge(build, slow, range(12, 20), [1.0] * 8)
    assert run_and_compare(crowd) == ""  # folded only the new judgments
    timed = Judgment.objects.filter(campaign=build.campaign, annotator=slow)
    expected = float(np.median([j.seconds for j in timed]))
    assert medians_of(build)[slow.pk] == expected == 21.5
    assert medians_of(build)[steady.pk] == 9.0


def test_the_stored_windows_stay_small_whatever_the_number_of_judgments(build) -> None:
    crowd = SimpleNamespace(campaign=build.campaign)
    people = [build.annotator() for _ in range(3)]
    for batch in range(3):
        for k, person in enumerate(people):
            judge(build, person, range(10 * batch, 10 * batch + 10), [float(k + batch)] * 10)
        assert run_and_compare(crowd) in ("", "no stored state")
    row = ScoringState.objects.get(campaign=build.campaign)
    with np.load(io.BytesIO(bytes(row.arrays))) as stored:
        names = set(stored.files)
        kept = {name: stored[name].size for name in names if "seconds_values" in name}
    # 90 timed judgments; the state keeps 2 + 2 x 1 of each annotator's (10 each, all equal:
    # the middle two and one either side), 2 + 2 x 3 of the campaign's.
    assert kept == {
        "seconds_values__ms_first": 3,
        "seconds_values__ms_step": 3 * 4,
        "campaign_seconds_values__ms_first": 1,
        "campaign_seconds_values__ms_step": 8,
    }
    assert not {"tallies_seconds", "tallies_seconds__ms_step"} & names
