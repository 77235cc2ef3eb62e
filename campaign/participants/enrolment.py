"""Participants in a campaign: enrolment, the participation getter and lock, the open gate.

Every function here costs a fixed number of indexed queries, whatever the campaign's size,
because the annotate flow calls them on each request. Trust is in
campaign.participants.trust, progress counters in campaign.participants.progress.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404

from accounts.creation import create_users
from accounts.models import User
from accounts.roles import Role, is_organiser
from campaign.exceptions import CampaignNotOpen, NotEnrolled, SignupClosed
from campaign.models import Campaign, Enrollment
from campaign.rows import columns_of, fetch_instance
from campaign.selectors import get_visible_campaign

ENROLL_BATCH_SIZE = 500


@transaction.atomic
def enroll(*, user: User, campaign: Campaign) -> Enrollment:
    """Make ``user`` a participant of ``campaign``; enrolling twice changes nothing."""
    enrollment, _created = Enrollment.objects.get_or_create(campaign=campaign, user=user)
    return enrollment


@transaction.atomic
def enroll_self(*, user: User, campaign: Campaign) -> Enrollment:
    """A logged-in user joins an open campaign that accepts sign-ups (the "start" button)."""
    if is_enrolled(user=user, campaign=campaign):
        return Enrollment.objects.get(campaign=campaign, user=user)
    if not (campaign.allow_signup and campaign.accepts_judgments()):
        raise SignupClosed()
    return enroll(user=user, campaign=campaign)


def enroll_new_accounts(
    *,
    campaign: Campaign,
    usernames: list[str],
    password_hashes: list[str] | None = None,
    imported: bool = False,
) -> list[User]:
    """New accounts (accounts.creation.create_users), each enrolled in the campaign.

    Provisioning makes them with passwords, the vote import without (``imported``); the
    caller holds the transaction.
    """
    users = create_users(usernames=usernames, password_hashes=password_hashes, imported=imported)
    Enrollment.objects.bulk_create(
        [Enrollment(campaign=campaign, user=user) for user in users], batch_size=ENROLL_BATCH_SIZE
    )
    return users


def campaigns_open_for_signup() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=Campaign.Status.OPEN, allow_signup=True)


def is_enrolled(*, user: User, campaign: Campaign) -> bool:
    if not user.is_authenticated:
        return False
    return Enrollment.objects.filter(campaign=campaign, user=user).exists()


def role_in_campaign(*, user: User, campaign: Campaign) -> Role:
    if is_organiser(user, campaign):
        return Role.ORGANISER
    if is_enrolled(user=user, campaign=campaign):
        return Role.PARTICIPANT
    return Role.VIEWER


# The enrolment columns the annotate loop reads (plain integers); the rest stay deferred.
LOOP_FIELDS = ("id", "campaign_id", "user_id", "judged", "skipped", "gold_served", "standing")


def get_participation(*, slug: str, user: User) -> Enrollment:
    """The user's enrolment in the campaign named by ``slug``, its campaign loaded (one query).

    Http404 when the user may not even see the campaign (unknown slug, or a draft for a
    non-organiser); NotEnrolled when they may see it but are not a participant.
    """
    if not user.is_authenticated:
        get_visible_campaign(slug, user)  # the 404 for a campaign nobody may see
        raise NotEnrolled()
    found = fetch_instance(Campaign, _participation_sql(), [user.pk, slug])
    if found is None or (
        found[0].status == Campaign.Status.DRAFT and not is_organiser(user, found[0])
    ):
        raise Http404("No such campaign.")
    campaign, joined = found  # joined: the enrolment columns the query adds
    if joined["enrollment_id"] is None:
        raise NotEnrolled()
    enrollment = Enrollment.from_db(
        connection.alias,
        LOOP_FIELDS,
        (
            joined["enrollment_id"],
            campaign.pk,
            user.pk,
            joined["enrollment_judged"],
            joined["enrollment_skipped"],
            joined["enrollment_gold_served"],
            joined["enrollment_standing"],
        ),
    )
    enrollment.campaign = campaign
    return enrollment


def _participation_sql() -> str:
    # Every annotate request starts here: written out (a raw queryset still converts each
    # column for the database) because building the equivalent ORM join cost three times
    # the CPU of running it. The LEFT JOIN tells "no such campaign" from "not enrolled".
    campaign, enrollment = Campaign._meta.db_table, Enrollment._meta.db_table
    return (
        f"SELECT {columns_of(Campaign, 'c')}, e.id AS enrollment_id,"  # noqa: S608
        " e.judged AS enrollment_judged,"
        " e.skipped AS enrollment_skipped, e.gold_served AS enrollment_gold_served,"
        " e.standing AS enrollment_standing"
        f" FROM {campaign} c LEFT JOIN {enrollment} e"
        " ON e.campaign_id = c.id AND e.user_id = %s WHERE c.slug = %s"
    )


def lock_participation(
    *, user: User | int, campaign: Campaign, count_judgment: bool = False
) -> Enrollment:
    """The enrolment, row-locked and with fresh counters; NotEnrolled if there is none.

    Every service that changes a participant's work takes this lock first, so one
    participant's concurrent requests (a double click, two tabs) run one after the other,
    while different participants never wait for each other. ``count_judgment`` adds one to
    ``judged`` in the same statement that takes the lock (the judge path's first write; an
    error later rolls it back with everything else).
    """
    user_id = user if isinstance(user, int) else user.pk
    if count_judgment:
        enrollment = _count_judgment(campaign_id=campaign.pk, user_id=user_id)
    else:
        enrollment = (
            Enrollment.objects.select_for_update(no_key=True)
            .filter(campaign=campaign, user_id=user_id)
            .first()
        )
    if enrollment is None:
        raise NotEnrolled()
    enrollment.campaign = campaign
    return enrollment


def _count_judgment(*, campaign_id: int, user_id: int) -> Enrollment | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Enrollment._meta.db_table} SET judged = judged + 1"  # noqa: S608 - names
            f" WHERE campaign_id = %s AND user_id = %s RETURNING {', '.join(LOOP_FIELDS)}",
            [campaign_id, user_id],
        )
        row = cursor.fetchone()
    return None if row is None else Enrollment.from_db(connection.alias, LOOP_FIELDS, row)


def require_open(campaign: Campaign, now: datetime.datetime | None = None) -> None:
    """Refuse work on a campaign that takes no judgments now (Campaign.accepts_judgments)."""
    if not campaign.accepts_judgments(now):
        raise CampaignNotOpen()
