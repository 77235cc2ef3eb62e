"""Participants in a campaign: enrolment, permission-checked getters, trust and progress.

Every function here costs a fixed number of indexed queries, whatever the campaign's size,
because the annotate flow calls them on each request.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.creation import create_users
from accounts.models import User
from accounts.roles import Role, is_organiser
from campaign.exceptions import CampaignNotOpen, NotEnrolled, SignupClosed
from campaign.models import Assignment, Campaign, Enrollment, Judgment
from campaign.selectors import get_visible_campaign

ENROLL_BATCH_SIZE = 500


@dataclass(frozen=True)
class Progress:
    """What a participant may know about their own work: never which items were gold."""

    judged: int
    skipped: int

    @property
    def handled(self) -> int:
        return self.judged + self.skipped


@dataclass(frozen=True)
class GoldRecord:
    seen: int
    correct: int

    @property
    def accuracy_mean(self) -> float:
        """Posterior mean under a Beta(1, 1) prior (PRODUCT.md "Scoring")."""
        return (self.correct + 1) / (self.seen + 2)


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
    if not (campaign.allow_signup and accepts_judgments(campaign)):
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
_LOOP_FIELDS = ("id", "campaign_id", "user_id", "judged", "skipped", "gold_served")


def get_participation(*, slug: str, user: User) -> Enrollment:
    """The user's enrolment in the campaign named by ``slug``, its campaign loaded (one query).

    Http404 when the user may not even see the campaign (unknown slug, or a draft for a
    non-organiser); NotEnrolled when they may see it but are not a participant.
    """
    if not user.is_authenticated:
        get_visible_campaign(slug, user)  # the 404 for a campaign nobody may see
        raise NotEnrolled()
    campaign = next(iter(Campaign.objects.raw(_participation_sql(), [user.pk, slug])), None)
    if campaign is None or (
        campaign.status == Campaign.Status.DRAFT and not is_organiser(user, campaign)
    ):
        raise Http404("No such campaign.")
    if campaign.enrollment_id is None:
        raise NotEnrolled()
    enrollment = Enrollment.from_db(
        connection.alias,
        _LOOP_FIELDS,
        (
            campaign.enrollment_id,
            campaign.pk,
            user.pk,
            campaign.enrollment_judged,
            campaign.enrollment_skipped,
            campaign.enrollment_gold_served,
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
        f"SELECT c.*, e.id AS enrollment_id, e.judged AS enrollment_judged,"  # noqa: S608
        " e.skipped AS enrollment_skipped, e.gold_served AS enrollment_gold_served"
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
            f" WHERE campaign_id = %s AND user_id = %s RETURNING {', '.join(_LOOP_FIELDS)}",
            [campaign_id, user_id],
        )
        row = cursor.fetchone()
    return None if row is None else Enrollment.from_db(connection.alias, _LOOP_FIELDS, row)


def get_organised_campaign_for_user(*, slug: str, user: User) -> Campaign:
    """The campaign if ``user`` organises it; 404 otherwise, so strangers learn nothing."""
    campaign = get_visible_campaign(slug, user)
    if not is_organiser(user, campaign):
        raise Http404("No such campaign.")
    return campaign


def accepts_judgments(campaign: Campaign, now: datetime.datetime | None = None) -> bool:
    """Open, and inside its dates when it has any."""
    now = now or timezone.now()
    if campaign.status != Campaign.Status.OPEN:
        return False
    if campaign.starts_at is not None and now < campaign.starts_at:
        return False
    return not (campaign.ends_at is not None and now >= campaign.ends_at)


def require_open(campaign: Campaign, now: datetime.datetime | None = None) -> None:
    if not accepts_judgments(campaign, now):
        raise CampaignNotOpen()


def gold_record(*, annotator: User | int, campaign: Campaign) -> GoldRecord:
    """Gold judged and judged correctly by one annotator (small: bounded by the gold pool)."""
    totals = Judgment.objects.filter(
        annotator=annotator, campaign=campaign, is_gold=True
    ).aggregate(seen=Count("pk"), correct=Count("pk", filter=Q(correct=True)))
    return GoldRecord(seen=totals["seen"], correct=totals["correct"])


def is_untrusted(*, annotator: User | int, campaign: Campaign) -> bool:
    """Enough gold seen and an accuracy below the campaign's threshold.

    Before ``min_gold_seen`` gold judgments nobody is untrusted yet: they are still qualifying.
    The scoring job applies the same rule (PRODUCT.md "Scoring"); this is the cheap per-request
    form used to stop untrusted participants when ``block_untrusted`` is on.
    """
    record = gold_record(annotator=annotator, campaign=campaign)
    if record.seen < max(campaign.min_gold_seen, 1):
        return False
    return record.accuracy_mean < campaign.min_gold_accuracy


def progress_of(enrollment: Enrollment) -> Progress:
    """The progress an enrolment already loaded carries (no query)."""
    return Progress(judged=enrollment.judged, skipped=enrollment.skipped)


def refresh_progress_counters(*, campaign: Campaign, user_ids: Iterable[int] | None = None) -> int:
    """Recompute enrolment counters from the rows they count; returns enrolments updated.

    For writers that bypass the annotate services (the vote import) and for repairs; one
    UPDATE with correlated counts, whatever the number of participants.
    """

    def counted(model: type[Judgment] | type[Assignment], condition: Q | None = None) -> Coalesce:
        rows = model.objects.filter(campaign=campaign, annotator=OuterRef("user"))
        if condition is not None:
            rows = rows.filter(condition)
        total = rows.values("annotator").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(total, output_field=IntegerField()), 0)

    enrollments = Enrollment.objects.filter(campaign=campaign)
    if user_ids is not None:
        enrollments = enrollments.filter(user_id__in=list(user_ids))
    return enrollments.update(
        judged=counted(Judgment),
        skipped=counted(Assignment, Q(status=Assignment.Status.SKIPPED)),
        gold_served=counted(Assignment, Q(is_gold=True)),
    )
