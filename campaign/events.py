"""What the campaign app announces after its data changed, for whoever reacts (scoring).

The campaign app never imports the scoring app (an import-linter contract checks it, function
bodies included), so annotation does not depend on it. Instead scoring registers its
reactions here when Django starts (scoring/apps.py `ready()` calls `register_scoring`):

- `judgments_recorded(campaign_id)`: services call it after their transaction commits; the
  reaction (scoring.queue.score_soon) has the new judgments scored soon, debounced.
- `request_scoring(campaign)`: score now, not after the debounce delay (closing a campaign
  asks for its final scores); the reaction is scoring.jobs.request_recompute.

Nothing registered (scoring not installed) means nobody reacts: both calls then do nothing.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from campaign.models import Campaign

logger = logging.getLogger(__name__)


class ScoringRequest(enum.StrEnum):
    """What became of a request to score a campaign now, for the organiser's message."""

    QUEUED = "queued"  # a worker will run it shortly
    DONE = "done"  # no broker: it ran in the request and stored a new snapshot
    UNCHANGED = "unchanged"  # no broker: it ran in the request; the scores were already current
    BUSY = "busy"  # no broker, and another run of the campaign (a judgment's) is in progress
    UNAVAILABLE = "unavailable"  # the broker is unreachable: beat will catch up later


@dataclass(frozen=True)
class ScoringReactions:
    """What scoring does when the campaign app announces something (see the module docstring)."""

    judgments_recorded: Callable[[int], threading.Thread | None]
    scoring_requested: Callable[[Campaign], ScoringRequest]


_reactions: ScoringReactions | None = None


def register_scoring(reactions: ScoringReactions) -> None:
    """Install scoring's reactions (once, from its AppConfig.ready; again replaces them)."""
    global _reactions  # the registry is this module's one piece of state
    _reactions = reactions


def judgments_recorded(campaign_id: int) -> threading.Thread | None:
    """New judgments of this campaign were committed (one or many): have them scored soon.

    Never raises: the judgments are already stored, and scoring is not a reason to fail the
    request that stored them. Returns the background run scoring started in eager mode
    (tests wait for it), else None.
    """
    if _reactions is None:
        return None
    try:
        return _reactions.judgments_recorded(campaign_id)
    except Exception:  # the isolation boundary between annotation and scoring, on purpose
        logger.exception("Could not request scoring of campaign %s", campaign_id)
    return None


def request_scoring(campaign: Campaign) -> ScoringRequest | None:
    """Score ``campaign`` now; what became of it, or None when nothing scores campaigns."""
    if _reactions is None:
        return None
    return _reactions.scoring_requested(campaign)
