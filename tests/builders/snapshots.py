"""Stored scoring results for page tests: Snapshot rows in the shapes of scoring.models."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import User
from campaign.models import Campaign
from campaign.participants.trust import assess_trust
from scoring.models import Snapshot
from scoring.numerics.annotators import AnnotatorScore, GoldSettings, gold_accuracy
from scoring.numerics.participants import rank_participants
from scoring.snapshots import snapshot_annotator_rows
from tests.builders.campaigns import SECRET_CONTENDERS

GOLD = GoldSettings()  # the campaign's default thresholds


@dataclass(frozen=True)
class Scored:
    """One annotator's figures; trust follows the campaign's default thresholds (GOLD)."""

    user: User
    judgments: int = 30
    gold_seen: int = 6
    gold_correct: int = 6
    agreement: float | None = 0.7
    median_seconds: float | None = 14.0
    flags: tuple[str, ...] = field(default=())


def make_snapshot(
    campaign: Campaign,
    *,
    contenders: Sequence[str] = SECRET_CONTENDERS,
    annotators: Sequence[Scored] = (),
    computed_at: datetime.datetime | None = None,
    judgments: int = 120,
    rated_judgments: int | None = None,
    published: bool = True,
    vetted: bool = True,
) -> Snapshot:
    """A Snapshot row in scoring.models' shapes, for pages (they read snapshots only).

    The participant ranking in it is the real one (scoring.numerics.participants) over the
    annotator figures given. ``published``: a public step (scoring.publication), which
    viewers of an open campaign see. ``vetted`` False: a campaign without gold (nobody
    trusted or untrusted, every vote counts). ``rated_judgments`` defaults to half of them.
    """
    n = len(contenders)
    votes = [[0 if i == j else 10 for j in range(n)] for i in range(n)]
    win_rate = [
        [0.5 if i == j else min(max(0.5 + 0.15 * (j - i), 0.0), 1.0) for j in range(n)]
        for i in range(n)
    ]
    contender_rows = []
    for k, name in enumerate(contenders):
        rating = 1000.0 + 40.0 * (n - 1) / 2 - 40.0 * k
        wins = sum(round(10 * rate) for j, rate in enumerate(win_rate[k]) if j != k)
        contender_rows.append(
            {
                "name": name,
                "rating": rating,
                "ci_lower": rating - 25.5,
                "ci_upper": rating + 24.5,
                "rank": 1 + sum(1 for other in range(k) if 40.0 * (k - other) > 50.0),
                "votes": 10 * (n - 1),
                "wins": wins,
                "losses": 10 * (n - 1) - wins,
                "ties": 0,
                "win_rate": wins / (10 * (n - 1)) if n > 1 else 0.0,
                "online_elo": rating + 3.0,
            }
        )
    gold = dataclasses.replace(GOLD, has_gold=vetted)
    scores = [_score(index, spec, gold) for index, spec in enumerate(annotators)]
    handles = [spec.user.handle for spec in annotators]
    ranking = rank_participants(handles, scores)
    return Snapshot.objects.create(
        campaign=campaign,
        computed_at=computed_at or timezone.now(),
        judgments=judgments,
        rated_judgments=judgments // 2 if rated_judgments is None else rated_judgments,
        fingerprint=f"test-{timezone.now().timestamp()}",
        contenders=contender_rows,
        participants=[dataclasses.asdict(row) for row in ranking],
        annotators=snapshot_annotator_rows([spec.user.pk for spec in annotators], handles, scores),
        matrices={"names": list(contenders), "votes": votes, "win_rate": win_rate},
        stats={
            "rounds": 100,
            "seed": 0,
            "alpha": 0.42,
            "annotators": len(annotators),
            "vetted": vetted,
        },
        published=published,
    )


def _score(index: int, spec: Scored, gold: GoldSettings) -> AnnotatorScore:
    mean, lower = gold_accuracy([spec.gold_seen], [spec.gold_correct])
    trust = assess_trust(
        seen=spec.gold_seen, correct=spec.gold_correct, thresholds=gold, has_gold=gold.has_gold
    )
    trusted = trust.votes_count if gold.has_gold else None
    flags = spec.flags if trusted is not False else (*spec.flags, "untrusted")
    met_gold = spec.gold_seen > 0
    return AnnotatorScore(
        annotator=index,
        judgments=spec.judgments,
        gold_seen=spec.gold_seen,
        gold_correct=spec.gold_correct,
        accuracy=float(mean[0]) if met_gold else None,
        accuracy_lower=float(lower[0]) if met_gold else None,
        trusted=trusted,
        votes_count=trust.votes_count,
        accepted=spec.judgments - spec.gold_seen if trust.votes_count else 0,
        agreement=spec.agreement,
        agreement_judgments=spec.judgments - spec.gold_seen,
        median_seconds=spec.median_seconds,
        left_share=0.5,
        top_verdict_share=0.3,
        flags=flags,
    )
