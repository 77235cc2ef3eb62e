"""Judging and skipping an assignment: the two ways a participant closes a lease.

The page speaks in screen terms: ``choice`` -2 means "left much better", +2 "right much
better". The stored verdict is canonical, relative to the comparison's own a/b (PRODUCT.md
"Verdicts"), so this module is the only place that knows about left and right.

Late answers: a lease still open after its expiry time is still counted in the comparison's
load, so its judgment is accepted as usual. A lease already reclaimed has given its room back;
its judgment is accepted only while the comparison is below target (and always for gold, which
has no target) — generous to slow participants, never over the target.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from campaign import limits
from campaign.annotate.allocation import full_bucket
from campaign.annotate.assignment import lease_next, release_room
from campaign.annotate.locks import count_and_lock, locked_assignment
from campaign.events import judgments_recorded
from campaign.exceptions import (
    AlreadyJudged,
    AlreadySkipped,
    CampaignNotOpen,
    InvalidTiming,
    InvalidVerdict,
    LeaseExpired,
    ParticipationBlocked,
    RationaleRequired,
    RationaleTooLong,
    SkipReasonRequired,
    SkipReasonTooLong,
)
from campaign.models import Assignment, Campaign, Comparison, Enrollment, Judgment
from campaign.participants.enrolment import lock_participation, require_open
from campaign.participants.trust import settle_standing
from campaign.rows import insert_instance

RATIONALE_MAX_CHARS = limits.RATIONALE_MAX_CHARS
SKIP_REASON_MAX_CHARS = limits.SKIP_REASON_MAX_CHARS

CHOICE_LABELS: dict[int, list[tuple[int, str]]] = {
    Campaign.Scale.FIVE_POINT: [
        (-2, "Left much better"),
        (-1, "Left better"),
        (0, "Tie"),
        (1, "Right better"),
        (2, "Right much better"),
    ],
    Campaign.Scale.THREE_POINT: [(-1, "Left better"), (0, "Tie"), (1, "Right better")],
    Campaign.Scale.TWO_POINT: [(-1, "Left better"), (1, "Right better")],
}


def allowed_choices(campaign: Campaign) -> list[tuple[int, str]]:
    """The buttons of the annotate page, left to right: (choice value, label)."""
    return list(CHOICE_LABELS[campaign.scale])


def canonical_verdict(*, choice: int, left_side: str) -> int:
    """Screen choice (negative prefers the left response) to verdict (negative prefers a)."""
    return choice if left_side == Comparison.Side.A else -choice


@dataclass(frozen=True)
class Outcome:
    """What judging or skipping led to: the participant's next item, or why there is none."""

    enrollment: Enrollment  # with its counters as of this step
    next_assignment: Assignment | None
    halted: str | None = None  # set when the participant may not continue (blocked)
    judgment: Judgment | None = None  # the judgment stored (or found again) by this step
    # The item was judged already (another tab) and this step's different verdict was not kept.
    first_verdict_stands: bool = False


class _Judged(NamedTuple):
    judgment: Judgment
    closed_open_lease: bool  # then the participant has no open lease left
    first_verdict_stands: bool  # a repeat whose verdict or rationale differs from the stored


@transaction.atomic
def submit_judgment(
    *,
    annotator: User,
    campaign: Campaign,
    assignment_key: uuid.UUID | str,
    choice: int,
    rationale: str = "",
    seconds: float | None = None,
) -> Judgment:
    """Store the participant's verdict on their assignment; a repeated submit returns the first.

    ``seconds`` is the client's measure of time spent; without it (or when it claims more than
    the lease has existed) the server's measure from the lease time is stored.
    """
    now = timezone.now()
    enrollment, assignment = _open_to_judge(annotator.pk, campaign, assignment_key, now=now)
    judged = _judge(
        enrollment, assignment, choice=choice, rationale=rationale, seconds=seconds, now=now
    )
    return judged.judgment


@transaction.atomic
def judge_and_next(
    *,
    enrollment: Enrollment,
    assignment_key: uuid.UUID | str,
    choice: int,
    rationale: str = "",
    seconds: float | None = None,
) -> Outcome:
    """The annotate loop's step: store the verdict and lease the next item, in one transaction.

    ``enrollment`` is the participant's (campaign.participants.enrolment.get_participation); its
    counters are refreshed under its row lock. Raises what submit_judgment raises.
    """
    now = timezone.now()
    enrollment, assignment = _open_to_judge(
        enrollment.user_id, enrollment.campaign, assignment_key, now=now
    )
    judged = _judge(
        enrollment, assignment, choice=choice, rationale=rationale, seconds=seconds, now=now
    )
    outcome = _next(enrollment, now=now, resume=not judged.closed_open_lease)
    return dataclasses.replace(
        outcome, judgment=judged.judgment, first_verdict_stands=judged.first_verdict_stands
    )


