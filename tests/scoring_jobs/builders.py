"""A hand-made campaign: named contenders, comparisons between them, judgments by hand."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from accounts.models import User
from campaign.annotate.judging import is_correct
from campaign.models import Campaign, Comparison, Contender, Judgment, Prompt, Response
from tests.factories import make_campaign, make_participant

_sequence = itertools.count(1)


class CampaignBuilder:
    """Builds one campaign row by row; judgments are stored in the order they are made."""

    def __init__(self, contenders: tuple[str, ...] = ("alpha", "beta", "gamma"), **settings: Any):
        self.campaign: Campaign = make_campaign(**settings)
        self.contenders = {
            name: Contender.objects.create(campaign=self.campaign, name=name) for name in contenders
        }
        self._clock = timezone.now() - datetime.timedelta(hours=1)

    def comparison(self, a: str, b: str, *, gold: str = "") -> Comparison:
        """A comparison of ``a``'s response (side a) with ``b``'s (side b) on a new prompt."""
        prompt = Prompt.objects.create(
            campaign=self.campaign, external_id=f"q{next(_sequence)}", text="Which is better?"
        )
        response_a, response_b = (
            Response.objects.create(prompt=prompt, contender=self.contenders[name], text=name)
            for name in (a, b)
        )
        return Comparison.objects.create(
            campaign=self.campaign,
            prompt=prompt,
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
        self._clock += datetime.timedelta(seconds=1)
        return Judgment.objects.create(
            campaign=self.campaign,
            comparison=comparison,
            annotator=annotator,
            verdict=verdict,
            left_side=left,
            seconds=seconds,
            is_gold=comparison.is_gold,
            correct=is_correct(verdict=verdict, gold_side=comparison.gold_side)
            if comparison.is_gold
            else None,
            created_at=self._clock,
        )
