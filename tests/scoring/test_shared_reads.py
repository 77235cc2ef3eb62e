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
from django.conf import settings as django_settings
from django.db import connection, connections, transaction

from config.postgresql.base import DatabaseWrapper
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

    def recorded(self, *args) -> None:
        real_init(self, *args)
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
    assert len(readers) == django_settings.SCORING_SHARED_READERS
    monkeypatch.setattr(shared_reads, "SHARED_FROM", 10**12)  # the run's connection alone
    Snapshot.objects.filter(campaign=build.campaign).delete()  # or nothing is new to score
    alone = compute_snapshot(build.campaign, rounds=20, full=True)

    assert len(readers) == django_settings.SCORING_SHARED_READERS  # no reader for the second run
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

    assert len(readers) == django_settings.SCORING_SHARED_READERS
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
            for _ in range(django_settings.SCORING_SHARED_READERS)
        ]
        queued = reads.submit(lambda reader: reader.value("SELECT 1", []))
        wait_for_sleepers(django_settings.SCORING_SHARED_READERS)
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


def test_readers_read_times_in_utc_whatever_the_servers_time_zone(readers, monkeypatch):
    # Django labels every timestamp it reads as UTC; a reader left in the database's zone
    # read slice bounds and keyset times shifted by its offset and lost judgments.
    build, _people = crowd(seed=5)
    monkeypatch.setattr(judgment_reads, "SHARED_SLICES", 2)
    monkeypatch.setattr(judgment_reads, "JUDGMENT_CHUNK", 3)
    with consistent_reads():
        alone = judgment_columns(build.campaign, Reads.serial())
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE \"{name}\" SET TimeZone = 'Europe/Berlin'")
    try:
        with consistent_reads(), shared_reads.shared_reads(0) as reads:
            shared = judgment_columns(build.campaign, reads)
            zones = {reader.value("SELECT current_setting('TimeZone')", []) for reader in readers}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" RESET TimeZone')
    assert zones == {"UTC"}
    assert_same_columns(shared, alone)


def test_a_failing_run_stops_a_task_between_its_queries(readers):
    def many_queries(reader) -> int:
        # 10 s of work between short queries if nothing stops it: a cancel almost always
        # lands between two of them, where there is no query to cancel.
        for _ in range(200):
            reader.value("SELECT 1", [])
            time.sleep(0.05)
        return 200

    with (
        pytest.raises(RuntimeError, match="the run failed"),
        consistent_reads(),
        shared_reads.shared_reads(0) as reads,
    ):
        busy = reads.submit(many_queries)
        while not busy.running():
            time.sleep(0.01)
        raise RuntimeError("the run failed")

    error = busy.exception(timeout=0)
    assert isinstance(error, shared_reads.ReadsStopped | psycopg.errors.QueryCanceled)
    assert all(reader._connection.closed for reader in readers)


def test_inside_a_savepoint_the_reads_stay_on_the_runs_connection(readers):
    build, _people = crowd()
    with consistent_reads(), transaction.atomic(), shared_reads.shared_reads(0) as reads:
        assert not reads.shared  # a savepoint's snapshot cannot be exported
        assert judgment_columns(build.campaign, reads).comparison_id.size == 55
    assert readers == []


def test_without_a_free_connection_the_reads_fall_back_to_the_runs_own(
    readers, monkeypatch, caplog
):
    build, _people = crowd()
    with consistent_reads():
        alone = judgment_columns(build.campaign, Reads.serial())

    def refused(self):
        raise psycopg.OperationalError("sorry, too many clients already")

    monkeypatch.setattr(DatabaseWrapper, "extra_connection", refused)
    with consistent_reads(), shared_reads.shared_reads(0) as reads:
        fallen_back = judgment_columns(build.campaign, reads)
        assert not reads.shared
    assert_same_columns(fallen_back, alone)
    assert "could not connect" in caplog.text


def test_an_incremental_run_opens_no_reader(readers):
    # Its reads are the new judgments and a few comparisons: not worth two connections.
    build, _people = crowd()
    compute_snapshot(build.campaign, rounds=20, full=True)
    opened = len(readers)
    items = list(build.campaign.comparisons.filter(gold_side="").order_by("pk")[:2])
    newcomer = build.annotator()
    for item in items:
        make_judgment(newcomer, item, -1)

    folded = compute_snapshot(build.campaign, rounds=20)

    assert folded is not None and folded.stats["full_reason"] == ""
    assert len(readers) == opened == django_settings.SCORING_SHARED_READERS
