"""Agreement between annotators: leave-one-out consensus, Cohen's kappa, Krippendorff's alpha.

Pure numpy (no Django, no I/O). Krippendorff's alpha uses the `krippendorff` package's
distances (a small, maintained implementation with ordinal distances) on a coincidence matrix
summed from a units x values count table (`coincidence_tallies`: integers that fold, for
incremental runs) rather than an annotators x units matrix, which at 500 annotators x 60,000
comparisons would be a quarter of a gigabyte of mostly-missing cells.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from krippendorff.krippendorff import _distance_metric, _distances, _random_coincidences
from numpy.typing import ArrayLike, NDArray

from scoring.numerics.votes import unique_inverse

VERDICTS = (-2, -1, 0, 1, 2)
ANSWERS = (-1, 0, 1)  # a verdict's sign: a, tie, b


def consensus_agreement(
    annotator: ArrayLike,
    comparison: ArrayLike,
    verdict: ArrayLike,
    n_annotators: int,
    *,
    voters: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per annotator: share of judgments agreeing with the leave-one-out consensus of others.

    The consensus on a comparison, leaving the annotator out, is the sign of the others'
    summed preferences (a-votes -1, b-votes +1, ties 0): a, b, or tie when they balance. A
    judgment agrees when its own sign (a / tie / b, strength ignored) equals it; judgments
    on comparisons nobody else judged are skipped. Returns (agreement, judgments compared),
    agreement 0.0 where nothing was compared — check the count. Callers pass non-gold
    judgments: gold is scored by accuracy, and agreement should show what accuracy cannot
    (someone who answers gold well and the rest at random).

    ``voters`` (a mask over the judgments) limits the consensus to those judgments, e.g. the
    trusted annotators': everyone is still compared with it, but only where one of them judged.
    """
    annotator = np.asarray(annotator, dtype=np.intp)
    sign, consensus, compared = leave_one_out(comparison, verdict, voters)
    agree = compared & (sign == consensus)
    count = np.bincount(annotator[compared], minlength=n_annotators)
    hits = np.bincount(annotator[agree], minlength=n_annotators)
    return hits / np.maximum(count, 1), count


