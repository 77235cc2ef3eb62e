"""Annotator scores: gold accuracy, trust, agreement and quality flags, per annotator.

Pure numpy/scipy (no Django, no I/O), vectorised over all judgments of a campaign at once
(grouping by annotator with `np.bincount`, never a Python loop over judgments), so a job can
score 200,000 judgments in well under a second.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import beta

from scoring.numerics.agreement import expected_agreement
from scoring.numerics.flags import (
    AT_CHANCE,
    GOLD_SPOTTER,
    UNTRUSTED,
    VOUCHED,
    FlagSettings,
    at_chance,
    flag_behaviour,
    gold_spotters,
    typical_agreement,
    vouched_by_agreement,
)
from scoring.numerics.tallies import (
    DEFAULT_REACH,
    AnnotatorTallies,
    Reach,
    agreement_tallies,
    empty,
    fold_judgments,
)

CREDIBLE_MASS = 0.95  # accuracy_lower is the 2.5% quantile of the equal-tailed 95% interval


class ScoringError(ValueError):
    """Judgments that cannot be scored: mismatched lengths, verdicts off the scale, bad ids."""


@dataclass(frozen=True)
class GoldSettings:
    """The campaign's gold settings (the defaults of Campaign's fields, PRODUCT.md's).

    ``has_gold`` False: the campaign has no gold comparisons, so nobody can be vetted and
    every vote counts (trust "not vetted", None). ``exclude_gold_spotters``: the votes of
    annotators flagged `gold_spotter` or `at_chance` do not count even when gold trusts them.
    """

    min_gold_seen: int = 5
    min_gold_accuracy: float = 0.70
    has_gold: bool = True
    exclude_gold_spotters: bool = True


@dataclass(frozen=True)
class Judgments:
    """All judgments of a campaign as parallel arrays, one entry per judgment.

    `verdict` is -2…+2 in canonical a/b terms (negative prefers a); `a_on_left` is True when
    response a was shown on the left; `seconds` is NaN when unknown; `gold` is 0 for an
    ordinary comparison, -1 when the gold answer is a and +1 when it is b (the verdict's sign
    convention, so a gold judgment is correct exactly when sign(verdict) == gold).
    `verdict` and `gold` keep a signed integer type as given (a full run passes its columns'
    int32 and int8, without copies over every judgment: peak RSS), other values become intp.
    """

    annotator: NDArray[np.intp]
    comparison: NDArray[np.intp]
    verdict: NDArray[np.signedinteger[Any]]
    a_on_left: NDArray[np.bool_]
    seconds: NDArray[np.float64]
    gold: NDArray[np.signedinteger[Any]]
    n_annotators: int

    def __post_init__(self) -> None:
        arrays = {
            "annotator": np.asarray(self.annotator, dtype=np.intp).ravel(),
            "comparison": np.asarray(self.comparison, dtype=np.intp).ravel(),
            "verdict": _signed_integers(self.verdict),
            "a_on_left": np.asarray(self.a_on_left, dtype=bool).ravel(),
            "seconds": np.asarray(self.seconds, dtype=np.float64).ravel(),
            "gold": _signed_integers(self.gold),
        }
        if len({a.size for a in arrays.values()}) > 1:
            raise ScoringError("all judgment arrays must have the same length")
        annotator, verdict, gold = arrays["annotator"], arrays["verdict"], arrays["gold"]
        if annotator.size and (annotator.min() < 0 or annotator.max() >= self.n_annotators):
            raise ScoringError(f"annotator indices must lie in 0..{self.n_annotators - 1}")
        if annotator.size and arrays["comparison"].min() < 0:
            raise ScoringError("comparison ids must be non-negative")
        if verdict.size and (verdict.min() < -2 or verdict.max() > 2):
            raise ScoringError("verdicts must lie in -2…+2")
        if not np.isin(gold, (-1, 0, 1)).all():
            raise ScoringError("gold must be -1 (a), 0 (not gold) or +1 (b)")
        for name, array in arrays.items():
            object.__setattr__(self, name, array)

    @property
    def is_gold(self) -> NDArray[np.bool_]:
        return self.gold != 0


def _signed_integers(values: ArrayLike) -> NDArray[np.signedinteger[Any]]:
    array = np.asarray(values)
    return (array if array.dtype.kind == "i" else array.astype(np.intp)).ravel()


@dataclass(frozen=True)
class AnnotatorScore:
    """Everything the dashboard and the participant ranking need about one annotator."""

    annotator: int
    judgments: int
    gold_seen: int
    gold_correct: int
    accuracy: float | None  # posterior mean of gold accuracy (Beta(1, 1) prior); None: no gold
    accuracy_lower: float | None  # 2.5% quantile of that posterior; None before any gold
    trusted: bool | None  # the gold rule; None: not vetted (the campaign has no gold)
    votes_count: bool  # trusted, vouched or not vetted; not excluded as gold spotter, at chance
    accepted: int  # non-gold judgments that count (all of them if votes_count, else none)
    agreement: float | None  # share agreeing with the others' consensus; None without overlap
    agreement_judgments: int  # judgments that had a consensus of others to compare with
    median_seconds: float | None  # None when no judgment carries a time
    left_share: float | None  # share of decisive verdicts preferring the left side
    top_verdict_share: float  # share of the annotator's most frequent verdict
    flags: tuple[str, ...]


def gold_accuracy(
    seen: NDArray[np.int64], correct: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Posterior mean and 95% lower bound of accuracy: Beta(1 + correct, 1 + seen - correct).

    The lower bound (2.5% quantile of the equal-tailed interval) rewards evidence: 9/10 and
    90/100 share a mean near 0.9, but only the second has a lower bound near it.
    """
    seen, correct = np.asarray(seen, dtype=float), np.asarray(correct, dtype=float)
    a, b = 1.0 + correct, 1.0 + seen - correct
    return a / (a + b), np.asarray(beta.ppf((1.0 - CREDIBLE_MASS) / 2.0, a, b), dtype=float)


