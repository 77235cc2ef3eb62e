"""Small crowds with a known story, judged through CampaignBuilder, for the scoring pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import User
from campaign.models import Campaign
from tests.builders.campaigns import CampaignBuilder


@dataclass(frozen=True)
class FlippedCrowd:
    campaign: Campaign
    honest: list[User]
    flipper: User  # trusted; their votes alone lift alpha above beta
    cheater: User  # fails gold, so their votes do not count


def make_flipped_crowd(
    contenders: tuple[str, str, str] = ("alpha", "beta", "gamma"), **settings: Any
) -> FlippedCrowd:
    """Four honest annotators put beta (the second contender) just above alpha (the first)
    and both above gamma; the flipper's six votes for alpha put it first; the cheater fails
    the one gold comparison and votes gamma up. Everyone else passes gold (one seen is enough).
    """
    settings.update(min_gold_seen=1, min_gold_accuracy=0.6, exclude_gold_spotters=False)
    build = CampaignBuilder(contenders, **settings)
    alpha, beta, gamma = contenders
    gold = build.comparison(alpha, beta, gold="a")
    # Each honest annotator: beta beats alpha 2-1, alpha and beta each beat gamma 2-1.
    shared = [
        (build.comparison(first, second), verdict)
        for first, second, verdicts in (
            (alpha, beta, (2, 2, -2)),
            (alpha, gamma, (-2, -2, 2)),
            (beta, gamma, (-2, -2, 2)),
        )
        for verdict in verdicts
    ]
    honest = [build.annotator() for _ in range(4)]
    flipper, cheater = build.annotator(), build.annotator()
    for person in [*honest, flipper]:
        build.judge(person, gold, -2)
    for person in honest:
        for comparison, verdict in shared:
            build.judge(person, comparison, verdict)
    for _ in range(6):
        build.judge(flipper, build.comparison(alpha, beta), -2)
    build.judge(cheater, gold, 2)
    for comparison, verdict in shared:
        build.judge(cheater, comparison, 2 if verdict < 0 else -2)
    return FlippedCrowd(build.campaign, honest, flipper, cheater)
