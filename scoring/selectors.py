"""Reads of scoring results for pages, exports and commands: the latest snapshot.

Everything here reads the stored snapshots and never computes scores (PRODUCT.md "Scoring":
the web reads the latest snapshot). What a non-organiser may read of them while a campaign is
open is scoring.publication's; a participant's own standing is their enrolment's
(campaign.participants.trust.settle_standing), never a snapshot's, which can follow a single
item when scoring runs right after it.
"""

from __future__ import annotations

from campaign.models import Campaign
from scoring.models import Snapshot

__all__ = ["latest_snapshot"]


def latest_snapshot(campaign: Campaign, *, with_annotators: bool = True) -> Snapshot | None:
    """The campaign's newest snapshot (Snapshot.Meta.ordering), or None before its first run.

    Read through ``campaign.snapshots``, so ``snapshot.campaign`` is ``campaign`` itself and
    costs no query. ``with_annotators=False`` leaves out the largest column, one row per
    annotator, for the pages that never show it (the leaderboard and its downloads).
    """
    snapshots = campaign.snapshots.all()
    return (snapshots if with_annotators else snapshots.defer("annotators")).first()