def gold_accuracy_upper(seen: NDArray[np.int64], correct: NDArray[np.int64]) -> NDArray[np.float64]:
    """97.5% quantile of the gold accuracy's posterior (the upper end of its 95% interval)."""
    seen, correct = np.asarray(seen, dtype=float), np.asarray(correct, dtype=float)
    return np.asarray(
        beta.ppf(1.0 - (1.0 - CREDIBLE_MASS) / 2.0, 1.0 + correct, 1.0 + seen - correct)
    )


def trusted_mask(
    seen: NDArray[np.int64], mean: NDArray[np.float64], gold: GoldSettings
) -> NDArray[np.bool_]:
    """Who is trusted: the trust rule of campaign.participants.trust, for all at once.

    ``min_gold_seen`` gold judged, and at least one (nobody is trusted on no evidence), and a
    posterior mean of at least ``min_gold_accuracy``. Nobody in a campaign without gold (their
    votes count all the same: `score_annotators`). tests/scoring/numerics/test_trust_rule.py
    checks that the two forms agree.
    """
    seen = np.asarray(seen)
    if not gold.has_gold:
        return np.zeros(seen.shape, dtype=bool)
    return (seen >= max(gold.min_gold_seen, 1)) & (np.asarray(mean) >= gold.min_gold_accuracy)


def score_annotators(
    judgments: Judgments,
    *,
    gold: GoldSettings | None = None,
    flags: FlagSettings | None = None,
) -> list[AnnotatorScore]:
    """Score every annotator index 0..n_annotators-1 (annotators without judgments included).

    Gold judgments measure accuracy only; agreement and flags other than `untrusted` look at
    all judgments' behaviour (agreement: non-gold comparisons only, see `consensus_agreement`).
    Whose votes count: see `finish_scores`. The scores are a function of the judgments'
    tallies (scoring.numerics.tallies), which an incremental run folds instead.
    """
    gold = gold or GoldSettings()
    return finish_scores(tally_annotators(judgments, gold), gold=gold, flags=flags)


def tally_annotators(
    judgments: Judgments, gold: GoldSettings, reach: Reach = DEFAULT_REACH
) -> AnnotatorTallies:
    """Every judgment folded into empty tallies (agreement with the consensus that ``gold``'s
    trust rule gives; the seconds' windows of ``reach``)."""
    j = judgments
    tallies = fold_judgments(
        empty(j.n_annotators), j.annotator, j.verdict, j.a_on_left, j.seconds, j.gold, reach
    )
    ordinary = ~j.is_gold
    return dataclasses.replace(
        tallies,
        agreement=agreement_tallies(
            j.annotator[ordinary],
            j.comparison[ordinary],
            j.verdict[ordinary],
            trusted_of(tallies, gold),
            j.n_annotators,
        ),
    )


