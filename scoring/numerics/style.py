"""Style-controlled ratings: Bradley-Terry with the responses' style as covariates.

Chatbot Arena's style control (Li, Angelopoulos, Chiang, 2024: "Does style matter?"): each
vote's covariates are the normalised differences of the two responses' style counts,
(a - b) / (a + b + 2) (Arena's add-one: two empty responses differ by 0, a 0-vs-4 count by
0.67), each scaled to unit standard deviation over the votes, and the contender strengths
are fitted jointly with one coefficient per covariate (scoring.numerics.contextual). The
strengths are then each contender's rating with style held equal; the coefficients say how
many Elo points one standard deviation of each difference is worth to the voters.

The counts (``style_counts``), per response:

- ``length``: characters (Arena counts tokens; characters need no tokenizer and a ratio of
  lengths barely depends on the unit);
- ``headers``: Markdown header lines (``#`` to ``######`` then a space);
- ``lists``: list items (``-``, ``*``, ``+`` or ``1.`` at the start of a line, after
  optional indentation);
- ``bold``: ``**bold**`` and ``__bold__`` spans.

Markdown inside fenced code blocks is not counted (Arena removes code blocks first); the
code still counts towards the length. The centred differences are not re-centred (Arena
subtracts their mean): which response is ``a`` is arbitrary, so their mean is noise, and
centring would turn it into a preference for ``a``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scoring.numerics.contextual import ContextualRows, bootstrap_contextual
from scoring.numerics.ratings import (
    BASE_RATING,
    ELO_PER_NAT,
    RatingIntervals,
    board_interval,
    to_elo,
)
from scoring.numerics.votes import unique_inverse

STYLE_FEATURES = ("length", "headers", "lists", "bold")
STYLE_LABELS = {
    "length": "Length (characters)",
    "headers": "Markdown headers",
    "lists": "Markdown list items",
    "bold": "Markdown bold",
}

# Texts are joined, each after "\x00\n" (NUL never occurs in a response's text), so a line
# start is always a newline; patterns that start with a literal character let the engine skip
# ahead to candidates instead of trying every position.
_SEPARATOR = "\x00\n"
_HEADER = re.compile(r"\n#{1,6}[ \t]")
_LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*+]|\d{1,9}\.)[ \t]")
_BOLD = re.compile(r"\*\*[^*\n]+?\*\*|__[^_\n]+?__")
_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


@dataclass(frozen=True)
class StyleCoefficient:
    """Elo points for one standard deviation of a covariate (positive: voters like more)."""

    name: str
    elo: float
    ci_lower: float
    ci_upper: float
    sd: float  # the covariate's standard deviation over the votes (of the normalised difference)


@dataclass(frozen=True)
class StyleRatings:
    intervals: RatingIntervals
    coefficients: list[StyleCoefficient]


def style_counts(texts: Sequence[str]) -> NDArray[np.float64]:
    """(len(texts), 4) counts in STYLE_FEATURES order (see the module docstring).

    All texts are joined once and each pattern runs over the whole, so the cost per text is
    a few C-level comparisons rather than a Python call per pattern and text.
    """
    counts = np.zeros((len(texts), len(STYLE_FEATURES)))
    if not texts:
        return counts
    counts[:, 0] = [len(text) for text in texts]
    prose = [_CODE_BLOCK.sub("", text) if "```" in text else text for text in texts]
    lengths = np.fromiter((len(text) for text in prose), np.int64, len(prose))
    separators = np.concatenate([[0], np.cumsum(lengths + len(_SEPARATOR))[:-1]])
    joined = _SEPARATOR + _SEPARATOR.join(prose)
    for column, pattern in enumerate((_HEADER, _LIST_ITEM, _BOLD), start=1):
        places = np.fromiter((match.start() for match in pattern.finditer(joined)), np.int64)
        owner = np.searchsorted(separators, places, side="right") - 1
        counts[:, column] = np.bincount(owner, minlength=len(texts))
    return counts


def style_differences(
    counts_a: NDArray[np.float64], counts_b: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Normalised differences (a - b) / (a + b + 2), per row and feature."""
    return (counts_a - counts_b) / (counts_a + counts_b + 2.0)


