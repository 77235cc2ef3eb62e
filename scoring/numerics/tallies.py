"""Annotator tallies: the sums the annotator scores are a function of, kept so they fold.

``score_annotators`` is ``finish_scores(fold_agreement(fold_judgments(empty(n), all)))``;
an incremental run (scoring.incremental) folds only the new judgments into stored tallies
and calls the same ``finish_scores``, so its scores are the full run's by construction.

Every tally is an integer count except ``seconds`` and ``campaign_seconds``: a median does
not fold from counts, so each annotator's timed seconds, and the campaign's, are kept as a
sorted window around their middle (scoring.numerics.seconds_windows), which folds exactly and
does not grow with the judgments. Agreement with the leave-one-out consensus does not fold
judgment by judgment either (a new vote on a comparison changes the consensus its earlier voters are
compared with), but it folds comparison by comparison: ``agreement_tallies`` over every
judgment of a set of comparisons is that set's exact share, so a run subtracts the touched
comparisons' old share and adds their new one. The share compared with the *trusted*
consensus also depends on who is trusted: a run whose trust changed for an earlier
annotator cannot fold and rebuilds in full.

Pure numpy (no Django, no I/O).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring.numerics.agreement import ANSWERS, leave_one_out
from scoring.numerics.seconds_windows import (
    ANNOTATOR_REACH,
    CAMPAIGN_REACH,
    Windows,
    empty_windows,
    fold_windows,
    moved,
)

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class AgreementTallies:
    """Per annotator, over regular judgments: compared with / agreeing with the consensus of
    everyone else, the same with the trusted others' consensus, and, over the latter, how
    often the annotator (``own``) and the consensus (``theirs``) answered a / tie / b."""

    compared: Ints
    agreeing: Ints
    compared_trusted: Ints
    agreeing_trusted: Ints
    own: Ints  # (n, 3)
    theirs: Ints  # (n, 3)

    def __add__(self, other: AgreementTallies) -> AgreementTallies:
        return _combine(self, other, 1)

    def __sub__(self, other: AgreementTallies) -> AgreementTallies:
        return _combine(self, other, -1)


@dataclass(frozen=True)
class AnnotatorTallies:
    """Per annotator (index k = annotator k): counts of judgments, gold seen and correct,
    regular (non-gold) judgments, decisive verdicts and those preferring the left side, each
    verdict -2..+2, timed judgments; ``seconds`` a window of each annotator's ``timed[k]``
    timed seconds around their median, ``campaign_seconds`` one of all of them (one group,
    ``timed.sum()`` values)."""

    judgments: Ints
    gold_seen: Ints
    gold_correct: Ints
    ordinary: Ints
    decisive: Ints
    left: Ints
    verdicts: Ints  # (n, 5)
    timed: Ints
    seconds: Windows
    campaign_seconds: Windows
    agreement: AgreementTallies

    @property
    def size(self) -> int:
        return int(self.judgments.size)

    @property
    def campaign_timed(self) -> Ints:
        """The campaign's one group's count of timed values (``campaign_seconds``'s)."""
        return np.array([self.timed.sum()], dtype=np.int64)


@dataclass(frozen=True)
class Reach:
    """Values kept either side of the middle of an annotator's window and the campaign's
    (scoring.numerics.seconds_windows)."""

    annotator: int = ANNOTATOR_REACH
    campaign: int = CAMPAIGN_REACH


DEFAULT_REACH = Reach()

# The per-annotator integer tallies (the fields `widen` moves and the state stores as they are).
COUNTS: tuple[str, ...] = ("judgments", "gold_seen", "gold_correct", "ordinary", "decisive")
COUNTS += ("left", "verdicts", "timed")


def empty_agreement(n: int) -> AgreementTallies:
    zero = np.zeros(n, dtype=np.int64)
    return AgreementTallies(
        zero, zero, zero, zero, np.zeros((n, 3), np.int64), np.zeros((n, 3), np.int64)
    )


def empty(n: int) -> AnnotatorTallies:
    zero = np.zeros(n, dtype=np.int64)
    return AnnotatorTallies(
        judgments=zero,
        gold_seen=zero,
        gold_correct=zero,
        ordinary=zero,
        decisive=zero,
        left=zero,
        verdicts=np.zeros((n, 5), dtype=np.int64),
        timed=zero,
        seconds=empty_windows(n),
        campaign_seconds=empty_windows(1),
        agreement=empty_agreement(n),
    )


def widen(tallies: AnnotatorTallies, place: NDArray[np.intp], n: int) -> AnnotatorTallies:
    """The tallies of annotator k moved to index ``place[k]`` of ``n`` (new annotators, with
    nothing tallied, in between). ``place`` must be increasing, so the per-annotator windows
    of ``seconds`` keep their order."""

    def moved_rows(array: np.ndarray) -> np.ndarray:
        out = np.zeros((n, *array.shape[1:]), dtype=array.dtype)
        out[place] = array
        return out

    agreement = AgreementTallies(
        *(
            moved_rows(getattr(tallies.agreement, f.name))
            for f in dataclasses.fields(AgreementTallies)
        )
    )
    per_annotator = {name: moved_rows(getattr(tallies, name)) for name in COUNTS}
    return AnnotatorTallies(
        **per_annotator,
        seconds=moved(tallies.seconds, place, n),
        campaign_seconds=tallies.campaign_seconds,
        agreement=agreement,
    )


def fold_judgments(
    tallies: AnnotatorTallies,
    annotator: NDArray[np.intp],
    verdict: NDArray[np.signedinteger[Any]],
    a_on_left: NDArray[np.bool_],
    seconds: NDArray[np.float64],
    gold: NDArray[np.signedinteger[Any]],
    reach: Reach = DEFAULT_REACH,
) -> AnnotatorTallies:
    """``tallies`` plus the given judgments' counts and seconds (agreement left as it is).
    A window whose middle left it is left `uncovered` (scoring.numerics.seconds_windows):
    the caller rebuilds it from all the group's seconds before the medians are read."""
    n = tallies.size

    def count(mask: NDArray[np.bool_] | None = None) -> Ints:
        who = annotator if mask is None else annotator[mask]
        return np.bincount(who, minlength=n).astype(np.int64)

    is_gold = gold != 0
    decisive = verdict != 0
    # Left preferred: a preferred (verdict < 0) shown on the left, or b preferred shown on the left.
    prefers_left = decisive & ((verdict < 0) == a_on_left)
    verdicts = np.bincount(annotator * 5 + (verdict + 2), minlength=n * 5).reshape(n, 5)
    timed = ~np.isnan(seconds)
    return AnnotatorTallies(
        judgments=tallies.judgments + count(),
        gold_seen=tallies.gold_seen + count(is_gold),
        gold_correct=tallies.gold_correct + count(is_gold & (np.sign(verdict) == gold)),
        ordinary=tallies.ordinary + count(~is_gold),
        decisive=tallies.decisive + count(decisive),
        left=tallies.left + count(prefers_left),
        verdicts=tallies.verdicts + verdicts,
        timed=tallies.timed + count(timed),
        seconds=fold_windows(
            tallies.seconds, tallies.timed, annotator[timed], seconds[timed], reach.annotator
        ),
        campaign_seconds=fold_windows(
            tallies.campaign_seconds,
            tallies.campaign_timed,
            np.zeros(int(timed.sum()), dtype=np.intp),
            seconds[timed],
            reach.campaign,
        ),
        agreement=tallies.agreement,
    )


def agreement_tallies(
    annotator: NDArray[np.intp],
    comparison: NDArray[np.int64],
    verdict: NDArray[np.intp],
    trusted: NDArray[np.bool_],
    n: int,
) -> AgreementTallies:
    """The agreement tallies of these regular judgments, which must be *every* judgment of
    the comparisons they are on (the consensus of each is its judgments'); ``trusted`` is
    per annotator."""
    annotator = np.asarray(annotator, dtype=np.intp)

    def count(mask: NDArray[np.bool_]) -> Ints:
        return np.bincount(annotator[mask], minlength=n).astype(np.int64)

    sign, consensus, compared = leave_one_out(comparison, verdict, None)
    _, trusted_consensus, compared_t = leave_one_out(comparison, verdict, trusted[annotator])
    own = np.stack([count(compared_t & (sign == answer)) for answer in ANSWERS], axis=1)
    theirs = np.stack(
        [count(compared_t & (trusted_consensus == answer)) for answer in ANSWERS], axis=1
    )
    return AgreementTallies(
        compared=count(compared),
        agreeing=count(compared & (sign == consensus)),
        compared_trusted=count(compared_t),
        agreeing_trusted=count(compared_t & (sign == trusted_consensus)),
        own=own.reshape(n, 3),
        theirs=theirs.reshape(n, 3),
    )


def sorted_group_medians(ordered: NDArray[np.float64], size: Ints) -> NDArray[np.float64]:
    """Median per group of values sorted within consecutive groups of ``size`` each (NaN for
    an empty group)."""
    first = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    low = first + np.maximum(size - 1, 0) // 2
    high = first + size // 2
    medians = np.full(size.size, np.nan)
    has = size > 0
    medians[has] = (ordered[low[has]] + ordered[np.minimum(high[has], ordered.size - 1)]) / 2.0
    return medians


def _combine(left: AgreementTallies, right: AgreementTallies, sign: int) -> AgreementTallies:
    return AgreementTallies(
        *(
            getattr(left, f.name) + sign * getattr(right, f.name)
            for f in dataclasses.fields(AgreementTallies)
        )
    )
