"""Shared reads (scoring.shared_reads): a full run's reads spread over extra connections that
adopt the run's snapshot give exactly what the run's own connection reads, never a judgment
committed after the run began, and a failure anywhere ends every reader.

The data must be committed for other connections to see it (transactional tests), and the
thresholds are lowered so a handful of judgments takes the shared path, cut into several
slices and many chunks.
"""

from __future__ import annotations

import dataclasses
import datetime
import random
import threading
import time

import numpy as np
import psycopg
import pytest
from django.db import connection, connections, transaction

from scoring import judgment_reads, shared_reads
from scoring.campaign_data import consistent_reads
from scoring.judgment_reads import judgment_columns
from scoring.models import Snapshot
from scoring.shared_reads import Reads
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, make_judgment

pytestmark = pytest.mark.django_db(transaction=True)

# What a snapshot found, not how the run went (timings, how the comparisons were read).
FOUND = ("judgments", "rated_judgments", "contenders", "participants", "annotators")
FOUND += ("matrices", "views", "analysis")


@pytest.fixture(autouse=True)
def _on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("shared readers adopt a PostgreSQL snapshot; SQLite reads on one connection")


@pytest.fixture
def readers(monkeypatch):
    """Every reader made, after lowering the thresholds: the shared path for a few judgments,
    in 3 slices of 4-row chunks."""
    made: list[shared_reads._SharedReader] = []
    real_init = shared_reads._SharedReader.__init__

    def recorded(self, snapshot: str) -> None:
        real_init(self, snapshot)
        made.append(self)

    monkeypatch.setattr(shared_reads._SharedReader, "__init__", recorded)
    monkeypatch.setattr(shared_reads, "SHARED_FROM", 0)
    monkeypatch.setattr(judgment_reads, "SHARED_SLICES", 3)
    monkeypatch.setattr(judgment_reads, "JUDGMENT_CHUNK", 4)
    return made


def crowd(seed: int = 7) -> tuple[CampaignBuilder, list]:
    """A campaign with gold, five annotators (four trusted) and judgments at a few repeated
    times (equal times across slice and chunk boundaries), placements and seconds of every
    kind."""
    build = CampaignBuilder(("alpha", "beta", "gamma", "delta"), min_gold_seen=2)
    pairs = [("alpha", "beta"), ("beta", "gamma"), ("gamma", "delta"), ("alpha", "delta")]
    items = [build.comparison(a, b, category=f"c{k % 2}") for k, (a, b) in enumerate(pairs * 2)]
    items += [build.comparison("alpha", "gamma", gold=side) for side in ("a", "b", "a")]
    people = [build.annotator() for _ in range(5)]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    shuffle = random.Random(seed)
    for item in items:
        for k, person in enumerate(people):
            verdict = shuffle.choice([-2, -1, 0, 1, 2])
            if item.gold_side and k < 4:  # four of them answer gold right: trusted
                verdict = -2 if item.gold_side == "a" else 1
            make_judgment(
                person,
                item,
                verdict,
                left=shuffle.choice(["a", "b", ""]),
                seconds=shuffle.choice([None, 3.5, 12.0, 40.0]),
                created_at=start + datetime.timedelta(seconds=shuffle.randrange(6)),
            )
    return build, people


def assert_same_columns(got, want) -> None:
    for field in dataclasses.fields(want):
        np.testing.assert_array_equal(getattr(got, field.name), getattr(want, field.name))
        assert getattr(got, field.name).dtype == getattr(want, field.name).dtype


def test_a_full_run_on_shared_readers_finds_what_one_connection_finds(readers, monkeypatch):
    build, _people = crowd()

    shared = compute_snapshot(build.campaign, rounds=20, full=True)
    assert len(readers) == shared_reads.READERS
    monkeypatch.setattr(shared_reads, "SHARED_FROM", 10**12)  # the run's connection alone
    Snapshot.objects.filter(campaign=build.campaign).delete()  # or nothing is new to score
    alone = compute_snapshot(build.campaign, rounds=20, full=True)

    assert len(readers) == shared_reads.READERS  # no reader for the second run
    assert shared is not None and alone is not None
    assert shared.rated_judgments > 0
    assert shared.stats["full_reason"] == alone.stats["full_reason"] == "a full run was asked for"
    for name in FOUND:
        assert getattr(shared, name) == getattr(alone, name), name
    assert all(reader._connection.closed for reader in readers)


