"""An incremental run's windows of timed seconds, rebuilt from the judgments where needed.

The tallies keep each annotator's (and the campaign's) timed seconds as a sorted window around
the median (scoring.numerics.seconds_windows); new judgments can move a median out of its
window, and only then are that group's seconds read again, here.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import NDArray

from campaign.models import Campaign
from scoring.campaign_data import timed_seconds
from scoring.numerics.seconds_windows import uncovered, windows_of, with_rebuilt
from scoring.numerics.tallies import AnnotatorTallies, Reach

CHANGED = "the timed judgments changed during the run"


def windows_covered(
    campaign: Campaign, tallies: AnnotatorTallies, annotator_ids: NDArray[np.int64], reach: Reach
) -> AnnotatorTallies | str:
    """``tallies`` with each seconds window whose median left it rebuilt from all the
    group's timed judgments (scoring.numerics.seconds_windows). Every judgment this run's
    consistent read sees is folded (the watermark's check), so they are the folded ones; if
    the count read differs all the same (a database without snapshot reads), why."""
    seconds, campaign_seconds = tallies.seconds, tallies.campaign_seconds
    short = np.flatnonzero(uncovered(seconds, tallies.timed))
    if short.size:
        rows = timed_seconds(campaign, annotator_ids[short])
        who = np.searchsorted(annotator_ids[short], rows["annotator"])
        counts = np.bincount(who, minlength=short.size).astype(np.int64)
        if not np.array_equal(counts, tallies.timed[short]):
            return CHANGED
        ordered = rows["seconds"][np.lexsort((rows["seconds"], who))]
        seconds = with_rebuilt(seconds, short, ordered, counts, reach.annotator)
    if uncovered(campaign_seconds, tallies.campaign_timed).any():
        every = np.sort(timed_seconds(campaign, None)["seconds"])
        if every.size != int(tallies.campaign_timed[0]):
            return CHANGED
        campaign_seconds = windows_of(every, tallies.campaign_timed, reach.campaign)
    return dataclasses.replace(tallies, seconds=seconds, campaign_seconds=campaign_seconds)
