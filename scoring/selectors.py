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
    """How far ``snapshot`` (the latest) is behind the campaign's judgments (one query)."""
    since = Q() if snapshot is None else Q(created_at__gt=snapshot.computed_at)
    facts = Judgment.objects.filter(campaign=campaign).aggregate(
        total=Count("pk"), waiting_since=Min("created_at", filter=since)
    )
    scored = 0 if snapshot is None else snapshot.judgments
    return ScoringLag(unscored=facts["total"] - scored, waiting_since=facts["waiting_since"])
