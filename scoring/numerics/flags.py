"""Quality flags on annotators' behaviour, each a documented rule (PRODUCT.md, "Flags").

Pure numpy/scipy (no Django, no I/O), vectorised over all judgments. A flag is a prompt for
an organiser to look, not a verdict: only `untrusted` (failing gold) excludes votes, unless
`vouched` (the regular answers prove the annotator follows the items), and `gold_spotter` and
`at_chance` do when the campaign says so (``exclude_gold_spotters``, on by default).

The rules, in PRODUCT.md terms:

- `too_fast` — "median seconds per judgment far below the campaign's": at least
  `min_timed` timed judgments and a median under `too_fast_ratio` (0.3) x the median of all
  timed judgments in the campaign. A reader needs time; a third of the typical time is not
  reading both responses.
- `position_bias` — "share of left preferences far from one half": among decisive (non-tie)
  verdicts, the share preferring the response shown on the left differs from ½ by at least
  `position_margin` (0.15) and a two-sided binomial test rejects ½ at `position_p` (0.001).
  Placement is randomised per assignment, so an honest annotator's share is ½ whatever
  the models; the test keeps a handful of votes from tripping it (one in a thousand honest
  annotators at most), the margin keeps a slight lean of a prolific one from tripping it.
- `straight_lining` — "one verdict nearly always": at least `min_straight` judgments and
  one canonical verdict (e.g. always "Tie") in at least `straight_share` (0.9) of them.
  (Always pressing the left-hand button shows up as position bias instead.)
- `untrusted` — not trusted: fewer than `min_gold_seen` gold judgments (and at least one) or a
  posterior mean accuracy below `min_gold_accuracy` (see `scoring.numerics.annotators`).
  Never raised in a campaign without gold: nobody there can be vetted.
- `at_chance` — "regular answers no better than chance": with at least `spotter_min_shared`
  regular judgments compared with a consensus of trusted others (the leave-one-out
  consensus of `scoring.numerics.agreement`, trusted voters only), the upper end of the
  agreement's 95% interval (Beta(1 + agreeing, 1 + disagreeing), 97.5% quantile) lies below
  the annotator's chance agreement (`chance_agreement`: what answers independent of the
  items, with their habits, would reach; Cohen's expected agreement) plus
  `chance_signal_share` (0.8) of the way from there to the trusted crowd's typical
  agreement (`typical_agreement`, a median). The mirror of `vouched`: whatever gold says,
  votes that cannot be shown to follow the items do not count. Gold alone trusts a few
  coins in a hundred (a posterior mean of 0.70 or more on 12 to 30 gold items by luck:
  always-left, random clicking); their regular answers are independent of the items, so
  the upper bound of some 150 compared judgments sits about two fifths of the way. An
  honest annotator reaches about the crowd's typical agreement, and the upper bound adds
  about two standard errors to their own (there, some two fifths of the way), so one is
  flagged only when their agreement stays under about two fifths of the crowd's signal (rare
  above accuracy 0.75, commoner among the weakest honest annotators, whose votes carry
  little). The catch, as for `gold_spotter`: the more judgments, the tighter the bound, so
  with many hundreds per annotator it nears four fifths of the way and leaves out more of
  the weakest honest annotators.
- `gold_spotter` — "answers the control items well and the rest carelessly": with at
  least `spotter_min_gold` gold judged and `spotter_min_shared` regular judgments compared as
  for `at_chance`, the upper end of the agreement's 95% interval lies both
  (a) below the lower end of the gold accuracy's (Beta(1 + correct, 1 + wrong), 2.5%
  quantile) minus `spotter_margin` (0.15), and
  (b) below the annotator's chance agreement plus `spotter_signal_share` (1.0) of the way
  to the trusted crowd's typical agreement, i.e. below the typical agreement itself.
  (a) is PRODUCT.md's rule. Agreement with a consensus of one to three others runs below
  accuracy against the truth even for an honest annotator (the others err too), and far
  below it when the regular comparisons are hard (close contenders: honest people disagree
  on them, while gold is clear-cut): (a) alone then flags every honest annotator (it did on
  bench/score_campaign.py's crowd). (b) keeps the crowd's typical agreement out of reach of
  the rule: an annotator agreeing as well as the crowd is never a spotter. Most spotters
  are also `at_chance`; this flag catches the lucky ones, whose agreement by chance runs
  above four fifths of the way while their gold accuracy, far above it, says they could do
  better. (Both rules are measured from the annotator's own chance level, so a crowd whose
  regular items all have one answer still shows a spotter who always picks the other.) The
  catch: with many regular judgments the bounds are tight, and an honest annotator whose
  agreement stays well under the crowd's typical one while their gold accuracy is far above
  it is flagged too; the campaign decides whether flagged annotators' votes count
  (``exclude_gold_spotters``, for both flags).
- `vouched` — not a warning: the regular answers vouch for an annotator gold leaves
  untrusted, so their votes count (scoring.numerics.annotators). Raised when gold cannot
  show them below the threshold — the upper end of the gold accuracy's 95% interval
  (97.5% quantile) is at least `min_gold_accuracy` — and the lower end of their agreement's
  interval lies at or above their chance agreement plus `vouch_signal_share` (0.25) of the
  way to the crowd's typical agreement, with `spotter_min_shared` judgments compared. About 20 gold
  answers cannot tell 0.75 from 0.65 (a true 0.75 falls under a 0.70 mean one time in
  five), while some 150 regular answers compared with the trusted consensus tell an
  annotator who follows the items from one who does not; random clicking and always-left
  sit at chance, so their lower bound stays below the bar.
bench/cheaters.py measures these rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import beta, binom

from scoring.numerics.seconds_windows import medians
from scoring.numerics.tallies import AnnotatorTallies, sorted_group_medians

TOO_FAST = "too_fast"
POSITION_BIAS = "position_bias"
STRAIGHT_LINING = "straight_lining"
UNTRUSTED = "untrusted"
GOLD_SPOTTER = "gold_spotter"
VOUCHED = "vouched"
AT_CHANCE = "at_chance"


@dataclass(frozen=True)
class FlagSettings:
    """Thresholds of the flag rules; the defaults are the documented campaign rules."""

    too_fast_ratio: float = 0.3
    min_timed: int = 10
    position_margin: float = 0.15
    position_p: float = 0.001
    straight_share: float = 0.9
    min_straight: int = 20
    spotter_margin: float = 0.15
    spotter_min_gold: int = 5
    spotter_min_shared: int = 30
    spotter_signal_share: float = 1.0
    vouch_signal_share: float = 0.25
    chance_signal_share: float = 0.8


@dataclass(frozen=True)
class Behaviour:
    """Per annotator (index = annotator) behaviour figures and the flags they raise."""

    median_seconds: list[float | None]
    left_share: list[float | None]
    top_verdict_share: list[float]
    flags: list[tuple[str, ...]]


def group_medians(
    group: NDArray[np.intp], value: NDArray[np.float64], n_groups: int
) -> NDArray[np.float64]:
    """Median of `value` per group in one sort (NaN values dropped; NaN for empty groups)."""
    keep = ~np.isnan(value)
    group, value = group[keep], value[keep]
    order = np.lexsort((value, group))
    return sorted_group_medians(value[order], np.bincount(group, minlength=n_groups))


def typical_agreement(
    agreement: NDArray[np.float64],
    compared: NDArray[np.int64],
    reference: NDArray[np.bool_],
    settings: FlagSettings | None = None,
) -> float | None:
    """The trusted crowd's typical agreement: the median over ``reference`` annotators with at
    least ``spotter_min_shared`` judgments compared; None without any (none of the rules below
    can fire then)."""
    settings = settings or FlagSettings()
    pool = np.asarray(reference, dtype=bool) & (np.asarray(compared) >= settings.spotter_min_shared)
    return float(np.median(np.asarray(agreement)[pool])) if pool.any() else None


def agreement_bounds(
    agreeing: NDArray[np.int64], compared: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """2.5% and 97.5% quantiles of Beta(1 + agreeing, 1 + compared - agreeing)."""
    agreeing, compared = np.asarray(agreeing, dtype=float), np.asarray(compared, dtype=float)
    lower = beta.ppf(0.025, 1.0 + agreeing, 1.0 + compared - agreeing)
    upper = beta.ppf(0.975, 1.0 + agreeing, 1.0 + compared - agreeing)
    return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)


def short_of_the_crowd(
    agreeing: NDArray[np.int64],
    compared: NDArray[np.int64],
    chance: NDArray[np.float64],
    typical: float | None,
    share: float,
    settings: FlagSettings | None = None,
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Whether, over at least ``spotter_min_shared`` judgments compared, the agreement's upper
    bound lies below ``chance`` plus ``share`` of the way to ``typical`` (never without a
    typical agreement), and that upper bound."""
    settings = settings or FlagSettings()
    _lower, agreement_upper = agreement_bounds(agreeing, compared)
    if typical is None:
        return np.zeros(np.shape(compared), dtype=bool), agreement_upper
    chance = np.asarray(chance, dtype=float)
    short = (np.asarray(compared) >= settings.spotter_min_shared) & (
        agreement_upper < chance + share * (typical - chance)
    )
    return short, agreement_upper


