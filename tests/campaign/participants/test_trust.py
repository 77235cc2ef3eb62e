"""The trust rule (campaign.participants.trust): states, accuracy, and whose votes count."""

from __future__ import annotations

import pytest
from django.db import connection

from campaign.models import Campaign, Comparison, Enrollment, gold_pool, regular_pool
from campaign.participants.trust import (
    STANDING_STEP,
    GoldRecord,
    Trust,
    TrustState,
    assess_trust,
    campaign_has_gold,
    gold_record,
    settle_standing,
)
from tests.builders import make_campaign, make_comparisons, make_judgment, make_participant


def thresholds(min_gold_seen: int = 5, min_gold_accuracy: float = 0.7) -> Campaign:
    return Campaign(min_gold_seen=min_gold_seen, min_gold_accuracy=min_gold_accuracy)


@pytest.mark.parametrize(
    ("seen", "correct", "state", "votes_count"),
    [
        (0, 0, TrustState.QUALIFYING, False),
        (4, 4, TrustState.QUALIFYING, False),  # perfect, but not enough gold yet
        (5, 5, TrustState.TRUSTED, True),  # mean 6/7
        (5, 4, TrustState.TRUSTED, True),  # mean 5/7 = 0.714
        (5, 3, TrustState.UNTRUSTED, False),  # mean 4/7 = 0.571
        (10, 7, TrustState.UNTRUSTED, False),  # mean 8/12 = 0.667
    ],
)
def test_states_by_the_campaign_thresholds(seen, correct, state, votes_count) -> None:
    trust = assess_trust(seen=seen, correct=correct, thresholds=thresholds())
    assert (trust.state, trust.votes_count) == (state, votes_count)


def test_nobody_has_an_accuracy_before_any_gold() -> None:
    assert assess_trust(seen=0, correct=0, thresholds=thresholds()).accuracy is None
    assert assess_trust(seen=2, correct=1, thresholds=thresholds()).accuracy == 0.5


def test_with_min_gold_seen_zero_nobody_is_trusted_on_no_gold() -> None:
    # Nobody is trusted or untrusted on no gold (PRODUCT.md "Scoring"), and their votes do not
    # count on the prior alone, however lenient the thresholds (issue 12).
    lenient = assess_trust(seen=0, correct=0, thresholds=thresholds(0, 0.0))
    strict = assess_trust(seen=0, correct=0, thresholds=thresholds(0, 0.7))
    assert lenient.state == strict.state == TrustState.QUALIFYING
    assert (lenient.votes_count, strict.votes_count) == (False, False)
    one_right = assess_trust(seen=1, correct=1, thresholds=thresholds(0, 0.6))  # mean 2/3
    assert one_right.state == TrustState.TRUSTED


def test_a_campaign_without_gold_vets_nobody_and_counts_every_vote() -> None:
    trust = assess_trust(seen=0, correct=0, thresholds=thresholds(), has_gold=False)
    assert trust == Trust(state=TrustState.UNVETTED, accuracy=None, votes_count=True)


def gold_campaign(*sides: str) -> Campaign:
    """A campaign with a regular comparison and one gold comparison on each of ``sides``."""
    campaign = make_campaign(min_gold_seen=2, min_gold_accuracy=0.7)
    make_comparisons(campaign, 1)
    for side in sides:
        (comparison,) = make_comparisons(campaign, 0, gold=1)
        Comparison.objects.filter(pk=comparison.pk).update(gold_side=side)
    return campaign


@pytest.mark.django_db
def test_a_campaign_vets_only_with_gold_comparisons_of_its_own_on_either_side() -> None:
    gold_a, gold_b, regular_only = gold_campaign("a"), gold_campaign("b"), gold_campaign()

    assert (campaign_has_gold(gold_a), campaign_has_gold(gold_b)) == (True, True)
    assert not campaign_has_gold(regular_only)


def judge_each(annotator, comparisons, verdict: int = -1) -> None:
    for comparison in comparisons:
        make_judgment(annotator, comparison, verdict)


@pytest.mark.django_db
def test_a_gold_record_counts_the_annotators_own_gold_in_this_campaign_only() -> None:
    campaign, elsewhere = gold_campaign("a", "b"), gold_campaign("a")
    annotator, other = make_participant(campaign), make_participant(campaign)
    # -1 prefers side a: right on the "a" gold, wrong on the "b" gold.
    judge_each(annotator, Comparison.objects.filter(campaign=campaign))
    judge_each(annotator, Comparison.objects.filter(campaign=elsewhere))
    judge_each(other, Comparison.objects.filter(campaign=campaign, gold_side="b"), verdict=1)

    assert gold_record(annotator=annotator, campaign=campaign) == GoldRecord(seen=2, correct=1)
    assert gold_record(annotator=annotator.pk, campaign=elsewhere) == GoldRecord(1, 1)
    assert gold_record(annotator=other, campaign=campaign) == GoldRecord(seen=1, correct=1)


