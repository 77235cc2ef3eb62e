"""Reads of scoring results for pages, exports and commands: the latest snapshot.

Everything here reads the stored snapshots and never computes scores (PRODUCT.md "Scoring":
the web reads the latest snapshot). What a non-organiser may read of them while a campaign is
open is scoring.publication's; a participant's own standing is their enrolment's
(campaign.participants.trust.settle_standing), never a snapshot's, which can follow a single
item when scoring runs right after it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from campaign.models import Campaign, Judgment
from scoring.models import Snapshot

__all__ = ["ScoringLag", "annotator_trust", "latest_snapshot", "scoring_lag"]


def latest_snapshot(campaign: Campaign, *, with_annotators: bool = True) -> Snapshot | None:
    """The campaign's newest snapshot (Snapshot.Meta.ordering), or None before its first run.

    Read through ``campaign.snapshots``, so ``snapshot.campaign`` is ``campaign`` itself and
    costs no query. ``with_annotators=False`` leaves out the largest column, one row per
    annotator, for the pages that never show it (the leaderboard and its downloads).
    """
    snapshots = campaign.snapshots.all()
    return (snapshots if with_annotators else snapshots.defer("annotators")).first()


def annotator_trust(snapshot: Snapshot | None) -> dict[int, bool]:
    """User id -> whether the snapshot's run counted their votes (``votes_count`` in its rows).

    The exports read trust here, so they use exactly the votes the leaderboard used: in a
    campaign without gold (not vetted) every vote counts, and a gold spotter's do not. An
    annotator who first judged after the run is absent (their trust is not known yet).
    Snapshots stored before ``votes_count`` existed say it as ``trusted``.
    """
    if snapshot is None:
        return {}
    return {
        int(row["user_id"]): bool(row.get("votes_count", row.get("trusted")))
        for row in snapshot.annotators
    }


@dataclass(frozen=True)
class ScoringLag:
    """Judgments the latest snapshot does not cover, and how long the oldest has waited."""

    unscored: int
    waiting_since: datetime.datetime | None  # the oldest judgment recorded after the snapshot

    @property
    def behind(self) -> bool:
        """Scoring has stalled: a judgment has waited longer than any healthy queue takes.

        A judgment is scored SCORING_DEBOUNCE_SECONDS after it is recorded, and beat queues
        every open campaign each SCORING_BEAT_SECONDS whatever happened to that run, so a
        wait beyond SCORING_LAG_WARNING_SECONDS means no worker is taking the runs (a
        worker that died, a broker that is down) or every run fails.
        """
        if self.unscored <= 0 or self.waiting_since is None:
            return False
        limit = datetime.timedelta(seconds=settings.SCORING_LAG_WARNING_SECONDS)
        return timezone.now() - self.waiting_since > limit


def scoring_lag(campaign: Campaign, snapshot: Snapshot | None) -> ScoringLag:
    """How far ``snapshot`` (the latest) is behind the campaign's judgments (one query).

    Judgment ids only grow, and a run stores the largest id it scored, so the judgments it
    has not seen are those with a larger id: a short walk of the primary key's end, the same
    cost at any campaign size (imported votes count too, whatever time they carry). A
    judgment given its id before the run's read but committed after it is missed here and
    scored by the next run. Snapshots from before runs stored that id are compared by count.
    """
    judgments = Judgment.objects.filter(campaign=campaign)
    scored_up_to = None if snapshot is None else (snapshot.stats or {}).get("max_judgment_id")
    if snapshot is not None and scored_up_to is None:
        facts = judgments.aggregate(
            total=Count("pk"),
            waiting_since=Min("created_at", filter=Q(created_at__gt=snapshot.computed_at)),
        )
        return ScoringLag(facts["total"] - snapshot.judgments, facts["waiting_since"])
    recent = judgments if scored_up_to is None else judgments.filter(pk__gt=scored_up_to)
    since = Q() if snapshot is None else Q(created_at__gt=snapshot.computed_at)
    facts = recent.aggregate(unscored=Count("pk"), waiting_since=Min("created_at", filter=since))
    return ScoringLag(unscored=facts["unscored"], waiting_since=facts["waiting_since"])
