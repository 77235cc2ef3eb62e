"""A full read of the regular comparisons (scoring.comparison_cache, scoring.campaign_data):
the comparisons, their prompts, the responses and their style rows are each read once and
joined by id in numpy, so the joins must match rows by id whatever order the server returns
them in and whatever other campaigns' rows lie between them."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from campaign.models import Comparison, Prompt, Response
from scoring.comparison_cache import comparison_facts, run_comparisons
from scoring.models import ResponseStyle
from scoring.numerics.style import style_counts
from scoring.packed_rows import by_id, serial_reads
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db
NAMES = ("alpha", "beta", "gamma")


def test_rows_are_put_in_id_order_together():
    columns = {"id": np.array([5, 2, 9, 3]), "value": np.array([50, 20, 90, 30])}

    ordered = by_id(columns)

    assert ordered["id"].tolist() == [2, 3, 5, 9]
    assert ordered["value"].tolist() == [20, 30, 50, 90]
    assert by_id(ordered) is ordered  # already in order: kept as it is


def test_serial_reads_give_the_setting_back():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 3")
        with serial_reads():
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone() == ("0",)
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("3",)


def test_a_full_read_matches_each_comparison_with_its_own_rows():
    # Two campaigns' items made in turns: their ids interleave, so the style rows of this
    # campaign's range of response ids include the other's.
    mine, other = CampaignBuilder(NAMES), CampaignBuilder(NAMES)
    made = []
    for k in range(8):
        texts = (f"# Head {k}\n\n- one\n- two " * (k + 1), f"**bold** {k} " * (2 * k + 1))
        a, b = NAMES[k % 3], NAMES[(k + 1) % 3]
        made.append(mine.comparison(a, b, texts=texts, category=("maths", "code", "")[k % 3]))
        other.comparison("alpha", "beta", texts=(f"other {k}", f"- other {k}"), category="x")
    mine.comparison("gamma", "alpha", gold="a", category="gold only")
    # Stored counts unlike the texts' own, for some of this campaign's responses and all of
    # the other's: a read must take a stored row as it is and count only the others.
    stored = [made[k].response_a_id for k in (0, 3, 5)] + [made[6].response_b_id]
    stored += list(Response.objects.filter(campaign=other.campaign).values_list("pk", flat=True))
    ResponseStyle.objects.bulk_create(
        ResponseStyle(response_id=pk, length=1000 + pk, headers=7, lists=8, bold=9) for pk in stored
    )
    # New versions of rows, stored after the others: a scan returns them out of id order.
    Comparison.objects.filter(pk__in=[made[0].pk, made[4].pk]).update(load=1)
    Prompt.objects.filter(pk=made[1].prompt_id).update(text="edited")
    Response.objects.filter(pk__in=[made[0].response_a_id, made[2].response_b_id]).update(
        html="<p>edited</p>"
    )
    ResponseStyle.objects.filter(response_id=made[0].response_a_id).update(bold=10)
    contender_ids = [mine.contenders[name].pk for name in ("gamma", "alpha", "beta")]

    read = run_comparisons(mine.campaign, contender_ids, comparison_facts(mine.campaign), full=True)

    comparisons = read.comparisons
    regular = list(Comparison.objects.filter(campaign=mine.campaign, gold_side="").order_by("pk"))
    index = {pk: k for k, pk in enumerate(contender_ids)}
    categories = sorted(
        set(Prompt.objects.filter(campaign=mine.campaign).values_list("category", flat=True))
    )
    responses = {r.pk: r for r in Response.objects.filter(campaign=mine.campaign)}
    rows = {
        s.response_id: (s.length, s.headers, s.lists, s.bold) for s in ResponseStyle.objects.all()
    }

    def style(pk: int) -> list[int]:
        if pk in rows:
            return list(rows[pk])
        return style_counts([responses[pk].text])[0].tolist()

    assert comparisons.ids.tolist() == [c.pk for c in regular]
    assert comparisons.a.tolist() == [
        index[responses[c.response_a_id].contender_id] for c in regular
    ]
    assert comparisons.b.tolist() == [
        index[responses[c.response_b_id].contender_id] for c in regular
    ]
    assert comparisons.categories == categories == ["", "code", "gold only", "maths"]
    assert comparisons.category.tolist() == [
        categories.index(Prompt.objects.get(pk=c.prompt_id).category) for c in regular
    ]
    assert comparisons.style_a is not None and comparisons.style_b is not None
    assert comparisons.style_a.tolist() == [style(c.response_a_id) for c in regular]
    assert comparisons.style_b.tolist() == [style(c.response_b_id) for c in regular]
    assert comparisons.style_a[0].tolist() == [1000 + made[0].response_a_id, 7, 8, 10]
    # Counted from their texts: the regular comparisons' responses without a stored row.
    counted = sorted(
        ({c.response_a_id for c in regular} | {c.response_b_id for c in regular}) - set(rows)
    )
    assert read.counted_ids.tolist() == counted
    assert read.counted.tolist() == [style(pk) for pk in counted]
