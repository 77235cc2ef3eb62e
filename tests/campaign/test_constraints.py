"""The database itself refuses rows that must never exist, whatever code writes them."""

from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from campaign.models import Campaign, Comparison, Contender, Judgment, Prompt, Response
from tests.builders import make_user
from tests.builders.sessions import other_session, waits_fail, waits_for_the_writer

pytestmark = pytest.mark.django_db


@pytest.fixture
def content():
    campaign = Campaign.objects.create(slug="c", title="C")
    x = Contender.objects.create(campaign=campaign, name="x")
    y = Contender.objects.create(campaign=campaign, name="y")
    prompt = Prompt.objects.create(campaign=campaign, external_id="q1", text="p")
    other_prompt = Prompt.objects.create(campaign=campaign, external_id="q2", text="p2")
    return {
        "campaign": campaign,
        "x": x,
        "y": y,
        "prompt": prompt,
        "other_prompt": other_prompt,
        "rx": Response.objects.create(campaign=campaign, prompt=prompt, contender=x, text="x1"),
        "ry": Response.objects.create(campaign=campaign, prompt=prompt, contender=y, text="y1"),
        "other_ry": Response.objects.create(
            campaign=campaign, prompt=other_prompt, contender=y, text="y2"
        ),
    }


def assert_refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def compare(content, a: str, b: str, *, prompt: str = "prompt", **fields) -> Comparison:
    """A comparison of responses ``content[a]`` and ``content[b]`` under ``content[prompt]``,
    in the content's campaign unless ``fields`` say otherwise."""
    fields = {"campaign": content["campaign"], **fields}
    return Comparison.objects.create(
        prompt=content[prompt], response_a=content[a], response_b=content[b], **fields
    )


def test_duplicate_prompt_id_in_a_campaign_is_refused(content):
    assert_refused(
        lambda: Prompt.objects.create(campaign=content["campaign"], external_id="q1", text="again")
    )


def test_same_prompt_id_in_another_campaign_is_fine(content):
    other = Campaign.objects.create(slug="d", title="D")
    Prompt.objects.create(campaign=other, external_id="q1", text="p")

    assert Prompt.objects.filter(external_id="q1").count() == 2


def test_two_responses_of_one_contender_to_one_prompt_are_refused(content):
    assert_refused(
        lambda: Response.objects.create(
            campaign=content["campaign"], prompt=content["prompt"], contender=content["x"], text="2"
        )
    )


def test_a_comparison_of_a_response_with_itself_is_refused(content):
    assert_refused(lambda: compare(content, "rx", "rx"))


def test_a_comparison_of_responses_to_different_prompts_is_refused(content):
    assert_refused(lambda: compare(content, "rx", "other_ry"))


def test_a_comparison_whose_prompt_is_in_another_campaign_is_refused(content):
    other = Campaign.objects.create(slug="d", title="D")
    assert_refused(lambda: compare(content, "rx", "ry", campaign=other))


def test_the_same_pair_twice_is_refused_even_swapped(content):
    compare(content, "rx", "ry")
    assert_refused(lambda: compare(content, "ry", "rx"))


def test_gold_side_other_than_a_or_b_is_refused(content):
    assert_refused(lambda: compare(content, "rx", "ry", gold_side="c"))


@pytest.mark.parametrize(
    "setting",
    [
        {"gold_rate": 1.5},
        {"min_gold_accuracy": -0.1},
        {"judgments_per_comparison": 0},
        {"lease_minutes": 0},
        {"status": "archived"},
        {"scale": 4},
        {"pairs_per_prompt": 0},
    ],
)
def test_campaign_settings_out_of_range_are_refused(setting):
    assert_refused(lambda: Campaign.objects.create(slug="bad", title="Bad", **setting))


def test_duplicate_contender_name_is_refused(content):
    assert_refused(lambda: Contender.objects.create(campaign=content["campaign"], name="x"))


def _judgment(campaign: Campaign, comparison: Comparison) -> Judgment:
    return Judgment.build(
        campaign_id=campaign.pk,
        comparison_id=comparison.pk,
        gold_side=comparison.gold_side,
        annotator_id=make_user().pk,
        verdict=1,
        created_at=timezone.now(),
    )


