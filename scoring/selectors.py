"""Reads of scoring results for pages, exports and commands: snapshots and trust states.

Everything here reads the stored snapshots and never computes scores (PRODUCT.md "Scoring":
the web reads the latest snapshot).

A participant's own standing on the checks is read from the latest snapshot, not from live
judgments. Live counts (checks answered, passed, or still needed) would change right after a
gold item and give it away, and a participant could share which items are checks. A snapshot
changes only when a scoring run has folded in a batch of judgments, so the state lags and
does not point at an item.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from campaign.models import Campaign, Judgment
from campaign.participants.trust import TrustState, trust_state
from scoring.models import Snapshot

__all__ = [
    "ScoringLag",
    "TrustState",
    "TrustStatus",
    "latest_snapshot",
    "scoring_lag",
    "trust_status",
]


def latest_snapshot(campaign: Campaign, *, with_annotators: bool = True) -> Snapshot | None:
    """The campaign's newest snapshot (Snapshot.Meta.ordering), or None before its first run.

    Read through ``campaign.snapshots``, so ``snapshot.campaign`` is ``campaign`` itself and
    costs no query. ``with_annotators=False`` leaves out the largest column, one row per
    annotator, for the pages that never show it (the leaderboard and its downloads).
    """
    snapshots = campaign.snapshots.all()
    return (snapshots if with_annotators else snapshots.defer("annotators")).first()


@dataclass(frozen=True)
class TrustStatus:
    state: TrustState
    as_of: datetime.datetime | None  # when the snapshot it comes from was computed


def trust_status(*, annotator_id: int, campaign: Campaign) -> TrustStatus:
    """The participant's state by the trust rule (campaign.participants.trust), as of the
    latest snapshot: qualifying before any scoring run or before enough gold."""
    # The newest snapshot (Snapshot.Meta.ordering) with the two columns read here; "campaign"
    # too, or the related manager would load the deferred key to attach ``campaign``.
    snapshot = campaign.snapshots.only("campaign", "computed_at", "annotators").first()
    if snapshot is None:
        return TrustStatus(state=TrustState.QUALIFYING, as_of=None)
    row = next((row for row in snapshot.annotators if row.get("user_id") == annotator_id), None)
    if row is None:
        return TrustStatus(state=TrustState.QUALIFYING, as_of=snapshot.computed_at)
    state = trust_state(
        seen=row["gold_seen"], votes_count=row["trusted"], min_gold_seen=campaign.min_gold_seen
    )
    return TrustStatus(state=state, as_of=snapshot.computed_at)


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
