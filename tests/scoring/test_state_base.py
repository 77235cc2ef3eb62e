"""The sparse vote cells stored as a base and deltas (scoring.state_storage,
scoring.numerics.vote_cells): the base's stored form gives back what was stored; a run whose
extras are carried reads and rewrites only the deltas and still gives the full run's
coverage and pair priorities; deltas past their bound are merged into the base; a run that
needs the merged cells reads the base; a state stored by an earlier STATE_VERSION is refolded.

``run_and_compare`` (tests.scoring.test_incremental) checks each run against a full one,
the stored cells merged from base and deltas included.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.db import transaction

import scoring.incremental
import scoring.numerics.vote_cells
import scoring.state_storage
from campaign.models import Judgment, Prompt
from campaign.services import note_items_edited
from scoring.models import ScoringState
from scoring.numerics.vote_cells import Base, CountRows
from scoring.snapshots import compute_snapshot
from scoring.state_storage import encode_base, load_comparison_base
from tests.scoring import test_incremental
from tests.scoring.test_incremental import REACH, ROUNDS, Crowd, Rollback, run_and_compare

pytestmark = pytest.mark.django_db
EVERY_RUN = ("coverage", "pair_priorities")
crowd = test_incremental.crowd  # the same fixture: a crowd scored once in full


def stored(campaign: Any) -> ScoringState:
    return ScoringState.objects.get(campaign=campaign)


@pytest.mark.parametrize("seed", range(3))
def test_the_stored_base_gives_back_the_cells_stored(seed: int) -> None:
    rng = np.random.default_rng(seed)
    keys = np.unique(rng.integers(0, 2**40, 500)).astype(np.int64)
    counts = rng.integers(0, 3 * 10**9 if seed else 5, (keys.size, 4)).astype(np.int64)
    voters = CountRows(keys[::2], counts[::2, 0])
    for base in (
        Base(voters, CountRows(keys, counts)),
        Base(voters, CountRows(keys[:0], counts[:0])),
    ):
        ScoringState.objects.all().delete()
        crowd = Crowd()
        ScoringState.objects.create(
            campaign=crowd.campaign,
            settings_hash="",
            judgments=0,
            max_id=0,
            id_sum=0,
            last_id=0,
            arrays=b"",
            comparison_base=encode_base(base),
        )
        loaded = load_comparison_base(crowd.campaign)
        for name in ("voters", "comparisons"):
            rows, stored_rows = getattr(loaded, name), getattr(base, name)
            assert rows.keys.dtype == rows.counts.dtype == np.int64
            assert rows.keys.tolist() == stored_rows.keys.tolist()
            assert rows.counts.tolist() == stored_rows.counts.tolist()


def test_a_run_with_its_extras_carried_reads_and_writes_only_the_delta(crowd, monkeypatch):
    base = bytes(stored(crowd.campaign).comparison_base)

    def unread(campaign: Any) -> Base:
        raise AssertionError("the base was read")

    crowd.judge(seed=2, count=6)
    with monkeypatch.context() as patched:
        patched.setattr(scoring.state_storage, "load_comparison_base", unread)
        snapshot = compute_snapshot(crowd.campaign, rounds=ROUNDS, extras=False)
    assert snapshot is not None
    assert snapshot.stats["full_reason"] == "" and snapshot.stats["extras_refit"] == ""
    row = stored(crowd.campaign)
    assert bytes(row.comparison_base) == base  # not rewritten
    # The extras fitted on every run are the full run's, without the per-comparison cells.
    try:
        with transaction.atomic():
            snapshot.delete()
            full = compute_snapshot(crowd.campaign, rounds=ROUNDS, full=True)
            assert full is not None
            for name in EVERY_RUN:
                assert snapshot.analysis[name] == full.analysis[name], name
            raise Rollback
    except Rollback:
        pass
    # The next run refits every extra from the base and the delta merged.
    crowd.judge(seed=3, count=4)
    assert run_and_compare(crowd) == ""
    assert bytes(stored(crowd.campaign).comparison_base) == base


def test_a_delta_past_its_bound_is_merged_into_the_base(crowd, monkeypatch) -> None:
    before = bytes(stored(crowd.campaign).comparison_base)
    monkeypatch.setattr(scoring.numerics.vote_cells, "DELTA_ROWS", 4)
    crowd.judge(seed=4, count=2)  # at most four delta rows: within the bound
    assert run_and_compare(crowd) == ""
    assert bytes(stored(crowd.campaign).comparison_base) == before  # within the bound
    crowd.judge(seed=2, count=10)  # more than four voter and comparison cells
    assert run_and_compare(crowd) == ""
    # Merged: the base holds every regular judgment (run_and_compare checked the cells).
    regular = Judgment.objects.filter(campaign=crowd.campaign, comparison__gold_side="")
    merged = load_comparison_base(crowd.campaign)
    assert merged.comparisons.counts[:, 0].sum() == merged.voters.counts.sum() == regular.count()


def test_new_categories_count_the_judged_histogram_anew(crowd: Crowd) -> None:
    Prompt.objects.filter(pk=crowd.regular[0].prompt_id).update(category="maths")
    note_items_edited(crowd.campaign.pk)
    crowd.judge(seed=6, count=5)
    assert run_and_compare(crowd) == ""
    rows = crowd.campaign.snapshots.first().analysis["coverage"]["rows"]
    assert "maths" in {row[0] for row in rows}


def test_a_state_of_an_earlier_version_is_refolded(settings: Any, monkeypatch) -> None:
    settings.SCORING_SECONDS_REACH = REACH
    crowd = Crowd()
    crowd.judge(seed=7, count=30)
    with monkeypatch.context() as patched:
        patched.setattr(scoring.incremental, "STATE_VERSION", scoring.incremental.STATE_VERSION - 1)
        assert run_and_compare(crowd) == "no stored state"
    crowd.judge(seed=8, count=4)
    assert run_and_compare(crowd).startswith("settings, gold pool, contenders or scoring version")
    crowd.judge(seed=9, count=4)
    assert run_and_compare(crowd) == ""