def test_judgments_read_in_slices_and_chunks_are_the_judgments_of_one_read(readers, monkeypatch):
    build, _people = crowd(seed=11)
    with consistent_reads():
        alone = judgment_columns(build.campaign, Reads.serial())
    for slices, chunk in ((2, 1), (3, 4), (5, 7), (8, 1000)):
        monkeypatch.setattr(judgment_reads, "SHARED_SLICES", slices)
        monkeypatch.setattr(judgment_reads, "JUDGMENT_CHUNK", chunk)
        with consistent_reads(), shared_reads.shared_reads(0) as reads:
            assert reads.shared
            assert_same_columns(judgment_columns(build.campaign, reads), alone)


def test_readers_see_the_runs_snapshot_not_a_judgment_committed_after_it(readers):
    build, people = crowd()
    late = build.comparison("alpha", "beta")

    def commit_a_judgment() -> None:
        try:
            make_judgment(people[0], late, 2)  # autocommit: committed on its own connection
        finally:
            connections.close_all()

    with consistent_reads():
        before = judgment_columns(build.campaign, Reads.serial())  # the snapshot is taken
        writer = threading.Thread(target=commit_a_judgment)
        writer.start()
        writer.join()
        with shared_reads.shared_reads(0) as reads:
            during = judgment_columns(build.campaign, reads)
    after = judgment_columns(build.campaign)

    assert readers, "the read went through shared readers"
    assert_same_columns(during, before)
    assert after.comparison_id.size == before.comparison_id.size + 1
    assert late.pk in after.comparison_id.tolist()
    assert late.pk not in during.comparison_id.tolist()


def test_inside_an_outer_transaction_the_reads_stay_on_the_runs_connection(readers):
    build, _people = crowd()
    with transaction.atomic(), consistent_reads(), shared_reads.shared_reads(0) as reads:
        assert not reads.shared  # another connection could not see uncommitted rows
        assert judgment_columns(build.campaign, reads).comparison_id.size == 55
    assert readers == []


def test_a_readers_error_reaches_the_run_and_every_reader_is_closed(readers):
    with (
        pytest.raises(psycopg.errors.UndefinedTable),
        consistent_reads(),
        shared_reads.shared_reads(0) as reads,
    ):
        fine = reads.columns("SELECT CAST(2 AS BIGINT)", [], [("two", "bigint")])
        reads.columns(
            "SELECT CAST(1 AS BIGINT) FROM no_such_table", [], [("one", "bigint")]
        ).result()

    assert fine.result(timeout=0)["two"].tolist() == [2]

    assert len(readers) == shared_reads.READERS
    assert all(reader._connection.closed for reader in readers)
    assert not [t for t in threading.enumerate() if t.name.startswith("shared-read")]


def test_a_run_that_fails_cancels_its_readers_queries_and_drops_their_queue(readers):
    sleeping = []
    with (
        pytest.raises(RuntimeError, match="the run failed"),
        consistent_reads(),
        shared_reads.shared_reads(0) as reads,
    ):
        sleeping = [
            reads.submit(lambda reader: reader.value("SELECT pg_sleep(60)", []))
            for _ in range(shared_reads.READERS)
        ]
        queued = reads.submit(lambda reader: reader.value("SELECT 1", []))
        wait_for_sleepers(shared_reads.READERS)
        raise RuntimeError("the run failed")

    # Cancelled, not slept out: the test would take a minute otherwise.
    for future in sleeping:
        assert isinstance(future.exception(timeout=0), psycopg.errors.QueryCanceled)
    assert queued.cancelled()
    assert all(reader._connection.closed for reader in readers)
    assert not [t for t in threading.enumerate() if t.name.startswith("shared-read")]


def wait_for_sleepers(count: int) -> None:
    """Until ``count`` sessions run pg_sleep (watched from a connection of its own: a
    transaction's view of pg_stat_activity stays as it first read it)."""
    params = connection.get_connection_params()
    with connection.Database.connect(**params, autocommit=True) as watcher:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            (running,) = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' "
                "AND state = 'active'"
            ).fetchone()
            if running >= count:
                return
            time.sleep(0.02)
    raise AssertionError("the readers never started their queries")
