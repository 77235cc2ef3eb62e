"""When a scoring run refits the extras, and what a run that does not carries forward.

The default board, its intervals, online Elo, the annotator scores and the participant
ranking are fitted on every run: they are what pages, gold vetting and the contest show
first. So are the cheap extras that steer the next leases or show progress
(``Extra.every_run``: pair priorities, coverage). The other extras (scoring.extras: the
annotator-aware, per-category and style-controlled boards, position bias, robustness) cost
about twice the rest of a run at a million judgments, and the same whether 10 or 10,000
judgments are new: every board is refit exactly. Refitting them on every run would make a
run's cost follow the campaign's size, not its new votes. So a run refits them only when they
are **due**, and otherwise stores the previous snapshot's results as they are, with the mark
of the judgments they were fitted on (``stats["extras"]``): pages say so beside them.

They are due when anything but new judgments changed (settings, contenders, items, rounds:
the extras key), when the run refolded every judgment, when the campaign is not open (its
final results are always whole), without Redis (no worker or beat would come back later),
when asked (``score_campaign --extras``, ``--full``), and otherwise once the campaign has
grown by SCORING_EXTRAS_GROWTH of the judgments they were fitted on or they are
SCORING_EXTRAS_MAX_AGE_SECONDS old. Refitted or carried, they are exactly what a full run
over the same judgments gives (the extras are computed from the run's tallies, which are
exact either way: scoring.incremental).

A snapshot whose extras were carried stores `pending` of its fingerprint instead, so a later
run with no new judgment still comes back for them once they are due (beat's periodic run).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from campaign.models import Campaign
from config.redis import redis_configured
from scoring.extras import EXTRAS
from scoring.models import Snapshot


def pending(fingerprint: str) -> str:
    """The fingerprint a snapshot with carried extras stores instead of its own (as long)."""
    return hashlib.sha256(f"{fingerprint} extras pending".encode()).hexdigest()


@dataclass(frozen=True)
class ExtrasMark:
    """What a snapshot's extras were fitted on: stored as ``stats["extras"]``."""

    judgments: int
    computed_at: datetime.datetime
    key: str

    def as_json(self) -> dict[str, Any]:
        return {
            "judgments": self.judgments,
            "computed_at": self.computed_at.isoformat(),
            "key": self.key,
        }

    @classmethod
    def from_json(cls, value: Any) -> ExtrasMark | None:
        """The stored mark, or None (a snapshot from before marks, or a damaged one)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(
                judgments=int(value["judgments"]),
                computed_at=datetime.datetime.fromisoformat(str(value["computed_at"])),
                key=str(value["key"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class LatestSnapshot:
    """What a run needs of the campaign's latest snapshot before it decides anything."""

    pk: int
    fingerprint: str
    mark: ExtrasMark | None


def extras_key(*parts: Any) -> str:
    """A digest of everything the extras depend on besides the judgments (JSON-able parts)."""
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def extras_due(
    campaign: Campaign,
    latest: LatestSnapshot | None,
    *,
    key: str,
    judgments: int,
    now: datetime.datetime,
    asked: bool | None,
) -> str:
    """Why this run refits the extras, or "" when it carries the latest snapshot's.

    ``asked``: True refits, False carries whenever there is something to carry (tests and
    benches), None follows the rules of the module docstring. A refold of every judgment is
    the caller's to add (it is known only after the fold).
    """
    mark = latest.mark if latest is not None else None
    if asked:
        return "asked"
    if mark is None:
        return "no extras stored yet"
    if asked is False:
        return ""
    if mark.key != key:
        return "settings, contenders or items changed"
    if campaign.status != Campaign.Status.OPEN:
        return "the campaign is not open"
    if not redis_configured():
        return "no worker to refit them later (no Redis)"
    grown = judgments - mark.judgments
    share = settings.SCORING_EXTRAS_GROWTH
    if grown > 0 and grown >= share * mark.judgments:
        return f"the campaign grew by {share:.0%} or more"
    if grown != 0 and (now - mark.computed_at).total_seconds() >= (
        settings.SCORING_EXTRAS_MAX_AGE_SECONDS
    ):
        return f"older than {settings.SCORING_EXTRAS_MAX_AGE_SECONDS} s"
    return ""


def latest_marks(campaign: Campaign) -> LatestSnapshot | None:
    """The latest snapshot's id, fingerprint and extras mark (not scoring.selectors'
    latest_snapshot: none of its large JSON columns)."""
    row = campaign.snapshots.values_list("pk", "fingerprint", "stats__extras").first()
    if row is None:
        return None
    pk, fingerprint, mark = row
    return LatestSnapshot(pk, fingerprint, ExtrasMark.from_json(mark))


@dataclass(frozen=True)
class CarriedExtras:
    """The latest snapshot's views, analyses and failed extras, for a run that does not refit
    them, and the mark of the judgments they were fitted on."""

    views: dict[str, Any]
    analysis: dict[str, Any]
    failures: dict[str, str]
    mark: dict[str, Any]

    def with_fresh(
        self,
        fitted: Sequence[str],
        views: dict[str, Any],
        analysis: dict[str, Any],
        failures: dict[str, str],
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        """These with the ``fitted`` extras' fresh results (``views``, ``analysis``,
        ``failures``) in place of the carried ones, in the extras' registered order (the
        view switch's order)."""

        def merged(carried: dict[str, Any], fresh: dict[str, Any]) -> dict[str, Any]:
            kept = {name: value for name, value in carried.items() if name not in fitted}
            both = {**kept, **fresh}
            return {extra.name: both[extra.name] for extra in EXTRAS if extra.name in both}

        return (
            merged(self.views, views),
            merged(self.analysis, analysis),
            merged(self.failures, failures),
        )


def carried_extras(latest: LatestSnapshot) -> CarriedExtras:
    """What a run carries from ``latest`` (whose mark is set); inside the run's read."""
    row = Snapshot.objects.values("views", "analysis", "stats").get(pk=latest.pk)
    stats = row["stats"] or {}
    return CarriedExtras(
        views=row["views"] or {},
        analysis=row["analysis"] or {},
        failures=stats.get("failed_extras") or {},
        mark=stats["extras"],
    )


def fitted_on(snapshot: Snapshot) -> int | None:
    """The judgments the snapshot's views and analyses were fitted on, when fewer than its
    own (they were carried forward from an earlier run); None otherwise."""
    mark = (snapshot.stats or {}).get("extras")
    judgments = mark.get("judgments") if isinstance(mark, dict) else None
    return judgments if isinstance(judgments, int) and judgments < snapshot.judgments else None