@transaction.atomic
def current_outcome(enrollment: Enrollment) -> Outcome:
    """The item on screen now, outside a judge or skip step (page loads, refused posts)."""
    enrollment = lock_participation(user=enrollment.user_id, campaign=enrollment.campaign)
    return _next(enrollment, now=timezone.now(), resume=True)


@transaction.atomic
def skip_assignment(
    *, annotator: User, campaign: Campaign, assignment_key: uuid.UUID | str, reason: str
) -> Assignment:
    """Flag the item as broken for organisers and release it; skipping twice changes nothing."""
    enrollment = _open_participation(annotator, campaign, now=timezone.now())
    return _skip(enrollment, assignment_key, reason=reason)


@transaction.atomic
def skip_and_next(
    *, enrollment: Enrollment, assignment_key: uuid.UUID | str, reason: str
) -> Outcome:
    """Skip with a reason and lease the next item, in one transaction."""
    now = timezone.now()
    enrollment = _open_participation(enrollment.user_id, enrollment.campaign, now=now)
    _skip(enrollment, assignment_key, reason=reason)
    return _next(enrollment, now=now, resume=True)


def _open_participation(
    user: User | int, campaign: Campaign, *, now: datetime.datetime
) -> Enrollment:
    """Every skip step starts here, and every judge step likewise (``_open_to_judge``): one
    rule refuses work on a campaign that takes none now (a skip after close as a judgment),
    then the participant's enrolment is locked."""
    require_open(campaign, now)
    return lock_participation(user=user, campaign=campaign)


def _open_to_judge(
    user_id: int, campaign: Campaign, key: uuid.UUID | str, *, now: datetime.datetime
) -> tuple[Enrollment, Assignment]:
    """``_open_participation`` for a judgment: the enrolment locked with this judgment
    counted, then the assignment ``key`` locked (one statement on PostgreSQL)."""
    require_open(campaign, now)
    return count_and_lock(user_id, campaign, key)


def _judge(
    enrollment: Enrollment,
    assignment: Assignment,
    *,
    choice: int,
    rationale: str,
    seconds: float | None,
    now: datetime.datetime,
) -> _Judged:
    """The judgment, whether it closed the open lease, and whether an earlier one stands.

    The caller holds the enrolment's lock, taken with this judgment counted (so ``judged``
    already includes it), and the assignment's, and has checked that the campaign is open.
    """
    campaign = enrollment.campaign
    if assignment.status == Assignment.Status.JUDGED:
        # Idempotent: a double click or a retried request gets the stored judgment, unchanged.
        # A different verdict (a second tab) is not stored either, but the participant is told.
        Enrollment.objects.filter(pk=enrollment.pk).update(judged=F("judged") - 1)
        enrollment.judged -= 1
        stored = Judgment.objects.get(assignment=assignment)
        return _Judged(stored, False, not _repeats(stored, choice=choice, rationale=rationale))
    if assignment.status == Assignment.Status.SKIPPED:
        raise AlreadySkipped()
    verdict = canonical_verdict(
        choice=_valid_choice(campaign, choice), left_side=assignment.left_side
    )
    rationale = _valid_rationale(campaign, rationale)
    spent = _valid_seconds(seconds, leased_at=assignment.leased_at, now=now)
    was_open = assignment.status == Assignment.Status.OPEN
    if not was_open:
        _retake_room(assignment, campaign)
    judgment = Judgment.build(
        campaign_id=campaign.pk,
        comparison_id=assignment.comparison_id,
        gold_side=assignment.comparison.gold_side,
        annotator_id=enrollment.user_id,
        assignment_id=assignment.pk,
        verdict=verdict,
        left_side=assignment.left_side,
        seconds=spent,
        rationale=rationale,
        created_at=now,
    )
    insert_instance(judgment, along=_mark_judged(assignment))
    settle_standing(enrollment)
    campaign_id = campaign.pk
    transaction.on_commit(lambda: judgments_recorded(campaign_id))
    return _Judged(judgment, was_open, False)


