"""Campaigns with their contenders and comparisons (gold included), served items, judgments.

Rows are written past the services, with the enrolment counters the services keep.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from accounts.models import User
from campaign.annotate.assignment import next_assignment
from campaign.annotate.judging import submit_judgment
from campaign.exceptions import ParticipationBlocked
from campaign.models import (
    Assignment,
    Campaign,
    Comparison,
    Contender,
    Judgment,
    Prompt,
    Response,
)
from campaign.participants.progress import refresh_progress_counters
from campaign.services import create_campaign
from tests.builders.people import make_participant

# Contender names that must never appear in a participant's page; the texts of
# make_judgeable_campaign say nothing about who wrote them, so "not in the body" means something.
SECRET_CONTENDERS = ("zephyrine-secret-70b", "quokkaquill-hidden-13b")
XSS_PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

_sequence = itertools.count(1)


def make_campaign(slug: str | None = None, **settings: Any) -> Campaign:
    """An open campaign with PRODUCT.md's defaults unless ``settings`` say otherwise."""
    settings.setdefault("status", Campaign.Status.OPEN)
    title = settings.pop("title", None)
    owner = settings.pop("owner", None)
    slug = slug or f"campaign-{next(_sequence)}"
    return create_campaign(slug=slug, title=title or slug.title(), owner=owner, **settings)


def make_comparisons(
    campaign: Campaign, n: int, *, gold: int = 0, prefix: str | None = None
) -> list[Comparison]:
    """``n`` regular comparisons then ``gold`` gold ones (alternating a/b), one prompt each.

    Written in bulk between contenders "model-x" (side a) and "model-y" (side b), whose
    names are in the response texts.
    """
    prefix = prefix or f"p{next(_sequence)}"
    contender_x, _ = Contender.objects.get_or_create(campaign=campaign, name="model-x")
    contender_y, _ = Contender.objects.get_or_create(campaign=campaign, name="model-y")
    total = n + gold
    prompts = Prompt.objects.bulk_create(
        [
            Prompt(campaign=campaign, external_id=f"{prefix}-{index}", text=f"Prompt {index}")
            for index in range(total)
        ]
    )
    responses = Response.objects.bulk_create(
        [
            Response(
                campaign=campaign,
                prompt=prompt,
                contender=contender,
                text=f"{contender.name} on {prompt.pk}",
            )
            for prompt in prompts
            for contender in (contender_x, contender_y)
        ]
    )
    comparisons = [
        Comparison(
            campaign=campaign,
            prompt=prompt,
            response_a=responses[2 * index],
            response_b=responses[2 * index + 1],
            gold_side="" if index < n else ("a" if (index - n) % 2 == 0 else "b"),
        )
        for index, prompt in enumerate(prompts)
    ]
    return Comparison.objects.bulk_create(comparisons)


class CampaignBuilder:
    """Builds one campaign row by row; judgments are stored in the order they are made."""

    def __init__(self, contenders: tuple[str, ...] = ("alpha", "beta", "gamma"), **settings: Any):
        self.campaign: Campaign = make_campaign(**settings)
        self.contenders = {
            name: Contender.objects.create(campaign=self.campaign, name=name) for name in contenders
        }
        self._clock = timezone.now() - datetime.timedelta(hours=1)
        prefix = f"q{next(_sequence)}"
        self._prompt_ids = (f"{prefix}-{index}" for index in itertools.count())

    def comparison(
        self,
        a: str,
        b: str,
        *,
        gold: str = "",
        prompt: str = "Which is better?",
        texts: tuple[str, str] | None = None,
        category: str = "",
    ) -> Comparison:
        """``a``'s response (side a) against ``b``'s (side b) on a new prompt.

        Prompts are numbered in order ("q7-0", "q7-1", ...); the responses' texts are the
        contenders' names unless ``texts`` gives both.
        """
        row = Prompt.objects.create(
            campaign=self.campaign,
            external_id=next(self._prompt_ids),
            text=prompt,
            category=category,
        )
        response_a, response_b = (
            Response.objects.create(
                campaign=self.campaign, prompt=row, contender=self.contenders[name], text=text
            )
            for name, text in zip((a, b), texts or (a, b), strict=True)
        )
        return Comparison.objects.create(
            campaign=self.campaign,
            prompt=row,
            response_a=response_a,
            response_b=response_b,
            gold_side=gold,
        )

    def annotator(self, **fields: Any) -> User:
        return make_participant(self.campaign, **fields)

    def judge(
        self,
        annotator: User,
        comparison: Comparison,
        verdict: int,
        *,
        left: str = "a",
        seconds: float | None = 20.0,
    ) -> Judgment:
        """A judgment one second after the previous one, without an assignment."""
        self._clock += datetime.timedelta(seconds=1)
        return make_judgment(
            annotator, comparison, verdict, left=left, seconds=seconds, created_at=self._clock
        )


