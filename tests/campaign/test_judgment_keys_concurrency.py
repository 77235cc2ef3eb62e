"""The deadlock a judgment's lock on its comparison allowed, replayed step by step.

Migration 0019 says how it went: a judge step locked its comparison FOR KEY SHARE until it
ended; a picker took a place on that comparison and committed; two pickers whose snapshots
predate that commit then met the old row version. One locked the newest version; the other's
lock followed the update chain to it and waited (PostgreSQL does not skip there, SKIP LOCKED
or not) while holding the old version's tuple lock, which the first then needed for its
UPDATE. Advisory locks held by the test order the steps; the pickers' statements have the
pick's shape (campaign.annotate.pick: lock SKIP LOCKED, then take the room by id, one
statement). With the judgment written by a judge step (through its lease) the second picker
now skips the row and the first takes its place. A judgment without a lease (a vote import)
still locks its comparison, so an import into a campaign being worked in can still meet it:
that case is kept as a known failure, strict, so that whoever removes the lock sees it pass.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from campaign.models import Comparison, Judgment
from tests.builders import make_campaign, make_comparisons, make_user, serve
from tests.builders.sessions import other_session, wait_until_waiting_for_a_lock

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]

# Advisory keys the test holds: the first picker waits on BEFORE_R before its lock and AFTER_R
# between its lock and its UPDATE; the second waits on BEFORE_Q before its lock.
BEFORE_R, AFTER_R, BEFORE_Q, NEVER_HELD = 7_001, 7_002, 7_003, 7_004

PICK = (
    "WITH w AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(%(before)s)),"
    " r AS MATERIALIZED (SELECT c.id FROM campaign_comparison c, w WHERE c.id = %(id)s"
    " FOR NO KEY UPDATE OF c SKIP LOCKED),"
    " r2 AS MATERIALIZED (SELECT r.id FROM r, LATERAL"
    " (SELECT pg_advisory_xact_lock_shared(%(after)s)) x)"
    " UPDATE campaign_comparison SET load = load + 1 WHERE id = (SELECT id FROM r2) RETURNING id"
)
JUDGMENT = (
    "INSERT INTO campaign_judgment (annotator_id, created_at, campaign_id, comparison_id,"
    " assignment_id, verdict, is_gold, left_side, rationale)"
    " VALUES (%s, %s, %s, %s, %s, 1, false, 'a', '')"
)


class Picker(threading.Thread):
    def __init__(self, session: Any, comparison_id: int, before: int, after: int) -> None:
        super().__init__()
        self.session, self.outcome = session, None
        self.params = {"id": comparison_id, "before": before, "after": after}

    def run(self) -> None:
        try:
            self.outcome = self.session.execute(PICK, self.params).fetchall()
        except psycopg.Error as error:
            self.outcome = error


@pytest.mark.parametrize(
    "through_lease",
    [
        pytest.param(True, id="judge step"),
        pytest.param(
            False,
            id="vote import",
            marks=pytest.mark.xfail(
                strict=True,
                reason="a judgment without a lease locks its comparison (migration 0019)",
            ),
        ),
    ],
)
def test_pickers_with_old_snapshots_skip_a_judged_row_instead_of_deadlocking(through_lease):
    campaign = make_campaign(judgments_per_comparison=3)
    comparison: Comparison = make_comparisons(campaign, 1)[0]
    annotator = make_user()
    lease = serve(annotator, comparison) if through_lease else None
    with (
        other_session() as judge,
        other_session() as first,
        other_session() as second,
        other_session() as taker,
        connection.cursor() as cursor,
    ):
        judge.execute(
            JUDGMENT,
            [annotator.pk, timezone.now(), campaign.pk, comparison.pk, lease and lease.pk],
        )
        cursor.execute(
            "SELECT pg_advisory_lock(%s), pg_advisory_lock(%s), pg_advisory_lock(%s)",
            [BEFORE_R, AFTER_R, BEFORE_Q],
        )
        try:
            r = Picker(first, comparison.pk, BEFORE_R, AFTER_R)
            q = Picker(second, comparison.pk, BEFORE_Q, NEVER_HELD)
            r.start()
            q.start()
            # Both statements have their snapshots: now another picker takes a place.
            wait_until_waiting_for_a_lock(first.info.backend_pid, advisory_key=BEFORE_R)
            wait_until_waiting_for_a_lock(second.info.backend_pid, advisory_key=BEFORE_Q)
            taker.execute(
                "UPDATE campaign_comparison SET load = load + 1 WHERE id = %s", [comparison.pk]
            )
            taker.commit()
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BEFORE_R])
            # The first picker holds the row's newest version once it waits here.
            wait_until_waiting_for_a_lock(first.info.backend_pid, advisory_key=AFTER_R)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [BEFORE_Q])
            q.join(timeout=5)  # it skips; before 0019 it waited for the first picker here
        finally:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        r.join(timeout=30)
        q.join(timeout=30)
        first.commit()
        second.commit()
        judge.commit()

    assert r.outcome == [(comparison.pk,)]
    assert q.outcome == []
    comparison.refresh_from_db()
    assert comparison.load == 2
    assert Judgment.objects.filter(comparison=comparison).count() == 1
