"""A participant's own standing on the checks, as they may see it: the state, nothing more.

It is read from the latest snapshot, not from live judgments. Live counts (checks answered,
passed, or still needed) would change right after a gold item and give it away, and a
participant could share which items are checks. A snapshot changes only when a scoring run
has folded in a batch of judgments, so the state lags and does not point at an item.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from campaign.models import Campaign


class TrustState(enum.StrEnum):
    QUALIFYING = "qualifying"  # not enough checks scored yet (or no scoring run yet)
    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


@dataclass(frozen=True)
class TrustStatus:
    state: TrustState
    as_of: datetime.datetime | None  # when the snapshot it comes from was computed


def trust_status(*, annotator_id: int, campaign: Campaign) -> TrustStatus:
    # The newest snapshot (Snapshot.Meta.ordering) with the two columns read here; "campaign"
    # too, or the related manager would load the deferred key to attach ``campaign``.
    snapshot = campaign.snapshots.only("campaign", "computed_at", "annotators").first()
    if snapshot is None:
        return TrustStatus(state=TrustState.QUALIFYING, as_of=None)
    row = next((row for row in snapshot.annotators if row.get("user_id") == annotator_id), None)
    if row is None or row["gold_seen"] < max(campaign.min_gold_seen, 1):
        state = TrustState.QUALIFYING
    elif row["trusted"]:
        state = TrustState.TRUSTED
    else:
        state = TrustState.UNTRUSTED
    return TrustStatus(state=state, as_of=snapshot.computed_at)