def _mark_judged(assignment: Assignment) -> tuple[str, list[object]]:
    """``assignment.save(update_fields=["status"])`` as a statement to run with the judgment's
    INSERT (one round trip on PostgreSQL, see campaign.rows)."""
    assignment.status = Assignment.Status.JUDGED
    return (
        f"UPDATE {Assignment._meta.db_table} SET status = %s WHERE id = %s",  # noqa: S608
        [assignment.status, assignment.pk],
    )


def _repeats(judgment: Judgment, *, choice: object, rationale: str) -> bool:
    """Whether a submit on an item already judged says what the stored judgment says."""
    if isinstance(choice, bool) or not isinstance(choice, int):
        return False
    verdict = canonical_verdict(choice=choice, left_side=judgment.left_side)
    return verdict == judgment.verdict and (rationale or "").strip() == judgment.rationale


def _skip(enrollment: Enrollment, key: uuid.UUID | str, *, reason: str) -> Assignment:
    reason = (reason or "").strip()
    if not reason:
        raise SkipReasonRequired()
    if len(reason) > SKIP_REASON_MAX_CHARS:
        raise SkipReasonTooLong(f"Keep the reason under {SKIP_REASON_MAX_CHARS} characters.")
    assignment = locked_assignment(enrollment, key)
    if assignment.status == Assignment.Status.SKIPPED:
        return assignment
    if assignment.status == Assignment.Status.JUDGED:
        raise AlreadyJudged()
    if assignment.status == Assignment.Status.OPEN:
        # The lease's room goes back to the pool; a reclaimed lease already gave it back.
        release_room(assignment)
    assignment.status = Assignment.Status.SKIPPED
    assignment.skip_reason = reason
    assignment.save(update_fields=["status", "skip_reason"])
    Enrollment.objects.filter(pk=enrollment.pk).update(skipped=F("skipped") + 1)
    enrollment.skipped += 1
    return assignment


def _next(enrollment: Enrollment, *, now: datetime.datetime, resume: bool) -> Outcome:
    # Both refusals come before anything is written: the judgment or skip above still commits.
    if not enrollment.campaign.accepts_judgments(now):
        return Outcome(enrollment, next_assignment=None, halted=str(CampaignNotOpen()))
    try:
        return Outcome(enrollment, next_assignment=lease_next(enrollment, now=now, resume=resume))
    except ParticipationBlocked as error:
        return Outcome(enrollment, next_assignment=None, halted=str(error))


def _retake_room(assignment: Assignment, campaign: Campaign) -> None:
    """A reclaimed lease's judgment counts again only if the comparison has room left.

    Gold has no target and always has room; its statement matches no row, so a late gold
    judgment costs what a late regular one does.
    """
    room = Comparison.objects.filter(
        pk=assignment.comparison_id,
        gold_side="",
        load__lt=campaign.judgments_per_comparison,
    )
    if campaign.is_adaptive:  # the last place also leaves the adaptive queue's buckets
        taken = room.update(load=F("load") + 1, priority=full_bucket(campaign))
    else:
        taken = room.update(load=F("load") + 1)
    if not (taken or assignment.is_gold):
        raise LeaseExpired()


def _valid_choice(campaign: Campaign, choice: object) -> int:
    allowed = [value for value, _label in CHOICE_LABELS[campaign.scale]]
    if isinstance(choice, bool) or not isinstance(choice, int) or choice not in allowed:
        raise InvalidVerdict(
            f"Choose one of {', '.join(str(value) for value in allowed)} on this scale."
        )
    return choice


def _valid_rationale(campaign: Campaign, rationale: str) -> str:
    rationale = (rationale or "").strip()
    if campaign.require_rationale and not rationale:
        raise RationaleRequired()
    if len(rationale) > RATIONALE_MAX_CHARS:
        raise RationaleTooLong(f"Keep the rationale under {RATIONALE_MAX_CHARS} characters.")
    return rationale


def _valid_seconds(
    seconds: float | None, *, leased_at: datetime.datetime, now: datetime.datetime
) -> float:
    elapsed = max((now - leased_at).total_seconds(), 0.0)
    if seconds is None:
        return round(elapsed, 3)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise InvalidTiming("The time spent must be a number of seconds.")
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidTiming("The time spent must be a non-negative number of seconds.")
    # The client cannot claim more time than the lease has existed (it would game "too fast").
    return round(min(float(seconds), elapsed), 3)
