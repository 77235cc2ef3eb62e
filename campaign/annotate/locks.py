"""The judge and skip steps' locks on a participant's assignment, written out.

A judge step locks the participant's enrolment with this judgment counted
(campaign.participants.enrolment.lock_participation), then the assignment it judges. On
PostgreSQL both are one statement (``count_and_lock``): the enrolment's UPDATE is a common
table expression, and the assignment is read by a LATERAL subquery of its row, so the
assignment's lock is only taken once the enrolment's is held (the lock order of
campaign.annotate.assignment) and a participant without an enrolment locks nothing. One round
trip fewer per judge request (bench/judge_cost.py), the same whether the item is gold or not.

The statement's snapshot is taken before it waits for the enrolment's lock (a double click's
first request holding it); the assignment's row lock then reads the row's newest committed
version, as the separate statement read it after the wait. An assignment inserted meanwhile
is not seen, which cannot matter: a client learns a key only from a committed answer.
"""

from __future__ import annotations

import uuid

from django.db import connection

from campaign.exceptions import LeaseNotFound, NotEnrolled
from campaign.models import Assignment, Campaign, Comparison, Enrollment
from campaign.participants.enrolment import LOOP_FIELDS, lock_participation
from campaign.rows import columns_of, fetch_instance


def count_and_lock(
    user_id: int, campaign: Campaign, key: uuid.UUID | str
) -> tuple[Enrollment, Assignment]:
    """The participant's enrolment, locked with ``judged`` counting this judgment, and their
    assignment ``key``, locked (with its comparison's gold side).

    Raises NotEnrolled, then LeaseNotFound (a key that is not theirs, or not a key).
    """
    if connection.vendor != "postgresql":  # SQLite has no data-modifying CTE
        enrollment = lock_participation(user=user_id, campaign=campaign, count_judgment=True)
        return enrollment, locked_assignment(enrollment, key)
    params = [campaign.pk, user_id, _key_value(key)]
    found = fetch_instance(Assignment, _count_and_lock_sql(), params)
    if found is None:
        raise NotEnrolled()
    assignment, joined = found
    enrollment = Enrollment.from_db(
        connection.alias, LOOP_FIELDS, [joined[f"enrollment_{name}"] for name in LOOP_FIELDS]
    )
    enrollment.campaign = campaign
    if assignment.pk is None:  # the LATERAL subquery found no row: nothing is locked
        raise LeaseNotFound()
    return enrollment, _with_comparison(assignment, joined)


def locked_assignment(enrollment: Enrollment, key: uuid.UUID | str) -> Assignment:
    """The participant's own assignment, row-locked; anyone else's key is simply not found.

    Its comparison comes with it, loaded with the one field judging needs (``gold_side``).
    The caller holds the enrolment's lock.
    """
    key_value = _key_value(key)
    if key_value is None:
        raise LeaseNotFound()
    params = [key_value, enrollment.user_id, enrollment.campaign_id]
    found = fetch_instance(Assignment, _locked_assignment_sql("%s", "%s"), params)
    if found is None:
        raise LeaseNotFound()
    return _with_comparison(*found)


def _key_value(key: uuid.UUID | str) -> object:
    """The key as the database stores it; None (which matches no row) if it is not a key."""
    try:
        key = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
    except ValueError:
        return None
    return Assignment._meta.get_field("key").get_db_prep_value(key, connection)


def _with_comparison(assignment: Assignment, joined: dict[str, object]) -> Assignment:
    gold_side = joined["comparison_gold_side"]
    assignment.comparison = Comparison.from_db(
        connection.alias,
        ("id", "campaign_id", "gold_side"),
        (assignment.comparison_id, assignment.campaign_id, gold_side),
    )
    return assignment


def _locked_assignment_sql(annotator: str, campaign: str) -> str:
    # Written out: the ORM's select_related join cost more CPU to build than to run (see
    # bench/judge_cost.py). ``annotator`` and ``campaign`` are placeholders or column names.
    assignment, comparison = Assignment._meta.db_table, Comparison._meta.db_table
    lock = " FOR UPDATE OF a" if connection.vendor == "postgresql" else ""
    return (
        f"SELECT {columns_of(Assignment, 'a')}, c.gold_side AS comparison_gold_side"  # noqa: S608
        f" FROM {assignment} a"
        f" JOIN {comparison} c ON c.id = a.comparison_id"
        f" WHERE a.key = %s AND a.annotator_id = {annotator} AND a.campaign_id = {campaign}{lock}"
    )


def _count_and_lock_sql() -> str:
    enrollment = Enrollment._meta.db_table
    returned = ", ".join(LOOP_FIELDS)
    named = ", ".join(f"e.{name} AS enrollment_{name}" for name in LOOP_FIELDS)
    return (
        f"WITH e AS (UPDATE {enrollment} SET judged = judged + 1"  # noqa: S608 - names only
        f" WHERE campaign_id = %s AND user_id = %s RETURNING {returned})"
        f" SELECT {named}, x.* FROM e LEFT JOIN LATERAL"
        f" ({_locked_assignment_sql('e.user_id', 'e.campaign_id')}) x ON TRUE"
    )
