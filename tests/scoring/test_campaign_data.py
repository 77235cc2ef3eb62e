"""A run's reads (scoring.campaign_data): rows in the query's order, the regular comparisons
with their contenders and categories, a bad query refused rather than read wrong, and the
judgments read in chunks giving the columns of one read."""

from __future__ import annotations

import dataclasses
import datetime
import random

import numpy as np
import pytest
from django.db import connection

from campaign.models import Judgment
from scoring import judgment_reads
from scoring.campaign_data import contender_indexer, regular_comparisons
from scoring.judgment_reads import judgment_columns, new_judgment_columns
from scoring.packed_rows import fetch_columns
from tests.builders import CampaignBuilder, make_judgment

pytestmark = pytest.mark.django_db


def test_columns_come_back_in_the_querys_order_with_their_types():
    build = CampaignBuilder()
    made = [build.comparison("alpha", "beta") for _ in range(5)]

    columns = fetch_columns(
        "SELECT CAST(id AS BIGINT), CAST(id * 2 AS INTEGER), CAST(id / 4.0 AS DOUBLE PRECISION) "
        "FROM campaign_comparison WHERE campaign_id = %s ORDER BY id DESC",
        [build.campaign.pk],
        [("id", "bigint"), ("twice", "integer"), ("quarter", "double")],
    )

    ids = sorted((c.pk for c in made), reverse=True)
    assert columns["id"].tolist() == ids
    assert columns["twice"].tolist() == [2 * pk for pk in ids]
    assert columns["quarter"].tolist() == [pk / 4 for pk in ids]
    assert (columns["id"].dtype, columns["twice"].dtype) == (np.int64, np.int32)


def test_no_rows_give_empty_columns():
    columns = fetch_columns(
        "SELECT CAST(id AS BIGINT) FROM campaign_comparison WHERE id < 0", [], [("id", "bigint")]
    )
    assert columns["id"].size == 0 and columns["id"].dtype == np.int64


def test_a_null_in_the_columns_is_refused_not_dropped():
    build = CampaignBuilder()
    build.comparison("alpha", "beta")
    build.comparison("beta", "gamma")

    with pytest.raises(RuntimeError, match="NULL"):
        fetch_columns(
            "SELECT CAST(CASE WHEN MOD(id, 2) = 0 THEN id END AS BIGINT) FROM campaign_comparison "
            "UNION ALL SELECT CAST(NULL AS BIGINT)",
            [],
            [("id", "bigint")],
        )


def test_regular_comparisons_carry_their_contenders_and_categories():
    build = CampaignBuilder()
    coding = build.comparison("alpha", "beta", category="coding")
    plain = build.comparison("gamma", "alpha")
    build.comparison("alpha", "gamma", gold="a", category="gold only")
    maths = build.comparison("beta", "gamma", category="maths")
    contender_ids = [build.contenders[name].pk for name in ("alpha", "beta", "gamma")]

    comparisons = regular_comparisons(build.campaign, contender_ids)

    assert comparisons.ids.tolist() == [coding.pk, plain.pk, maths.pk]
    assert comparisons.a.tolist() == [0, 2, 1]
    assert comparisons.b.tolist() == [1, 0, 2]
    # Every category of the campaign's prompts, gold ones included; a comparison's is its index.
    assert comparisons.categories == ["", "coding", "gold only", "maths"]
    assert comparisons.category.tolist() == [1, 0, 3]
    assert comparisons.used_categories().tolist() == [0, 1, 3]


def test_judgments_read_in_chunks_give_the_columns_of_one_read(monkeypatch):
    # Vote order is (created_at, id), not id: times out of id order and many equal times, so
    # a chunk can end inside a run of equal times and the next must resume right after it.
    build = CampaignBuilder()
    items = [build.comparison("alpha", "beta") for _ in range(4)]
    items.append(build.comparison("alpha", "gamma", gold="b"))
    people = [build.annotator() for _ in range(5)]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    shuffle = random.Random(14)
    for item in items:
        for person in people:
            make_judgment(
                person,
                item,
                shuffle.choice([-2, -1, 0, 1, 2]),
                left=shuffle.choice(["a", "b", ""]),
                seconds=shuffle.choice([None, 3.5, 12.0]),
                created_at=start + datetime.timedelta(seconds=shuffle.randrange(4)),
            )
    order = list(
        Judgment.objects.filter(campaign=build.campaign)
        .order_by("created_at", "pk")
        .values_list("pk", "comparison_id")
    )
    whole = judgment_columns(build.campaign)
    whole_new = new_judgment_columns(build.campaign, order[6][0])
    assert whole.comparison_id.tolist() == [comparison for _pk, comparison in order]

    for chunk in (1, 2, 3, 7, 25, 26):
        monkeypatch.setattr(judgment_reads, "JUDGMENT_CHUNK", chunk)
        _assert_same(judgment_columns(build.campaign), whole)
        ids, columns = new_judgment_columns(build.campaign, order[6][0])
        assert ids.tolist() == whole_new[0].tolist()
        _assert_same(columns, whole_new[1])


def _assert_same(columns, expected):
    for field in dataclasses.fields(columns):
        got, want = getattr(columns, field.name), getattr(expected, field.name)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ids", [[5, 3, 9], [1, 10**9, 7], [42]])
def test_contender_ids_map_to_their_indices_over_a_narrow_or_a_wide_range(ids):
    # A narrow range is mapped through a table over it, a wide one by binary search.
    pks = np.array(ids * 3, dtype=np.int64)
    got = contender_indexer(ids)(pks)
    assert got.tolist() == [ids.index(pk) for pk in pks.tolist()]
    assert got.dtype == np.intp
    assert contender_indexer(ids)(np.empty(0, dtype=np.int64)).size == 0


def test_the_judgments_come_in_vote_order_from_the_index_without_a_sort():
    # Migration 0020: (campaign, created_at, id) orders equal times by id; on (campaign,
    # created_at) the server sorted each run of equal times (an Incremental Sort).
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL plan")
    build = CampaignBuilder()
    item = build.comparison("alpha", "beta")
    for _ in range(3):
        build.judge(build.annotator(), item, -1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: the index's plan
        cursor.execute(
            "EXPLAIN SELECT j.id FROM campaign_judgment j WHERE j.campaign_id = %s "
            "AND (j.created_at, j.id) > (%s, 0) ORDER BY j.created_at, j.id LIMIT 10",
            [build.campaign.pk, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "judgment_vote_order" in plan
    assert "Sort" not in plan
