"""The annotate loop's written-out statements (campaign/rows.py, judging's INSERT) give what
the ORM gives, on PostgreSQL and on the demo's SQLite."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campaign.annotate.assignment import next_assignment
from campaign.annotate.judging import judge_and_next
from campaign.models import Assignment, Campaign, Judgment, Prompt
from campaign.participants.enrolment import get_participation
from campaign.rows import columns_of, fetch_instance, insert_instance
from tests.builders import make_judgeable_campaign, make_participant

pytestmark = pytest.mark.django_db


def test_a_fetched_row_converts_its_columns_as_the_orm_does() -> None:
    starts = timezone.now().replace(microsecond=123456) - datetime.timedelta(days=1)
    campaign = make_judgeable_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(starts_at=starts)
    prompt = Prompt.objects.filter(campaign=campaign).first()
    assert prompt is not None
    Prompt.objects.filter(pk=prompt.pk).update(metadata={"source": "x", "n": [1, 2]})

    found_campaign = fetch_instance(
        Campaign, "SELECT *, 7 AS seven FROM campaign_campaign WHERE id = %s", [campaign.pk]
    )
    found_prompt = fetch_instance(
        Prompt, "SELECT * FROM campaign_prompt WHERE id = %s", [prompt.pk]
    )

    assert found_campaign is not None and found_prompt is not None
    loaded, extra = found_campaign
    assert loaded.starts_at == starts == Campaign.objects.get(pk=campaign.pk).starts_at
    assert extra == {"seven": 7}
    assert found_prompt[0].metadata == {"source": "x", "n": [1, 2]}


def test_no_row_is_none_and_a_query_without_the_primary_key_is_refused() -> None:
    assert fetch_instance(Campaign, "SELECT * FROM campaign_campaign WHERE id = %s", [-1]) is None
    campaign = make_judgeable_campaign()
    with pytest.raises(ValueError, match="primary key"):
        fetch_instance(Campaign, "SELECT slug FROM campaign_campaign WHERE id = %s", [campaign.pk])


def test_a_judgment_stored_by_the_judge_step_reads_back_as_built() -> None:
    campaign = make_judgeable_campaign()
    participant = make_participant(campaign)
    assignment = next_assignment(annotator=participant, campaign=campaign)
    assert assignment is not None
    enrollment = get_participation(slug=campaign.slug, user=participant)

    outcome = judge_and_next(
        enrollment=enrollment,
        assignment_key=assignment.key,
        choice=-1,
        rationale="clear",
        seconds=4.5,
    )

    stored = Judgment.objects.get(assignment=assignment)
    assert outcome.judgment is not None and outcome.judgment.pk == stored.pk
    assert (stored.annotator_id, stored.comparison_id, stored.rationale) == (
        participant.pk,
        assignment.comparison_id,
        "clear",
    )
    assert stored.seconds == outcome.judgment.seconds <= 4.5  # capped by the lease's age
    assert stored.is_gold is False and stored.correct is None
    assert stored.created_at == outcome.judgment.created_at


def test_a_leased_assignment_reads_back_as_built() -> None:
    campaign = make_judgeable_campaign()
    participant = make_participant(campaign)

    assignment = next_assignment(annotator=participant, campaign=campaign)

    assert assignment is not None and assignment.pk is not None
    assert assignment._state.adding is False
    stored = Assignment.objects.get(pk=assignment.pk)
    fields = ("key", "campaign_id", "comparison_id", "annotator_id", "left_side", "is_gold")
    assert [getattr(stored, f) for f in fields] == [getattr(assignment, f) for f in fields]
    assert (stored.status, stored.skip_reason) == (Assignment.Status.OPEN, "")
    assert stored.leased_at == assignment.leased_at
    assert stored.expires_at - stored.leased_at == datetime.timedelta(
        minutes=campaign.lease_minutes
    )


def test_a_model_whose_fields_set_themselves_is_not_inserted_by_a_written_out_statement() -> None:
    # Campaign: created_at is auto_now_add, allocation has a database default.
    with pytest.raises(ValueError, match="needs save"):
        insert_instance(Campaign(slug="x", title="x"))
    assert not Campaign.objects.filter(slug="x").exists()


def test_a_statement_run_again_maps_each_row_as_the_first_time() -> None:
    # The statement's column names are remembered after its first run (campaign/rows.py).
    first, second = make_judgeable_campaign(), make_judgeable_campaign()
    sql = (
        f"SELECT {columns_of(Campaign, 'c')}, c.slug AS again"  # noqa: S608 - names only
        " FROM campaign_campaign c WHERE c.id = %s"
    )

    found = [fetch_instance(Campaign, sql, [campaign.pk]) for campaign in (first, second, first)]

    assert [(row[0].pk, row[0].slug, row[1]) for row in found if row is not None] == [
        (first.pk, first.slug, {"again": first.slug}),
        (second.pk, second.slug, {"again": second.slug}),
        (first.pk, first.slug, {"again": first.slug}),
    ]
