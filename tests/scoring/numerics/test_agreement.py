"""Agreement statistics against PandaLM's published figures and the reference package."""

from __future__ import annotations

import json
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from scoring.numerics.agreement import (
    cohen_kappa,
    consensus_agreement,
    krippendorff_alpha,
    leave_one_out,
)

PANDALM = Path(__file__).resolve().parents[3] / "campaign" / "demo" / "pandalm" / "testset-v1.json"


@pytest.fixture(scope="module")
def pandalm_labels() -> np.ndarray:
    """999 x 3 labels of annotator1..3: 0 = tie, 1 = response1 better, 2 = response2 better."""
    rows = json.loads(PANDALM.read_text(encoding="utf-8"))
    return np.array([[row["annotator1"], row["annotator2"], row["annotator3"]] for row in rows])


def test_pandalm_cohen_kappa_between_its_annotators_matches_the_readme(
    pandalm_labels: np.ndarray,
) -> None:
    first, second, third = pandalm_labels.T
    assert round(cohen_kappa(first, second), 2) == 0.85
    assert round(cohen_kappa(first, third), 2) == 0.88
    assert round(cohen_kappa(second, third), 2) == 0.86


def test_pandalm_majority_counts_match_the_readme(pandalm_labels: np.ndarray) -> None:
    votes = np.stack([np.bincount(row, minlength=3) for row in pandalm_labels])
    assert votes.max(axis=1).min() >= 2  # every item has a majority
    assert np.bincount(votes.argmax(axis=1), minlength=3).tolist() == [105, 422, 472]


def test_alpha_from_count_tables_equals_the_package_on_a_full_matrix() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(-2, 3, 300)
    comparison, verdict, matrix = [], [], np.full((6, 300), np.nan)
    for annotator in range(6):
        judged = rng.random(300) < 0.5
        noisy = np.clip(truth + rng.integers(-1, 2, 300), -2, 2)
        comparison.extend(np.flatnonzero(judged))
        verdict.extend(noisy[judged])
        matrix[annotator, judged] = noisy[judged]
    expected = krippendorff.alpha(
        reliability_data=matrix, value_domain=[-2, -1, 0, 1, 2], level_of_measurement="ordinal"
    )
    assert krippendorff_alpha(comparison, verdict) == pytest.approx(expected, abs=1e-12)


def test_alpha_on_pandalm_orders_nominal_agreement_like_kappa(pandalm_labels: np.ndarray) -> None:
    units = np.repeat(np.arange(len(pandalm_labels)), 3)
    alpha = krippendorff_alpha(units, pandalm_labels.ravel(), values=(0, 1, 2), level="nominal")
    assert 0.85 <= alpha <= 0.88


def test_undefined_statistics_are_none_not_nan() -> None:
    assert cohen_kappa([], []) is None
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) is None
    assert krippendorff_alpha([0, 1, 2], [1, 1, 1]) is None  # no unit judged twice
    assert krippendorff_alpha([0, 0, 1, 1], [2, 2, 2, 2]) is None  # no variation


def test_consensus_agreement_leaves_the_annotator_out() -> None:
    # Comparison 0: annotators 0, 1 say a; 2 says b. Comparison 1: 0 says b, 1 says tie.
    annotator = np.array([0, 1, 2, 0, 1])
    comparison = np.array([0, 0, 0, 1, 1])
    verdict = np.array([-2, -1, 1, 2, 0])
    agreement, compared = consensus_agreement(annotator, comparison, verdict, 4)
    # 0: c0 others (a, b) balance → tie ≠ a; c1 other tie ≠ b → 0/2.
    # 1: c0 others (a, b) → tie ≠ a; c1 other b ≠ tie → 0/2.  2: c0 others (a, a) → a ≠ b → 0/1.
    np.testing.assert_array_equal(compared, [2, 2, 1, 0])
    np.testing.assert_array_equal(agreement, [0.0, 0.0, 0.0, 0.0])
    agreement, _ = consensus_agreement([0, 1, 2], [5, 5, 5], [-1, -2, 1], 3)
    np.testing.assert_array_equal(
        agreement, [0.0, 0.0, 0.0]
    )  # (a, b) balance to tie; (a, a) → a ≠ b
    agreement, _ = consensus_agreement([0, 1, 2], [5, 5, 5], [-1, -2, -1], 3)
    np.testing.assert_array_equal(agreement, [1.0, 1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64])
def test_leave_one_out_gives_byte_signs_of_the_others_consensus(dtype) -> None:
    """Signs a byte each (a full run's 9M judgments, twice at its peak RSS), the values of
    a judgment-by-judgment count whatever the verdicts' integer type."""
    rng = np.random.default_rng(5)
    comparison = rng.integers(0, 40, 400)
    verdict = rng.integers(-2, 3, 400)
    voters = rng.random(400) < 0.6
    sign, consensus, compared = leave_one_out(comparison, verdict.astype(dtype), voters)
    assert sign.dtype == consensus.dtype == np.int8
    for k in range(verdict.size):
        others = (comparison == comparison[k]) & voters
        others[k] = False
        assert sign[k] == np.sign(verdict[k])
        assert consensus[k] == np.sign(np.sign(verdict[others]).sum())
        assert compared[k] == others.any()
