"""A run's reads (scoring.campaign_data): rows in the query's order, the regular comparisons
with their contenders and categories, and a bad query refused rather than read wrong."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.campaign_data import fetch_columns, regular_comparisons
from tests.builders import CampaignBuilder

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
