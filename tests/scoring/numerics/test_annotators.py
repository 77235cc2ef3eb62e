"""Annotator scores: gold accuracy and trust, agreement, and each flag's rule."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from scoring.numerics.annotators import (
    GoldSettings,
    Judgments,
    ScoringError,
    accepted_judgments,
    gold_accuracy,
    gold_accuracy_upper,
    score_annotators,
)
from scoring.numerics.flags import (
    POSITION_BIAS,
    STRAIGHT_LINING,
    TOO_FAST,
    UNTRUSTED,
    group_medians,
)


def build(rows: list[tuple[int, int, int, bool, float, int]], n_annotators: int) -> Judgments:
    """rows of (annotator, comparison, verdict, a_on_left, seconds, gold)."""
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 6
    return Judgments(*(np.array(column) for column in columns), n_annotators=n_annotators)


def honest_campaign(seed: int = 0, annotators: int = 6, items: int = 60) -> list[tuple]:
    """Everyone answers gold right and prefers a on ordinary items; placement is random."""
    rng = np.random.default_rng(seed)
    rows = []
    for annotator in range(annotators):
        for item in range(items):
            gold = -1 if item < 10 else 0
            verdict = int(rng.choice([-2, -1, 1])) if gold == 0 else -1
            rows.append(
                (annotator, item, verdict, bool(rng.random() < 0.5), float(rng.normal(30, 5)), gold)
            )
    return rows


def test_accuracy_is_the_beta_posterior_mean_and_its_lower_2_5_percent_quantile() -> None:
    mean, lower = gold_accuracy(np.array([10, 0]), np.array([9, 0]))
    assert mean[0] == pytest.approx(10 / 12) and mean[1] == pytest.approx(0.5)
    assert lower[0] == pytest.approx(beta.ppf(0.025, 10, 2))


def test_the_upper_end_is_the_97_5_percent_quantile_of_the_same_posterior() -> None:
    # Beta(1, 1) with no gold (uniform), Beta(3, 1) after two right, Beta(1, 3) after two
    # wrong: quantiles in closed form.
    upper = gold_accuracy_upper(np.array([0, 2, 2]), np.array([0, 2, 0]))
    assert upper == pytest.approx([0.975, 0.975 ** (1 / 3), 1 - 0.025 ** (1 / 3)])


def test_one_gold_judgment_is_enough_when_the_campaign_asks_for_one() -> None:
    rows = [(0, 0, -1, True, 10.0, -1)]  # one gold, right: mean 2/3
    lenient = GoldSettings(min_gold_seen=1, min_gold_accuracy=0.6)
    assert score_annotators(build(rows, 1), gold=lenient)[0].trusted


def test_gold_is_correct_only_when_it_prefers_the_gold_side_and_a_tie_is_wrong() -> None:
    rows = [(0, k, verdict, True, 10.0, -1) for k, verdict in enumerate([-2, -1, 0, 1, 2])]
    rows += [(0, 9, 2, True, 10.0, 1)]
    (score,) = score_annotators(build(rows, 1))
    assert (score.gold_seen, score.gold_correct) == (6, 3)


@pytest.mark.parametrize(
    ("seen", "correct", "trusted"),
    # Means: 4/4 → 5/6 but too few; 5/5 → 6/7; 4/5 → 5/7 = 0.714; 3/5 → 4/7; 6/8 → 7/10 = 0.7
    # exactly; 7/10 → 8/12 = 0.667.
    [(4, 4, False), (5, 5, True), (5, 4, True), (5, 3, False), (8, 6, True), (10, 7, False)],
)
def test_trusted_needs_enough_gold_and_a_posterior_mean_of_0_7(
    seen: int, correct: int, trusted: bool
) -> None:
    rows = [(0, k, -1 if k < correct else 1, True, 10.0, -1) for k in range(seen)]
    (score,) = score_annotators(build(rows, 1))
    assert score.accuracy == pytest.approx((1 + correct) / (2 + seen))
    assert score.trusted is trusted


def test_campaign_settings_change_the_trust_rule() -> None:
    rows = [(0, k, -1, True, 10.0, -1) for k in range(3)]
    assert not score_annotators(build(rows, 1))[0].trusted
    assert score_annotators(build(rows, 1), gold=GoldSettings(min_gold_seen=3))[0].trusted


def test_accepted_counts_non_gold_judgments_of_trusted_annotators_only() -> None:
    rows = [(0, k, -1, True, 10.0, -1) for k in range(6)] + [
        (0, 100 + k, 1, True, 10.0, 0) for k in range(4)
    ]
    rows += [(1, k, 1, True, 10.0, -1) for k in range(6)] + [
        (1, 100 + k, 1, True, 10.0, 0) for k in range(4)
    ]
    judgments = build(rows, 3)
    scores = score_annotators(judgments)
    assert [s.accepted for s in scores] == [4, 0, 0]
    assert scores[2].judgments == 0 and scores[2].flags == (UNTRUSTED,)
    mask = accepted_judgments(judgments, scores)
    assert mask.sum() == 4 and np.all(judgments.annotator[mask] == 0)


def test_agreement_ignores_gold_and_is_none_without_overlap() -> None:
    rows = [(0, 1, -1, True, 10.0, 0), (1, 1, -2, True, 10.0, 0), (2, 1, 2, True, 10.0, 0)]
    rows += [(0, 7, 2, True, 10.0, -1), (1, 7, 2, True, 10.0, -1), (3, 2, 1, True, 10.0, 0)]
    scores = score_annotators(build(rows, 4))
    assert (
        scores[0].agreement == 0.0 and scores[0].agreement_judgments == 1
    )  # others balance to tie
    assert scores[2].agreement == 0.0
    assert scores[3].agreement is None and scores[3].agreement_judgments == 0


def test_agreeing_on_the_only_shared_item_is_full_agreement() -> None:
    rows = [(0, 1, -1, True, 10.0, 0), (1, 1, -2, True, 10.0, 0)]  # both prefer a
    scores = score_annotators(build(rows, 2))
    assert [(s.agreement, s.agreement_judgments) for s in scores] == [(1.0, 1), (1.0, 1)]


def test_honest_annotators_raise_no_behaviour_flag() -> None:
    scores = score_annotators(build(honest_campaign(), 6))
    assert all(score.flags == () for score in scores)


def test_too_fast_flags_a_median_under_a_third_of_the_campaign_median() -> None:
    rows = honest_campaign()
    rows = [(a, c, v, left, 5.0 if a == 0 else s, g) for a, c, v, left, s, g in rows]
    scores = score_annotators(build(rows, 6))
    assert TOO_FAST in scores[0].flags and scores[0].median_seconds == 5.0
    assert all(TOO_FAST not in score.flags for score in scores[1:])


def test_position_bias_flags_an_annotator_who_always_picks_the_left_side() -> None:
    rows = honest_campaign()
    rows = [
        (a, c, (-1 if left else 1) if a == 0 else v, left, s, g) for a, c, v, left, s, g in rows
    ]
    scores = score_annotators(build(rows, 6))
    assert POSITION_BIAS in scores[0].flags and scores[0].left_share == 1.0
    assert all(POSITION_BIAS not in score.flags for score in scores[1:])


def test_a_few_left_picks_are_not_position_bias() -> None:
    rows = [(0, k, -1, True, 10.0, 0) for k in range(10)]  # p = 0.002 > 0.001
    assert POSITION_BIAS not in score_annotators(build(rows, 1))[0].flags


def test_straight_lining_flags_one_verdict_nearly_always() -> None:
    rows = honest_campaign()
    rows = [(a, c, 0 if a == 0 and g == 0 else v, left, s, g) for a, c, v, left, s, g in rows]
    scores = score_annotators(build(rows, 6))
    # 50 ties of 60 judgments is 0.83 < 0.9: the 10 gold answers save it…
    assert STRAIGHT_LINING not in scores[0].flags
    rows = [(a, c, 0 if a == 0 else v, left, s, g) for a, c, v, left, s, g in rows]
    scores = score_annotators(build(rows, 6))
    # …always tie is caught, and fails gold (a tie is never correct).
    assert {STRAIGHT_LINING, UNTRUSTED} <= set(scores[0].flags) and scores[
        0
    ].top_verdict_share == 1.0


def test_group_medians_handle_even_odd_empty_and_unknown_times() -> None:
    medians = group_medians(
        np.array([0, 0, 1, 1, 1, 2]), np.array([4.0, 2.0, 9.0, 1.0, 5.0, np.nan]), 4
    )
    np.testing.assert_array_equal(medians[:2], [3.0, 5.0])
    assert np.isnan(medians[2]) and np.isnan(medians[3])


def test_judgments_are_validated() -> None:
    with pytest.raises(ScoringError, match="same length"):
        Judgments([0], [0, 1], [0], [True], [1.0], [0], n_annotators=1)
    with pytest.raises(ScoringError, match="-2…\\+2"):
        Judgments([0], [0], [3], [True], [1.0], [0], n_annotators=1)
    with pytest.raises(ScoringError, match="annotator"):
        Judgments([2], [0], [0], [True], [1.0], [0], n_annotators=1)
    with pytest.raises(ScoringError, match="gold"):
        Judgments([0], [0], [0], [True], [1.0], [2], n_annotators=1)


def test_narrow_verdicts_and_gold_are_kept_as_given_and_score_the_same() -> None:
    """A full run passes its columns' int32 verdicts and int8 gold without intp copies (peak
    RSS at 10M); the scores and the counted votes are those of intp columns."""
    rng = np.random.default_rng(7)
    size = 2_000
    comparison = rng.integers(0, 150, size)
    gold = np.where(comparison < 30, np.where(comparison % 2 == 0, -1, 1), 0)
    wide = Judgments(
        rng.integers(0, 12, size),
        comparison,
        rng.integers(-2, 3, size),
        rng.random(size) < 0.5,
        rng.normal(30, 10, size),
        gold,
        n_annotators=12,
    )
    verdict, narrow_gold = wide.verdict.astype(np.int32), wide.gold.astype(np.int8)
    narrow = Judgments(
        wide.annotator, wide.comparison, verdict, wide.a_on_left, wide.seconds, narrow_gold, 12
    )
    assert narrow.verdict.dtype == np.int32 and np.shares_memory(narrow.verdict, verdict)
    assert narrow.gold.dtype == np.int8 and np.shares_memory(narrow.gold, narrow_gold)
    settings = GoldSettings(min_gold_seen=3)
    wide_scores = score_annotators(wide, gold=settings)
    assert score_annotators(narrow, gold=settings) == wide_scores
    assert np.array_equal(
        accepted_judgments(narrow, wide_scores), accepted_judgments(wide, wide_scores)
    )
    assert Judgments([0], [0], [1.0], [True], [1.0], [0.0], n_annotators=1).verdict.dtype == np.intp