def gold_spotters(
    gold_lower: NDArray[np.float64],
    gold_seen: NDArray[np.int64],
    agreeing: NDArray[np.int64],
    compared: NDArray[np.int64],
    chance: NDArray[np.float64],
    typical: float | None,
    settings: FlagSettings | None = None,
) -> NDArray[np.bool_]:
    """The `gold_spotter` rule of the module docstring, per annotator.

    ``gold_lower`` is the gold accuracy's 2.5% quantile; ``agreeing`` of ``compared`` regular
    judgments agreed with the others' consensus (scoring.numerics.agreement), ``chance`` share
    would by chance alone; ``typical`` is the crowd's `typical_agreement`.
    """
    settings = settings or FlagSettings()
    share = settings.spotter_signal_share
    short, upper = short_of_the_crowd(agreeing, compared, chance, typical, share, settings)
    return (
        short
        & (np.asarray(gold_seen) >= settings.spotter_min_gold)
        & (upper < np.asarray(gold_lower) - settings.spotter_margin)
    )


def at_chance(
    agreeing: NDArray[np.int64],
    compared: NDArray[np.int64],
    chance: NDArray[np.float64],
    typical: float | None,
    settings: FlagSettings | None = None,
) -> NDArray[np.bool_]:
    """The `at_chance` rule of the module docstring, per annotator (arguments as in
    `gold_spotters`): whether even the agreement's upper bound falls short of the bar."""
    settings = settings or FlagSettings()
    share = settings.chance_signal_share
    short, _upper = short_of_the_crowd(agreeing, compared, chance, typical, share, settings)
    # A crowd agreeing at chance has no item-by-item signal to fall short of.
    return short & (typical is not None and typical > np.asarray(chance, dtype=float))


