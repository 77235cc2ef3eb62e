"""A judgment's comparison, annotator and assignment: refused when missing, whatever writes them.

Since migration 0017 all three are checked once per statement by triggers; since 0019 a
judgment of a lease is checked through the lease (locked FOR KEY SHARE), without locking the
comparison's row (which pickers update); one without a lease locks its comparison. These
tests hold what the keys guaranteed: the one-row cases of tests/campaign/test_constraints.py,
plus many rows at once (a vote import's COPY), the referenced side (deletes, re-keys,
truncation) and the locks. tests/campaign/test_judgment_keys_concurrency.py replays the
deadlock that the comparison's lock allowed.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import User
from campaign.models import (
    Assignment,
    Campaign,
    Comparison,
    Contender,
    Judgment,
    Prompt,
    Response,
)
from tests.builders import judge, make_user, serve
from tests.builders.sessions import (
    goes_past_the_writer,
    other_session,
    wait_until_waiting_for_a_lock,
    waits_fail,
    waits_for_the_writer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def comparison() -> Comparison:
    campaign = Campaign.objects.create(slug="c", title="C")
    prompt = Prompt.objects.create(campaign=campaign, external_id="q1", text="p")
    a, b = (
        Response.objects.create(
            campaign=campaign,
            prompt=prompt,
            contender=Contender.objects.create(campaign=campaign, name=name),
            text=name,
        )
        for name in ("x", "y")
    )
    return Comparison.objects.create(campaign=campaign, prompt=prompt, response_a=a, response_b=b)


def judgment(comparison: Comparison, annotator: User | None = None, **fields) -> Judgment:
    return Judgment.build(
        campaign_id=comparison.campaign_id,
        comparison_id=comparison.pk,
        gold_side="",
        annotator_id=(annotator or make_user()).pk,
        verdict=1,
        created_at=timezone.now(),
        **fields,
    )


def assert_refused(action) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def copy_judgments(rows: list[list[object]]) -> None:
    """The vote import's path: one COPY statement, checked once (campaign.imports.vote_spool)."""
    columns = "annotator_id, created_at, campaign_id, comparison_id, verdict, is_gold, left_side"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy(f"COPY campaign_judgment ({columns}, rationale) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([*row, "f", "", ""])


def row(comparison: Comparison, annotator_id: int, comparison_id: int | None = None) -> list:
    return [
        annotator_id,
        timezone.now(),
        comparison.campaign_id,
        comparison_id or comparison.pk,
        1,
    ]


def test_a_copy_of_judgments_with_one_missing_comparison_is_refused_whole(comparison):
    rows = [row(comparison, make_user().pk), row(comparison, make_user().pk, comparison.pk + 9)]
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="judgment_comparison"):
        copy_judgments(rows)

    assert not Judgment.objects.exists()


def test_a_copy_of_judgments_with_one_missing_annotator_is_refused_whole(comparison):
    user = make_user()
    rows = [row(comparison, user.pk), row(comparison, user.pk + 1000)]
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="judgment_annotator"):
        copy_judgments(rows)

    assert not Judgment.objects.exists()


def test_a_copy_of_judgments_naming_stored_rows_is_stored(comparison):
    copy_judgments([row(comparison, make_user().pk), row(comparison, make_user().pk)])

    assert Judgment.objects.filter(comparison=comparison).count() == 2


def test_a_bulk_insert_with_one_missing_annotator_is_refused_whole(comparison):
    good, bad = judgment(comparison), judgment(comparison)
    bad.annotator_id = good.annotator_id + 1000
    assert_refused(lambda: Judgment.objects.bulk_create([good, bad]))

    assert not Judgment.objects.exists()


def test_pointing_a_judgment_at_a_missing_annotator_or_comparison_is_refused(comparison):
    stored = judgment(comparison)
    stored.save()
    judgments = Judgment.objects.filter(pk=stored.pk)

    assert_refused(lambda: judgments.update(annotator_id=stored.annotator_id + 1000))
    assert_refused(lambda: judgments.update(comparison_id=comparison.pk + 1000))


def test_deleting_a_judging_user_in_sql_is_refused(comparison):
    stored = judgment(comparison)
    stored.save()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [stored.annotator_id])