@pytest.mark.django_db
def test_the_standing_is_settled_and_stored_on_a_steps_last_judgment_only() -> None:
    campaign = gold_campaign("a", "b")
    annotator = make_participant(campaign)
    judge_each(annotator, Comparison.objects.filter(campaign=campaign))  # 1 of 2 gold right
    enrollment = Enrollment.objects.select_related("campaign").get(user=annotator)

    enrollment.judged = STANDING_STEP - 1
    settle_standing(enrollment)
    assert enrollment.standing == TrustState.QUALIFYING

    enrollment.judged = STANDING_STEP
    settle_standing(enrollment)
    assert enrollment.standing == TrustState.UNTRUSTED  # mean 2/4 < 0.7
    assert Enrollment.objects.get(pk=enrollment.pk).standing == TrustState.UNTRUSTED
    assert (
        Enrollment.objects.exclude(pk=enrollment.pk).filter(standing=TrustState.UNTRUSTED).count()
        == 0
    )


@pytest.mark.django_db
@pytest.mark.parametrize("verdict", [-1, 1], ids=["right-on-a", "right-on-b"])
def test_a_settled_standing_is_the_rule_applied_to_the_gold_record(verdict: int) -> None:
    # settle_standing reads the record in a statement of its own: it must agree with
    # gold_record and campaign_has_gold, and count this campaign's gold only.
    campaign, elsewhere = gold_campaign("a", "a", "a", "b"), gold_campaign("b", "b")
    annotator = make_participant(campaign)
    judge_each(annotator, Comparison.objects.filter(campaign=campaign), verdict=verdict)
    judge_each(annotator, Comparison.objects.filter(campaign=elsewhere), verdict=verdict)
    enrollment = Enrollment.objects.select_related("campaign").get(
        user=annotator, campaign=campaign
    )
    Campaign.objects.filter(pk=campaign.pk).update(min_gold_seen=4, min_gold_accuracy=0.6)
    enrollment.campaign.refresh_from_db()

    enrollment.judged = STANDING_STEP
    settle_standing(enrollment)

    record = gold_record(annotator=annotator, campaign=campaign)
    expected = assess_trust(
        seen=record.seen,
        correct=record.correct,
        thresholds=enrollment.campaign,
        has_gold=campaign_has_gold(campaign),
    ).state
    assert record.seen == 4
    assert expected == (TrustState.TRUSTED if verdict == -1 else TrustState.UNTRUSTED)
    assert Enrollment.objects.get(pk=enrollment.pk).standing == enrollment.standing == expected


@pytest.mark.django_db
def test_in_a_campaign_without_gold_a_settled_standing_is_not_vetted() -> None:
    campaign = gold_campaign()  # regular comparisons only
    annotator = make_participant(campaign)
    judge_each(annotator, Comparison.objects.filter(campaign=campaign))
    enrollment = Enrollment.objects.select_related("campaign").get(user=annotator)

    enrollment.judged = STANDING_STEP
    settle_standing(enrollment)

    # Never "qualifying": there is no gold to qualify on, and every vote counts.
    assert Enrollment.objects.get(pk=enrollment.pk).standing == TrustState.UNVETTED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pool", "index"),
    [
        (lambda campaign: gold_pool(campaign).values("pk"), "comparison_gold_pool"),
        (
            lambda campaign: regular_pool(campaign).order_by("load", "shuffle").values("pk"),
            "comparison_regular_queue",
        ),
    ],
    ids=["gold", "regular"],
)
def test_a_pool_is_read_on_its_index_under_a_prepared_statements_generic_plan(pool, index):
    # A connection prepares the statements it repeats (settings: server-side binding), and
    # after a few runs PostgreSQL plans one for any parameters: gold sides bound as parameters
    # cannot use the partial index then, and every comparison was scanned.
    campaign = gold_campaign("a")
    sql, params = pool(campaign).query.sql_with_params()
    for number in range(1, len(params) + 1):
        sql = sql.replace("%s", f"${number}", 1)
    arguments = ", ".join(str(int(value)) for value in params)  # the campaign's id
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table is scanned anyway
        cursor.execute(f"PREPARE gold_check AS {sql}")
        cursor.execute(f"EXPLAIN EXECUTE gold_check({arguments})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE gold_check")

    assert index in plan, plan
    assert [row.gold_side for row in gold_pool(campaign)] == ["a"]
    assert {row.gold_side for row in regular_pool(campaign)} == {""}