def trusted_of(tallies: AnnotatorTallies, gold: GoldSettings) -> NDArray[np.bool_]:
    """Who is trusted (`trusted_mask`) by the tallied gold judgments."""
    mean, _lower = gold_accuracy(tallies.gold_seen, tallies.gold_correct)
    return trusted_mask(tallies.gold_seen, mean, gold)


def finish_scores(
    tallies: AnnotatorTallies,
    *,
    gold: GoldSettings | None = None,
    flags: FlagSettings | None = None,
) -> list[AnnotatorScore]:
    """Every annotator's score from the tallies of all their judgments.

    Whose votes count: the trusted and the `vouched` (untrusted on gold, but their regular
    answers prove they follow the items: scoring.numerics.flags), or everyone in a campaign
    without gold; less those flagged `gold_spotter` or `at_chance` (their regular answers show
    the votes are noise) when ``gold.exclude_gold_spotters``.
    """
    gold = gold or GoldSettings()
    flags = flags or FlagSettings()
    t, n = tallies, tallies.size
    seen, correct = t.gold_seen, t.gold_correct
    mean, lower = gold_accuracy(seen, correct)
    trusted = trusted_mask(seen, mean, gold)
    ag = t.agreement
    overlap = ag.compared
    agreement = ag.agreeing / np.maximum(overlap, 1)
    # The spotter and at-chance rules compare with the trusted others only: in a crowd with many
    # careless annotators the consensus of everyone is noisy enough to make honest people look
    # careless.
    compared = ag.compared_trusted
    with_trusted = ag.agreeing_trusted / np.maximum(compared, 1)
    chance = expected_agreement(ag.own, ag.theirs, compared)
    agreeing = ag.agreeing_trusted
    typical = typical_agreement(with_trusted, compared, trusted, flags)
    spotter = gold_spotters(lower, seen, agreeing, compared, chance, typical, flags)
    upper = gold_accuracy_upper(seen, correct)
    vouched = gold.has_gold & ~trusted & (seen > 0)
    vouched &= vouched_by_agreement(
        upper, agreeing, compared, chance, typical, gold.min_gold_accuracy, flags
    )
    random_like = at_chance(agreeing, compared, chance, typical, flags)
    counts = trusted | vouched | (not gold.has_gold)
    counts &= ~((spotter | random_like) & gold.exclude_gold_spotters)
    accepted = np.where(counts, t.ordinary, 0)
    rated_flags = {
        UNTRUSTED: ~trusted & gold.has_gold,
        VOUCHED: vouched,
        GOLD_SPOTTER: spotter,
        AT_CHANCE: random_like,
    }
    behaviour = flag_behaviour(t, rated_flags, flags)
    return [
        AnnotatorScore(
            annotator=k,
            judgments=int(t.judgments[k]),
            gold_seen=int(seen[k]),
            gold_correct=int(correct[k]),
            accuracy=float(mean[k]) if seen[k] else None,
            accuracy_lower=float(lower[k]) if seen[k] else None,
            trusted=bool(trusted[k]) if gold.has_gold else None,
            votes_count=bool(counts[k]),
            accepted=int(accepted[k]),
            agreement=None if overlap[k] == 0 else float(agreement[k]),
            agreement_judgments=int(overlap[k]),
            median_seconds=behaviour.median_seconds[k],
            left_share=behaviour.left_share[k],
            top_verdict_share=behaviour.top_verdict_share[k],
            flags=behaviour.flags[k],
        )
        for k in range(n)
    ]


def accepted_judgments(judgments: Judgments, scores: list[AnnotatorScore]) -> NDArray[np.bool_]:
    """Mask of judgments that feed the model ratings: non-gold, by one whose votes count."""
    counts = np.array([score.votes_count for score in scores], dtype=bool)
    return ~judgments.is_gold & counts[judgments.annotator]