def test_deleting_a_judging_user_deletes_their_judgments(comparison):
    # Django's collector deletes the judgments first, as with the key.
    stored = judgment(comparison)
    stored.save()
    User.objects.filter(pk=stored.annotator_id).delete()

    assert not Judgment.objects.exists()


def test_re_keying_a_judged_comparison_or_user_is_refused(comparison):
    stored = judgment(comparison)
    stored.save()
    assert_refused(
        lambda: Comparison.objects.filter(pk=comparison.pk).update(id=comparison.pk + 1000)
    )
    assert_refused(
        lambda: User.objects.filter(pk=stored.annotator_id).update(id=stored.annotator_id + 1000)
    )


def test_re_keying_a_comparison_is_refused_even_unjudged(comparison):
    # A lease's judgment is checked through the lease, without locking the comparison: its
    # (id, campaign) must not move meanwhile, so they never move.
    assert_refused(
        lambda: Comparison.objects.filter(pk=comparison.pk).update(id=comparison.pk + 1000)
    )
    other = Campaign.objects.create(slug="other", title="Other")
    assert_refused(lambda: Comparison.objects.filter(pk=comparison.pk).update(campaign=other))


def another_comparison(comparison: Comparison) -> Comparison:
    """A second comparison on the same prompt, against a new contender."""
    return Comparison.objects.create(
        campaign=comparison.campaign,
        prompt=comparison.prompt,
        response_a=comparison.response_b,
        response_b=Response.objects.create(
            campaign=comparison.campaign,
            prompt=comparison.prompt,
            contender=Contender.objects.create(campaign=comparison.campaign, name="z"),
            text="z",
        ),
    )


def test_a_judgment_of_a_lease_of_another_comparison_is_refused(comparison):
    lease = serve(make_user(), comparison)
    elsewhere = another_comparison(comparison)

    assert_refused(lambda: judgment(elsewhere, lease.annotator, assignment_id=lease.pk).save())
    judgment(comparison, lease.annotator, assignment_id=lease.pk).save()


def test_a_judgment_of_a_lease_in_the_wrong_campaign_is_refused(comparison):
    lease = serve(make_user(), comparison)
    other = Campaign.objects.create(slug="other", title="Other")
    stored = judgment(comparison, lease.annotator, assignment_id=lease.pk)
    stored.campaign_id = other.pk

    assert_refused(stored.save)


@contextlib.contextmanager
def judging_through_a_lease(comparison) -> Iterator[tuple[Assignment, Any]]:
    """Inside: the test's session has stored a judgment through a lease of ``comparison``
    and not committed (a judge step in flight); ``other`` is a second session."""
    lease = serve(make_user(), comparison)
    with transaction.atomic():
        judgment(comparison, lease.annotator, assignment_id=lease.pk).save()
        with other_session() as other:
            yield lease, other


@pytest.mark.django_db(transaction=True)
def test_a_judge_step_locks_its_lease_and_not_its_comparison(comparison):
    # Pickers update comparisons all the time (their load); a judge step's lock on one would
    # let their SKIP LOCKED picks wait for each other (test_judgment_keys_concurrency.py).
    with judging_through_a_lease(comparison) as (lease, other):
        goes_past_the_writer(
            other, "SELECT 1 FROM campaign_comparison WHERE id = %s FOR UPDATE", [comparison.pk]
        )
        waits_for_the_writer(
            other, "SELECT 1 FROM campaign_assignment WHERE id = %s FOR UPDATE", [lease.pk]
        )


@pytest.mark.django_db(transaction=True)
def test_a_comparison_cannot_be_deleted_under_a_judgment_of_its_lease(comparison):
    with judging_through_a_lease(comparison) as (lease, other):
        # Django's way, the lease first: it waits for the judge.
        waits_for_the_writer(other, "DELETE FROM campaign_assignment WHERE id = %s", [lease.pk])
        # Moving the lease elsewhere waits for the judge too (its comparison is a key).
        waits_for_the_writer(
            other,
            "UPDATE campaign_assignment SET comparison_id = comparison_id + 1000 WHERE id = %s",
            [lease.pk],
        )
        # In SQL, the comparison alone: refused at once while a lease names it.
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="assignment_comparison"):
            other.execute("DELETE FROM campaign_comparison WHERE id = %s", [comparison.pk])

    assert Judgment.objects.filter(comparison=comparison).count() == 1


