"""Views and analyses stored beside a snapshot's default board.

The default board (plain Bradley-Terry over counted votes) stays in ``Snapshot.contenders``.
Other boards of the same run (``Snapshot.views``: annotator-aware, per category,
style-controlled…) and facts about the ranking (``Snapshot.analysis``: position bias,
robustness, pair priorities…) are each one ``Extra`` registered in ``EXTRAS``. An extra has two
steps so the run keeps its shape: ``read`` runs inside the run's consistent read and fetches
what the extra needs beyond the judgments (texts, categories…), ``compute`` runs afterwards,
outside any transaction, with everything the run has read and fitted.

The run folds the judgments into tallies (scoring.numerics.vote_cells; an incremental run only
the new judgments, into the stored tallies, scoring.incremental), reads the regular
comparisons (their contenders and prompt categories) once, and hands both to every extra in
``ScoringRun``: an extra reads only what no other part of the run needs, and computes its
result from the tallies, never from the judgments one by one, so a run that reads only the
new judgments gives every extra exactly what a full run would. An extra that needs a count the
tallies do not hold adds it to the vote cells (their fold and their stored arrays).

Each result is stored under the extra's name, as plain JSON. A view's result holds at least
``label`` (shown on the switch) and ``contenders`` (rows shaped like ``Snapshot.contenders``);
an analysis's shape is its own, documented in its module.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from campaign.models import Campaign
from scoring.campaign_data import RegularComparisons
from scoring.numerics.annotators import AnnotatorScore
from scoring.numerics.ratings import ContenderRating
from scoring.numerics.tallies import AnnotatorTallies
from scoring.numerics.vote_cells import VoteCells
from scoring.numerics.votes import PairCounts, RatingError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringRun:
    """Everything one scoring run has folded and fitted, for the extras to build on.

    No per-judgment arrays: an incremental run never holds every judgment. The extras are
    computed from the run's tallies: ``cells`` (scoring.numerics.vote_cells: votes per
    annotator and pair, per pair and side, per comparison) and the annotators' ``tallies``
    (scoring.numerics.tallies), both of every judgment so far. Contender i is ``names[i]``
    (database id ``contender_ids[i]``); annotator j is user ``annotator_ids[j]`` with score
    ``scores[j]`` and tallies row j.
    """

    campaign: Campaign
    names: list[str]
    contender_ids: list[int]
    annotator_ids: NDArray[np.int64]
    scores: list[AnnotatorScore]
    tallies: AnnotatorTallies
    cells: VoteCells
    # Judged regular comparisons per (category, judgments): scoring.numerics.vote_cells's
    # judged_histogram, kept with the core (scoring.incremental) so that the extras fitted on
    # every run need not read the per-comparison cells.
    coverage: NDArray[np.int64]
    # The regular comparisons (contenders, category), read once for the run and its extras.
    comparisons: RegularComparisons
    counts: PairCounts
    ratings: list[ContenderRating]
    rounds: int
    seed: int

    @cached_property
    def judged_place(self) -> NDArray[np.intp]:
        """Each judged comparison's index in ``comparisons`` (``cells.comparison_ids``, ids
        ascending): found once per run, for every extra that reads votes per comparison (a
        search over 3M ids costs 0.1 s at 10M judgments)."""
        ids, judged = self.comparisons.ids, self.cells.comparison_ids
        place = np.searchsorted(ids, judged).astype(np.intp)
        # A judged comparison is one of the run's regular comparisons: deleting one deletes its
        # judgments, which the incremental run's watermark check turns into a full run.
        if place.size and not np.array_equal(ids[place.clip(max=ids.size - 1)], judged):
            raise RuntimeError("a judged comparison is missing from the run's regular comparisons")
        return place

    @property
    def counted_annotators(self) -> NDArray[np.bool_]:
        """Per annotator: whether their votes count (on the default board)."""
        return np.array([score.votes_count for score in self.scores], dtype=bool)


Facts = Any  # whatever an extra's read step returns, handed back to its compute step


def row_dict(row: Any) -> dict[str, Any]:
    """A flat dataclass row (a rating, a score) as a dict for a snapshot's JSON.

    Not `dataclasses.asdict`: it deep-copies every value, which cost an incremental run at a
    million judgments about 0.8 s of CPU for its 1,600 rows; these rows hold numbers, text
    and tuples, nothing that needs a copy.
    """
    return {field.name: getattr(row, field.name) for field in dataclasses.fields(row)}


@dataclass(frozen=True)
class Extra:
    name: str
    kind: Literal["view", "analysis"]
    compute: Callable[[ScoringRun, Facts], dict[str, Any]]
    # Reads beyond the judgments, inside the run's consistent read; None reads nothing.
    read: Callable[[Campaign, Sequence[int]], Facts] | None = None
    # Refitted on every run, never carried forward (scoring.extras_schedule): extras that
    # cost O(comparisons) sums and that steer the next leases or show progress. They must not
    # read the sparse vote cells (``cells.voter_*``, ``cells.comparison_*``, ``judged_place``):
    # a run that fits only these leaves those cells' stored base unread
    # (scoring.state_storage).
    every_run: bool = False
    # Needs the comparisons' style counts (RegularComparisons.style_a / style_b), which a run
    # reads only for the extras that need them (scoring.comparison_cache.with_style).
    needs_style: bool = False


# Filled by the modules that define extras (scoring.apps imports them at start-up); the order
# here is the order of the leaderboard's view switch.
EXTRAS: list[Extra] = []


def register(extra: Extra) -> Extra:
    if any(known.name == extra.name for known in EXTRAS):
        raise ValueError(f"two scoring extras are named {extra.name!r}")
    EXTRAS.append(extra)
    return extra


def extras_to_fit(*, all_of_them: bool) -> list[Extra]:
    """The extras a run fits: all of them when they are due, else those fitted every run."""
    return [extra for extra in EXTRAS if all_of_them or extra.every_run]


def read_extras(
    campaign: Campaign, contender_ids: Sequence[int], extras: Sequence[Extra]
) -> dict[str, Facts]:
    """The ``extras``' read steps; call inside the run's consistent read."""
    return {
        extra.name: extra.read(campaign, contender_ids) if extra.read else None for extra in extras
    }


def compute_extras(
    run: ScoringRun, facts: dict[str, Facts], lap: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The result of every extra ``facts`` names (`read_extras`), split into (views,
    analysis, failures); ``lap`` times each one.

    An extra whose fit fails on the campaign's data (RatingError: a fit that found no
    optimum) is left out and its reason kept in ``failures``: one extra board must never cost
    the campaign its snapshot, whose default board and scores stand without it. Any other
    exception is a bug and propagates.
    """
    views: dict[str, Any] = {}
    analysis: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for extra in (extra for extra in EXTRAS if extra.name in facts):
        try:
            result = extra.compute(run, facts.get(extra.name))
        except RatingError as error:
            logger.warning("Scoring extra %s left out of %s: %s", extra.name, run.campaign, error)
            failures[extra.name] = str(error)
        else:
            (views if extra.kind == "view" else analysis)[extra.name] = result
        lap(f"extra:{extra.name}")
    return views, analysis, failures