def make_judgeable_campaign(
    slug: str | None = None,
    *,
    regular: int = 3,
    gold: int = 0,
    texts: tuple[str, str] | None = None,
    **settings: Any,
) -> Campaign:
    """An open campaign with ``regular`` then ``gold`` comparisons, no gold served unless asked.

    Every comparison is SECRET_CONTENDERS' first (side a, the gold answer) against the
    second, on "Question number N?"; response texts are "Alpha answer N" (a) and
    "Omega answer N" (b) unless ``texts`` gives both.
    """
    settings.setdefault("qualification_gold", 0)
    settings.setdefault("gold_rate", 0.0)
    build = CampaignBuilder(SECRET_CONTENDERS, slug=slug, **settings)
    for index in range(regular + gold):
        build.comparison(
            *SECRET_CONTENDERS,
            gold="" if index < regular else "a",
            prompt=f"Question number {index}?",
            texts=texts or (f"Alpha answer {index}", f"Omega answer {index}"),
        )
    return build.campaign


def make_judgment(
    annotator: User,
    comparison: Comparison,
    verdict: int,
    *,
    left: str = "a",
    seconds: float | None = None,
    created_at: datetime.datetime | None = None,
    assignment: Assignment | None = None,
) -> Judgment:
    """One stored Judgment row, built as the services build theirs (Judgment.build)."""
    judgment = Judgment.build(
        campaign_id=comparison.campaign_id,
        comparison_id=comparison.pk,
        gold_side=comparison.gold_side,
        annotator_id=annotator.pk,
        assignment_id=assignment.pk if assignment is not None else None,
        verdict=verdict,
        left_side=left,
        seconds=seconds,
        created_at=created_at or timezone.now(),
    )
    judgment.save(force_insert=True)
    return judgment


def serve(
    user: User, comparison: Comparison, *, status: str = "judged", reason: str = ""
) -> Assignment:
    """An item served to ``user`` (left side a), with the enrolment counters the services keep."""
    now = timezone.now()
    assignment = Assignment.objects.create(
        campaign=comparison.campaign,
        comparison=comparison,
        annotator=user,
        left_side="a",
        is_gold=comparison.is_gold,
        status=status,
        expires_at=now + datetime.timedelta(minutes=15),
        skip_reason=reason,
    )
    refresh_progress_counters(campaign=comparison.campaign, user_ids=[user.pk])
    return assignment


def judge(user: User, comparison: Comparison, verdict: int = -1) -> Judgment:
    """A judgment through a judged assignment, for pages that only count them."""
    judgment = make_judgment(user, comparison, verdict, assignment=serve(user, comparison))
    refresh_progress_counters(campaign=comparison.campaign, user_ids=[user.pk])
    return judgment


def work_through(
    user: User, campaign: Campaign, *, items: int, gold_right: bool = True
) -> list[Assignment]:
    """``items`` items served and judged through the annotate services, as the page would.

    Gold is answered right (or, with ``gold_right=False``, wrong); regular items get "left
    better". Stops early when nothing is left or the participant is stopped.
    """
    worked: list[Assignment] = []
    for _ in range(items):
        try:
            assignment = next_assignment(annotator=user, campaign=campaign)
        except ParticipationBlocked:
            break
        if assignment is None:
            break
        choice = -1
        if assignment.is_gold:
            prefers_a = (assignment.comparison.gold_side == "a") == gold_right
            choice = -1 if prefers_a == (assignment.left_side == "a") else 1
        submit_judgment(
            annotator=user, campaign=campaign, assignment_key=assignment.key, choice=choice
        )
        worked.append(assignment)
    return worked


def expire_lease(assignment: Assignment) -> None:
    """Backdate a lease so that it ran out an hour ago, as if its participant walked away."""
    past = timezone.now() - datetime.timedelta(hours=1)
    Assignment.objects.filter(pk=assignment.pk).update(
        leased_at=past - datetime.timedelta(minutes=15), expires_at=past
    )


def judge_lease(
    user: User, campaign: Campaign, assignment: Assignment, choice: int = -1
) -> Judgment:
    """Submit ``choice`` (on-screen terms) on a lease, through the service the page calls."""
    return submit_judgment(
        annotator=user, campaign=campaign, assignment_key=assignment.key, choice=choice
    )


def judge_preferring(
    user: User, campaign: Campaign, assignment: Assignment, *, prefer: str
) -> Judgment:
    """Judge preferring side ``prefer`` ("a", "b" or "tie"), whatever side is shown left."""
    choice = 0 if prefer == "tie" else (-1 if assignment.left_side == prefer else 1)
    return judge_lease(user, campaign, assignment, choice)
