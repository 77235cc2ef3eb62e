"""A full run's core: every judgment of the campaign folded into empty tallies.

The incremental fold (scoring.incremental) starts from the stored tallies instead; both end
in the same `finish`, so a run gives the same result either way.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scoring.campaign_data import JudgmentColumns, RegularComparisons
from scoring.incremental import (
    Core,
    Watermark,
    fold_vote_cells,
    full_core,
    regular_coincidences,
    vote_tables,
)
from scoring.numerics.annotators import (
    AnnotatorScore,
    GoldSettings,
    Judgments,
    accepted_judgments,
    finish_scores,
    tally_annotators,
)
from scoring.numerics.tallies import Reach
from scoring.numerics.vote_cells import empty_cells
from scoring.numerics.votes import Votes, outcome_from_verdict, unique_inverse


def full_core_of(
    columns: JudgmentColumns,
    comparisons: RegularComparisons,
    gold: GoldSettings,
    watermark: Watermark,
    n_contenders: int,
    reach: Reach,
) -> tuple[Core, list[AnnotatorScore]]:
    """Every judgment folded into empty tallies (seconds' windows of ``reach``), and the
    scores. The fold frees each of the ``columns`` after its last use: a caller that keeps
    no reference to them keeps the fold's peak RSS low (at 10M, hundreds of MB)."""
    place = _comparison_of_judgments(comparisons, columns)
    verdict, a_on_left = columns.verdict, columns.a_on_left
    annotator_ids, judgments = _judgments(columns)
    del columns  # the users' ids, labelled now
    tallies = tally_annotators(judgments, gold, reach)
    scores = finish_scores(tallies, gold=gold)
    accepted = accepted_judgments(judgments, scores)
    annotator, comparison, ordinary = judgments.annotator, judgments.comparison, ~judgments.is_gold
    del judgments  # the seconds, and the verdicts' and gold's copies
    # Reduced in turn to their small tables, each freed before the next step (peak RSS).
    votes = vote_tables(_rated_votes_in_order(verdict, accepted, comparisons, place, n_contenders))
    coincidences = regular_coincidences(comparison[ordinary], verdict[ordinary])
    del comparison, ordinary
    cells = fold_vote_cells(
        empty_cells(n_contenders),
        verdict,
        a_on_left,
        annotator,
        annotator_ids,
        place,
        accepted,
        comparisons,
    )
    core = full_core(annotator_ids, tallies, gold, scores, votes, coincidences, cells, watermark)
    return core, scores


def _judgments(columns: JudgmentColumns) -> tuple[np.ndarray, Judgments]:
    """Annotators' user ids (index k is annotator k) and the numerics' Judgments."""
    annotator_ids, annotator = unique_inverse(columns.annotator_id)
    judgments = Judgments(
        annotator=annotator,
        comparison=columns.comparison_id,
        verdict=columns.verdict,
        a_on_left=columns.a_on_left,
        seconds=columns.seconds,
        gold=columns.gold,
        n_annotators=annotator_ids.size,
    )
    return annotator_ids, judgments


def _comparison_of_judgments(
    comparisons: RegularComparisons, columns: JudgmentColumns
) -> np.ndarray:
    """Each judgment's regular comparison (its index in ``comparisons``); -1 on gold."""
    ids = comparisons.ids
    if ids.size == 0:
        return np.full(columns.size, -1, dtype=np.intp)
    span = int(ids[-1] - ids[0]) + 1
    if span > _DENSE * ids.size:
        place = np.searchsorted(ids, columns.comparison_id).clip(max=ids.size - 1)
        return np.where(ids[place] == columns.comparison_id, place, -1).astype(np.intp)
    table = np.full(span, -1, dtype=np.intp)
    table[ids - ids[0]] = np.arange(ids.size)
    offset = columns.comparison_id - ids[0]
    inside = (offset >= 0) & (offset < span)
    place = np.full(columns.size, -1, dtype=np.intp)
    place[inside] = table[offset[inside]]
    return place


# Ids spread over at most this many times their count are looked up in a table indexed by
# id (one campaign's comparisons usually are): a million binary searches into a large array
# cost ~0.15 s of cache misses, a table lookup a tenth of that.
_DENSE = 4


def _rated_votes_in_order(
    verdict: NDArray[np.int32],
    rated: np.ndarray,
    comparisons: RegularComparisons,
    place: np.ndarray,
    n_contenders: int,
) -> Votes:
    """The votes the ratings count (the ``rated`` judgments), in the order cast, for online Elo.

    The contenders are looked up for the rated judgments only: two arrays over every
    judgment were 160 MB at 10M, alive through the fold of the vote cells.
    """
    if not rated.any() or n_contenders < 2:
        empty = np.empty(0, dtype=np.intp)
        return Votes(empty, empty, empty, n_contenders=n_contenders)
    rated_place = place[rated]
    regular = rated_place >= 0
    a = np.full(rated_place.size, -1, dtype=np.intp)
    b = np.full(rated_place.size, -1, dtype=np.intp)
    a[regular] = comparisons.a[rated_place[regular]]
    b[regular] = comparisons.b[rated_place[regular]]
    return Votes(
        a,
        b,
        outcome_from_verdict(verdict[rated]),
        n_contenders=n_contenders,
    )
