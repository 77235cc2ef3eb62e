"""What a campaign's leaderboard shows to whom: gold stays secret while the campaign is open.

PRODUCT.md "Exports": nothing a participant can read may tell them, item by item, which
comparisons were gold; per-participant figures that split gold from regular work are for
organisers until the campaign closes; public standings of an open campaign change only in
steps that cannot be traced to single items. The rule, once, for every page and file:

- Organisers, and everyone once the campaign is closed, see the latest snapshot in full.
- Anyone else, while it is open, sees the latest *published* snapshot. A scoring run is
  published when it folds in at least PUBLIC_STEP judgments (gold and regular alike) more
  than the previous published one. Between two published snapshots at least PUBLIC_STEP
  judgments land, so a participant who judges one item and reads the board again sees
  either nothing new or a step that mixes their item with at least PUBLIC_STEP - 1 others.
- In that public view each participant row keeps ``handle`` and ``judgments`` (which counts
  every judgment, gold or not, so it tells nothing) and is listed by judgments; ``accepted``,
  ``score``, ``rank`` and ``trusted`` are null, and ``gold_seen``, ``gold_correct`` and
  ``accuracy`` left out, because each changes with a single gold item, however coarsely
  it is rounded. The contender figures need no masking: they only move between steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.models import User
from campaign.models import Campaign
from campaign.selectors import is_organiser
from scoring.models import Snapshot

# Judgments a scoring run must add to the last published one before viewers see it.
PUBLIC_STEP = 50

# The participant fields a viewer of an open campaign gets, and those withheld until close.
PUBLIC_PARTICIPANT_FIELDS = ("handle", "judgments")
WITHHELD_PARTICIPANT_FIELDS = ("accepted", "score", "rank", "trusted")


@dataclass(frozen=True)
class LeaderboardView:
    """The snapshot a visitor may read (None before there is one) and how much of it."""

    snapshot: Snapshot | None
    full: bool  # False: the public view of an open campaign (participant figures masked)


def is_publication(*, campaign: Campaign, judgments: int) -> bool:
    """Whether a new snapshot of ``judgments`` judgments is the next public step."""
    previous = campaign.snapshots.filter(published=True).values_list("judgments", flat=True)
    return judgments >= (previous.first() or 0) + PUBLIC_STEP


def shows_everything(campaign: Campaign, *, organiser: bool) -> bool:
    return organiser or campaign.status == Campaign.Status.CLOSED


def leaderboard_view(campaign: Campaign, *, user: User | None) -> LeaderboardView:
    """What ``user`` (None: anyone, as in a public export) may read of the leaderboard."""
    organiser = user is not None and is_organiser(user, campaign)
    return view_for(campaign, full=shows_everything(campaign, organiser=organiser))


def view_for(campaign: Campaign, *, full: bool) -> LeaderboardView:
    # ``annotators`` is the largest column and no leaderboard shows it.
    snapshots = campaign.snapshots.defer("annotators")
    if not full:
        snapshots = snapshots.filter(published=True)
    return LeaderboardView(snapshot=snapshots.first(), full=full)


def public_participants(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The participant rows of an open campaign's public view, most judgments first."""
    public = [
        {
            **{name: row.get(name) for name in PUBLIC_PARTICIPANT_FIELDS},
            **dict.fromkeys(WITHHELD_PARTICIPANT_FIELDS),
        }
        for row in rows
    ]
    return sorted(public, key=lambda row: (-(row["judgments"] or 0), row["handle"] or ""))