@pytest.fixture
def comparison(content):
    return compare(content, "rx", "ry")


def test_a_judgment_of_its_own_campaigns_comparison_is_stored(content, comparison):
    _judgment(content["campaign"], comparison).save()

    assert Judgment.objects.filter(comparison=comparison).count() == 1


def test_a_judgment_of_a_comparison_in_another_campaign_is_refused(comparison):
    # One composite key (campaign, comparison) stands for the judgment's two keys (migration
    # 0011): it refuses this row, which the two separate keys let through.
    other = Campaign.objects.create(slug="d", title="D")
    assert_refused(lambda: _judgment(other, comparison).save())


def test_a_judgment_of_a_missing_comparison_is_refused(content, comparison):
    judgment = _judgment(content["campaign"], comparison)
    judgment.comparison_id = comparison.pk + 1000
    assert_refused(judgment.save)


def test_a_judgment_in_a_missing_campaign_is_refused(content, comparison):
    judgment = _judgment(content["campaign"], comparison)
    judgment.campaign_id = content["campaign"].pk + 1000
    assert_refused(judgment.save)


def test_deleting_a_comparison_deletes_its_judgments_in_the_database(content, comparison):
    # The composite key cascades as the two keys did in Django's collector: a raw DELETE
    # (no collector) leaves no judgment behind.
    _judgment(content["campaign"], comparison).save()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_comparison WHERE id = %s", [comparison.pk])

    assert not Judgment.objects.exists()


def test_the_same_pair_under_another_prompt_is_refused(content):
    # comparison_unique_pair leads with the prompt since 0011: the composite keys tie both
    # responses to the comparison's prompt, so the same pair under another prompt is refused
    # by them.
    compare(content, "rx", "ry")
    assert_refused(lambda: compare(content, "ry", "rx", prompt="other_prompt"))


def test_a_response_in_another_campaign_than_its_prompt_is_refused(content):
    # Since 0012 a response repeats its prompt's campaign (a comparison then needs two key
    # checks, not three); the composite key (prompt, campaign) keeps the copy true.
    other = Campaign.objects.create(slug="d", title="D")
    z = Contender.objects.create(campaign=other, name="z")
    assert_refused(
        lambda: Response.objects.create(
            campaign=other, prompt=content["prompt"], contender=z, text="z"
        )
    )


def test_a_response_of_a_contender_of_another_campaign_is_refused(content):
    other = Campaign.objects.create(slug="d", title="D")
    z = Contender.objects.create(campaign=other, name="z")
    assert_refused(
        lambda: Response.objects.create(
            campaign=content["campaign"], prompt=content["prompt"], contender=z, text="z"
        )
    )


# Since migration 0014 the composite keys of responses and comparisons are checked once per
# statement by triggers, not by foreign keys (the judgments' is still one). The tests above hold
# for one row; these hold what the keys also guaranteed.


def test_a_bulk_insert_with_one_comparison_across_prompts_is_refused_whole(content):
    good = Comparison(
        campaign=content["campaign"],
        prompt=content["prompt"],
        response_a=content["rx"],
        response_b=content["ry"],
    )
    bad = Comparison(
        campaign=content["campaign"],
        prompt=content["prompt"],
        response_a=content["rx"],
        response_b=content["other_ry"],
    )
    assert_refused(lambda: Comparison.objects.bulk_create([good, bad]))

    assert not Comparison.objects.exists()