def style_controlled(
    a: NDArray[np.intp],
    b: NDArray[np.intp],
    score: NDArray[np.float64],
    differences: NDArray[np.float64],
    group: NDArray[np.int64],
    *,
    n_contenders: int,
    rounds: int,
    seed: int,
    start: NDArray[np.float64] | None = None,
) -> StyleRatings:
    """Style-controlled Elo ratings with 95% intervals, and the coefficients.

    One entry per counted vote: contenders ``a`` and ``b``, a's score (1, 0.5 for a tie,
    0), the style ``differences`` of a's response minus b's, and the ``group`` it belongs to
    (its comparison: votes of one group share contenders and texts, so they are fitted as
    one row and resampled together). ``start``: Elo ratings to start the fit from (the
    default board's, which style control usually moves by tens of points only).
    """
    keys, inverse = unique_inverse(group)
    games = np.bincount(inverse, minlength=keys.size).astype(np.float64)
    # Any vote of a group stands for it: they share contenders and texts.
    some = np.empty(keys.size, dtype=np.intp)
    some[inverse] = np.arange(group.size)
    return style_controlled_groups(
        a[some],
        b[some],
        games,
        np.bincount(inverse, score, minlength=keys.size).astype(np.float64),
        differences[some],
        n_contenders=n_contenders,
        rounds=rounds,
        seed=seed,
        start=start,
    )


def style_controlled_groups(
    a: NDArray[np.intp],
    b: NDArray[np.intp],
    games: NDArray[np.float64],
    score: NDArray[np.float64],
    differences: NDArray[np.float64],
    *,
    n_contenders: int,
    rounds: int,
    seed: int,
    start: NDArray[np.float64] | None = None,
) -> StyleRatings:
    """`style_controlled` over votes already grouped: row k is ``games[k]`` votes of ``a[k]``
    against ``b[k]`` on one comparison (style ``differences[k]``), a scoring ``score[k]`` of
    them (ties half). Rows without votes are left out."""
    voted = games > 0
    a, b = a[voted], b[voted]
    games, score = games[voted], score[voted]
    differences = differences[voted].reshape(-1, len(STYLE_FEATURES))
    # The covariates' spread over the votes (each row weighs its games).
    if games.size:
        mean = games @ differences / games.sum()
        scale = np.sqrt(games @ (differences - mean) ** 2 / games.sum())
    else:
        scale = np.ones(differences.shape[1])
    # A constant covariate (std 0 up to rounding) keeps scale 1: its coefficient stays ~0.
    scale = np.where(scale > 1e-9, scale, 1.0)
    rows = ContextualRows(
        a=a.astype(np.intp),
        b=b.astype(np.intp),
        features=differences / scale,
        games=games,
        score=score,
        n_contenders=n_contenders,
    )
    warm = None if start is None else (np.asarray(start, dtype=float) - BASE_RATING) / ELO_PER_NAT
    samples = bootstrap_contextual(rows, rounds=rounds, seed=seed, start=warm)
    fit = samples.fit
    # Strengths are over every contender; the board's scale is over those with votes.
    rating = to_elo(fit.strength[fit.voted], fit.voted, n_contenders, None, BASE_RATING)
    draws = to_elo(samples.strength[:, fit.voted], fit.voted, n_contenders, None, BASE_RATING)
    lower, upper = np.percentile(draws, [2.5, 97.5], axis=0)
    lower, upper = board_interval(rating, lower, upper, fit.voted)
    coefficient_draws = samples.coefficients * ELO_PER_NAT
    low, high = np.percentile(coefficient_draws, [2.5, 97.5], axis=0)
    coefficients = [
        StyleCoefficient(
            name=name,
            elo=float(fit.coefficients[t] * ELO_PER_NAT),
            ci_lower=float(min(low[t], fit.coefficients[t] * ELO_PER_NAT)),
            ci_upper=float(max(high[t], fit.coefficients[t] * ELO_PER_NAT)),
            sd=float(scale[t]),
        )
        for t, name in enumerate(STYLE_FEATURES)
    ]
    return StyleRatings(RatingIntervals(rating, lower, upper, rounds, seed), coefficients)