def vouched_by_agreement(
    gold_upper: NDArray[np.float64],
    agreeing: NDArray[np.int64],
    compared: NDArray[np.int64],
    chance: NDArray[np.float64],
    typical: float | None,
    min_gold_accuracy: float,
    settings: FlagSettings | None = None,
) -> NDArray[np.bool_]:
    """The `vouched` rule of the module docstring, per annotator (``gold_upper``: the gold
    accuracy's 97.5% quantile; the rest as in `gold_spotters`)."""
    settings = settings or FlagSettings()
    if typical is None:
        return np.zeros(np.shape(compared), dtype=bool)
    chance = np.asarray(chance, dtype=float)
    agreement_lower, _upper = agreement_bounds(agreeing, compared)
    return (
        (np.asarray(compared) >= settings.spotter_min_shared)
        & (np.asarray(gold_upper) >= min_gold_accuracy)
        & (typical > chance)  # no item-by-item signal in the crowd: nothing to vouch with
        & (agreement_lower >= chance + settings.vouch_signal_share * (typical - chance))
    )


def flag_behaviour(
    tallies: AnnotatorTallies,
    rated_flags: dict[str, NDArray[np.bool_]],
    settings: FlagSettings | None = None,
) -> Behaviour:
    """Apply the module's rules to every annotator's tallied judgments (gold included: it is
    behaviour; scoring.numerics.tallies).

    ``rated_flags`` are the flags decided from gold and agreement (`untrusted`, `vouched`,
    `gold_spotter`, `at_chance`), a mask each, listed after the behaviour flags.
    """
    settings = settings or FlagSettings()
    t = tallies
    median = medians(t.seconds, t.timed)
    # The median of all the campaign's timed seconds (NaN without any), as np.median gives it.
    campaign_median = medians(t.campaign_seconds, t.campaign_timed)[0]
    too_fast = (t.timed >= settings.min_timed) & (
        median < settings.too_fast_ratio * campaign_median
    )

    left_share = t.left / np.maximum(t.decisive, 1)
    tail = np.minimum(binom.cdf(t.left, t.decisive, 0.5), binom.sf(t.left - 1, t.decisive, 0.5))
    p_value = np.minimum(1.0, 2.0 * tail)
    position_bias = (
        (t.decisive > 0)
        & (np.abs(left_share - 0.5) >= settings.position_margin)
        & (p_value < settings.position_p)
    )

    top_share = t.verdicts.max(axis=1, initial=0) / np.maximum(t.judgments, 1)
    straight = (t.judgments >= settings.min_straight) & (top_share >= settings.straight_share)

    rules = (
        (TOO_FAST, too_fast),
        (POSITION_BIAS, position_bias),
        (STRAIGHT_LINING, straight),
        *rated_flags.items(),
    )
    flags = [tuple(name for name, hit in rules if hit[k]) for k in range(t.size)]
    return Behaviour(
        median_seconds=[None if np.isnan(m) else float(m) for m in median],
        left_share=[float(s) if d else None for s, d in zip(left_share, t.decisive, strict=True)],
        top_verdict_share=[float(s) for s in top_share],
        flags=flags,
    )