def test_a_copy_naming_a_missing_response_is_refused(content):
    # An import's path: COPY, checked once for the whole statement.
    row = [content["campaign"].pk, content["prompt"].pk, content["rx"].pk, 0, "", 0, 0]
    columns = "campaign_id, prompt_id, response_a_id, response_b_id, gold_side, load, shuffle"
    statement = f"COPY campaign_comparison ({columns}) FROM STDIN"
    with (
        pytest.raises(psycopg.errors.ForeignKeyViolation),
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        copy.write_row(row)


def test_pointing_a_comparison_at_a_response_of_another_prompt_is_refused(content, comparison):
    assert_refused(
        lambda: Comparison.objects.filter(pk=comparison.pk).update(response_b=content["other_ry"])
    )


def test_moving_a_compared_response_to_another_prompt_is_refused(content, comparison):
    assert_refused(
        lambda: Response.objects.filter(pk=content["rx"].pk).update(prompt=content["other_prompt"])
    )


def test_a_judgment_moved_to_another_campaign_is_refused(content, comparison):
    judgment = _judgment(content["campaign"], comparison)
    judgment.save()
    other = Campaign.objects.create(slug="d", title="D")
    assert_refused(lambda: Judgment.objects.filter(pk=judgment.pk).update(campaign=other))


def test_deleting_a_prompt_in_sql_deletes_what_hangs_from_it(content, comparison):
    # As ON DELETE CASCADE did: responses, their comparisons, their judgments.
    _judgment(content["campaign"], comparison).save()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_prompt WHERE id = %s", [content["prompt"].pk])

    assert list(Response.objects.values_list("pk", flat=True)) == [content["other_ry"].pk]
    assert not Comparison.objects.exists()
    assert not Judgment.objects.exists()


def test_deleting_a_contender_in_sql_deletes_its_responses_and_comparisons(content, comparison):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_contender WHERE id = %s", [content["x"].pk])

    assert not Response.objects.filter(contender_id=content["x"].pk).exists()
    assert not Comparison.objects.exists()


def test_truncating_compared_responses_alone_is_refused(comparison):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE campaign_response CASCADE")


def test_truncating_responses_with_their_comparisons_is_fine(comparison):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE campaign_response, campaign_comparison, campaign_judgment CASCADE")

    assert not Comparison.objects.exists()


@pytest.mark.django_db(transaction=True)  # the other session must see the rows
def test_a_response_cannot_be_deleted_under_a_comparison_being_written(content):
    # A key locked the response; the triggers lock its campaign. The deleter waits for the
    # writer (and then cascades to what it wrote): it cannot leave the comparison dangling.
    with transaction.atomic():
        compare(content, "rx", "ry")
        with other_session() as other:
            waits_for_the_writer(
                other, "DELETE FROM campaign_response WHERE id = %s", [content["rx"].pk]
            )


@pytest.mark.django_db(transaction=True)
def test_a_comparison_cannot_be_written_over_a_response_being_deleted(content):
    with other_session() as other:
        other.execute("DELETE FROM campaign_response WHERE id = %s", [content["rx"].pk])
        with waits_fail(1), pytest.raises(OperationalError), transaction.atomic():
            compare(content, "rx", "ry")


# Since migration 0016 a prompt's campaign is checked once per statement by triggers too.


def test_a_copy_of_prompts_naming_a_missing_campaign_is_refused_whole(content):
    campaign = content["campaign"].pk
    statement = (
        "COPY campaign_prompt (campaign_id, external_id, text, category, metadata) FROM STDIN"
    )
    with (
        pytest.raises(psycopg.errors.ForeignKeyViolation),
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        copy.write_row([campaign, "fine", "p", "", "{}"])
        copy.write_row([campaign + 1000, "orphan", "p", "", "{}"])

    assert not Prompt.objects.filter(external_id__in=["fine", "orphan"]).exists()


def test_moving_a_prompt_to_a_missing_campaign_is_refused(content):
    missing = content["campaign"].pk + 1000
    assert_refused(
        lambda: Prompt.objects.filter(pk=content["prompt"].pk).update(campaign_id=missing)
    )


def test_deleting_a_campaign_in_sql_while_prompts_name_it_is_refused(content):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_campaign WHERE id = %s", [content["campaign"].pk])


def test_deleting_a_campaign_deletes_its_content(content, comparison):
    _judgment(content["campaign"], comparison).save()
    content["campaign"].delete()

    assert not Prompt.objects.exists()
    assert not Response.objects.exists()
    assert not Judgment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_campaign_cannot_be_deleted_under_a_prompt_being_written(content):
    with transaction.atomic():
        Prompt.objects.create(campaign=content["campaign"], external_id="new", text="p")
        with other_session() as other:
            waits_for_the_writer(
                other, "DELETE FROM campaign_campaign WHERE id = %s", [content["campaign"].pk]
            )