def test_a_judged_lease_cannot_move_to_another_comparison(comparison):
    stored = judge(make_user(), comparison)
    elsewhere = another_comparison(comparison)
    leases = type(stored.assignment).objects.filter(pk=stored.assignment_id)

    assert_refused(lambda: leases.update(comparison=elsewhere))


def test_a_leased_comparison_cannot_be_deleted_in_sql_even_unjudged(comparison):
    serve(make_user(), comparison, status="open")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_comparison WHERE id = %s", [comparison.pk])

    comparison.delete()  # Django's way: the leases first

    assert not Comparison.objects.filter(pk=comparison.pk).exists()


def test_comparisons_keep_their_load_updates(comparison):
    # The annotate loop updates loads all the time: only a key change is looked at.
    judgment(comparison).save()
    Comparison.objects.filter(pk=comparison.pk).update(load=3)

    assert Comparison.objects.get(pk=comparison.pk).load == 3


def truncate(statement: str) -> None:
    with connection.cursor() as cursor:
        # The test's transaction holds the deferred keys' pending checks, which TRUNCATE refuses.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement)


def test_truncating_judged_comparisons_without_their_judgments_is_refused(comparison):
    judgment(comparison).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        truncate("TRUNCATE campaign_comparison CASCADE")


def test_truncating_comparisons_with_their_judgments_is_fine(comparison):
    judgment(comparison).save()
    truncate("TRUNCATE campaign_comparison, campaign_judgment CASCADE")

    assert not Judgment.objects.exists()


@pytest.mark.django_db(transaction=True)  # the other session must see the rows
@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM campaign_comparison WHERE id = %(comparison)s",
        "DELETE FROM accounts_user WHERE id = %(annotator)s",
    ],
)
def test_a_judged_row_cannot_be_deleted_under_a_judgment_being_written(comparison, statement):
    # As with the keys: the writer (here without a lease, as a vote import) holds the rows it
    # names FOR KEY SHARE until it ends.
    annotator = make_user()
    with transaction.atomic():
        judgment(comparison, annotator).save()
        with other_session() as other:
            params = {"comparison": comparison.pk, "annotator": annotator.pk}
            waits_for_the_writer(other, statement, params)


@pytest.mark.django_db(transaction=True)
def test_a_judgment_cannot_be_written_over_a_comparison_being_deleted(comparison):
    with other_session() as other:
        other.execute("DELETE FROM campaign_comparison WHERE id = %s", [comparison.pk])
        with waits_fail(1), pytest.raises(OperationalError), transaction.atomic():
            judgment(comparison).save()


@pytest.mark.django_db(transaction=True)
def test_a_judgment_waiting_on_a_deletion_that_commits_is_refused(comparison):
    # The deleter commits while the writer waits for the row: the writer then locks nothing
    # and is refused, where a check without the lock would have let the judgment dangle.
    annotator = make_user()
    insert = (
        "INSERT INTO campaign_judgment (annotator_id, created_at, campaign_id, comparison_id, "
        "verdict, is_gold, left_side, rationale) VALUES (%s, now(), %s, %s, 1, false, '', '')"
    )
    errors: list[BaseException | None] = []
    with other_session() as deleter, other_session() as writer:
        deleter.execute("DELETE FROM campaign_comparison WHERE id = %s", [comparison.pk])

        def write() -> None:
            try:
                writer.execute(insert, [annotator.pk, comparison.campaign_id, comparison.pk])
                errors.append(None)
            except psycopg.Error as error:
                errors.append(error)

        thread = threading.Thread(target=write)
        thread.start()
        wait_until_waiting_for_a_lock(writer.info.backend_pid)
        deleter.commit()
        thread.join(timeout=10)

    assert len(errors) == 1
    assert isinstance(errors[0], psycopg.errors.ForeignKeyViolation)


def test_a_judgment_of_a_missing_assignment_is_refused(comparison):
    assert_refused(lambda: judgment(comparison, assignment_id=10_000).save())


def test_deleting_a_judged_assignment_in_sql_is_refused_and_through_django_empties_it(
    comparison,
):
    stored = judge(make_user(), comparison)
    lease = stored.assignment
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_assignment WHERE id = %s", [lease.pk])

    lease.delete()  # Django's SET_NULL first

    assert Judgment.objects.get(pk=stored.pk).assignment_id is None