def chance_agreement(
    annotator: ArrayLike,
    comparison: ArrayLike,
    verdict: ArrayLike,
    n_annotators: int,
    *,
    voters: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Per annotator: the agreement `consensus_agreement` would find by chance alone.

    Over the judgments compared with a consensus, Σ over a / tie / b of (the annotator's share
    of that answer) x (the consensus's share of it): what someone answering independently of
    the item, with the same habits, agrees on average (the expected agreement of Cohen's
    kappa). A gold spotter's regular answers agree at about this rate; an honest annotator's
    clearly above it. 0.0 where nothing was compared.
    """
    annotator = np.asarray(annotator, dtype=np.intp)
    sign, consensus, compared = leave_one_out(comparison, verdict, voters)
    who = annotator[compared]
    own, theirs = (
        np.stack(
            [
                np.bincount(who[side[compared] == answer], minlength=n_annotators)
                for answer in ANSWERS
            ],
            axis=1,
        )
        for side in (sign, consensus)
    )
    return expected_agreement(own, theirs, np.bincount(who, minlength=n_annotators))


def expected_agreement(
    own: NDArray[np.int64], theirs: NDArray[np.int64], compared: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Per annotator (a row of ``own`` and ``theirs``: how often they, and the consensus they
    were compared with, answered a / tie / b over ``compared`` judgments): Cohen's expected
    agreement, Σ own x theirs / compared². 0.0 where nothing was compared."""
    products = (np.asarray(own) * np.asarray(theirs)).sum(axis=1)
    return products / np.maximum(np.asarray(compared, dtype=np.float64), 1.0) ** 2


def leave_one_out(
    comparison: ArrayLike, verdict: ArrayLike, voters: ArrayLike | None
) -> tuple[NDArray[np.int8], NDArray[np.int8], NDArray[np.bool_]]:
    """Per judgment: its sign, the sign of the others' (voters') summed preferences on its
    comparison, and whether any other voter judged that comparison. The signs are a byte
    each and the temporaries reused in place: a full run's 9M regular judgments go through
    here twice at its peak RSS."""
    verdict = np.asarray(verdict)
    if verdict.dtype.kind == "i":
        sign = np.sign(verdict, dtype=np.int8)
    else:
        sign = np.sign(verdict).astype(np.int8)
    voting = np.ones(sign.size, dtype=bool) if voters is None else np.asarray(voters, dtype=bool)
    weight = sign if voters is None else sign * voting
    # Without a sort where the ids are dense (a full run's 9M judgments: 1.5 s a call).
    _, unit = unique_inverse(np.asarray(comparison))
    units = unit.max(initial=-1) + 1
    others_sum = np.bincount(unit, weights=weight, minlength=units)[unit]
    others_sum -= weight
    del weight
    others = np.bincount(unit, weights=voting, minlength=units)[unit]
    del unit
    others -= voting
    compared = others > 0
    del others
    return sign, np.sign(others_sum, out=others_sum).astype(np.int8), compared


def cohen_kappa(first: ArrayLike, second: ArrayLike) -> float | None:
    """Cohen's (unweighted) kappa between two annotators' labels on the same items.

    None when it is undefined: no items, or both annotators always gave one same label
    (chance agreement 1). Labels may be any hashable values comparable with ==.
    """
    first, second = np.asarray(first).ravel(), np.asarray(second).ravel()
    if first.size != second.size:
        raise ValueError("both annotators must label the same items")
    if first.size == 0:
        return None
    labels, codes = np.unique(np.concatenate([first, second]), return_inverse=True)
    k = labels.size
    table = np.bincount(codes[: first.size] * k + codes[first.size :], minlength=k * k).reshape(
        k, k
    )
    shares = table / first.size
    observed = np.trace(shares)
    expected = float(shares.sum(axis=1) @ shares.sum(axis=0))
    if math.isclose(expected, 1.0):
        return None
    return float((observed - expected) / (1.0 - expected))


def krippendorff_alpha(
    comparison: ArrayLike,
    verdict: ArrayLike,
    *,
    values: tuple[int, ...] = VERDICTS,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "ordinal",
) -> float | None:
    """Krippendorff's alpha over all judgments (ordinal on the 5-point verdicts by default).

    Each comparison is a unit; only units with two or more judgments are pairable. None when
    alpha is undefined (no pairable unit, or no variation at all).
    """
    verdict = np.asarray(verdict, dtype=np.intp)
    _, unit = np.unique(np.asarray(comparison), return_inverse=True)
    position = np.searchsorted(values, verdict)
    if verdict.size and (
        position.max() >= len(values) or np.any(np.asarray(values)[position] != verdict)
    ):
        raise ValueError(f"verdicts must be among {values}")
    table = np.bincount(
        unit * len(values) + position, minlength=(unit.max(initial=-1) + 1) * len(values)
    )
    coincidences = coincidence_tallies(table.reshape(-1, len(values)))
    return alpha_of_coincidences(coincidences, values=values, level=level)


def coincidence_tallies(table: NDArray[np.int64]) -> NDArray[np.int64]:
    """Krippendorff's coincidences of a units x values count table, kept as integers so they
    fold: entry [m] sums, over the units with m pairable values, n_uc * n_uk (less n_uc on the
    diagonal). The coincidence matrix is the sum over m of entry [m] / (m - 1), so a unit that
    changes is taken out and put back as a difference of integers (scoring.incremental)."""
    table = np.asarray(table, dtype=np.int64)
    size = table.sum(axis=1)
    width = table.shape[1]
    out = np.zeros((int(size.max(initial=1)) + 1, width, width), dtype=np.int64)
    for m in np.unique(size[size >= 2]).tolist():
        rows = table[size == m]
        out[m] = rows.T @ rows - np.diag(rows.sum(axis=0))
    return out


def add_coincidences(
    left: NDArray[np.int64], right: NDArray[np.int64], sign: int = 1
) -> NDArray[np.int64]:
    """``left + sign * right`` of two `coincidence_tallies`, however many m each covers."""
    out = np.zeros((max(left.shape[0], right.shape[0]), *left.shape[1:]), dtype=np.int64)
    out[: left.shape[0]] += left
    out[: right.shape[0]] += sign * right
    return out


def alpha_of_coincidences(
    coincidences: NDArray[np.int64],
    *,
    values: tuple[int, ...] = VERDICTS,
    level: Literal["nominal", "ordinal", "interval", "ratio"] = "ordinal",
) -> float | None:
    """Krippendorff's alpha from `coincidence_tallies` (the `krippendorff` package's formula:
    its random coincidences and distances, on the coincidence matrix summed here)."""
    pairable = np.arange(coincidences.shape[0]) - 1
    used = pairable >= 1
    o = (coincidences[used] / pairable[used].reshape(-1, 1, 1)).sum(axis=0)
    n_v = o.sum(axis=0)
    if np.count_nonzero(n_v) < 2:
        return None
    # The package's alpha() takes a per-unit table only; its two helpers are the formula's
    # other halves, used as they are so the distances stay the package's own.
    e = _random_coincidences(n_v)
    d: NDArray[np.float64] = _distances(np.asarray(values), _distance_metric(level), n_v)
    alpha = 1 - (o * d).sum() / (e * d).sum()
    return float(alpha) if math.isfinite(alpha) else None
