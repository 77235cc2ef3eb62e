"""The ``style`` view: ratings with the responses' length and Markdown held equal.

Stored as ``Snapshot.views["style"]`` = ``{"label", "rated_judgments", "contenders",
"coefficients"}``: contender rows shaped like the default board's (ratings and intervals of
the style-controlled fit, scoring.numerics.style; the vote tallies are the default board's,
online_elo null) and one coefficient per style feature: ``{"name", "elo", "ci_lower",
"ci_upper", "sd"}``, Elo points for one standard deviation of the normalised difference.

Read step: the campaign's regular comparisons with their two responses, and every response's
style counts (scoring.models.ResponseStyle); responses without a row
yet have their text read, once. The compute step counts those texts and stores their rows
(outside the run's read-only transaction), then fits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection
from numpy.typing import NDArray

from campaign.models import Campaign
from scoring.campaign_data import fetch_columns
from scoring.controlled.votes import counted_votes
from scoring.extras import Extra, ScoringRun, register
from scoring.models import ResponseStyle
from scoring.numerics.ratings import contender_rows
from scoring.numerics.style import (
    STYLE_FEATURES,
    STYLE_LABELS,
    style_controlled,
    style_counts,
    style_differences,
)

LABEL = "Style-controlled"
_WRITE_BATCH = 5000


@dataclass(frozen=True)
class StyleFacts:
    comparison: NDArray[np.int64]  # regular comparisons' ids, sorted
    response_a: NDArray[np.int64]
    response_b: NDArray[np.int64]
    response: NDArray[np.int64]  # the campaign's responses' ids, sorted
    counts: NDArray[np.float64]  # (responses, 4); rows of unknown ones filled by compute
    unknown: list[tuple[int, str]]  # (response id, text) of responses without a stored row


def read(campaign: Campaign, _contender_ids: Sequence[int]) -> StyleFacts:
    comparisons = fetch_columns(
        """SELECT CAST(c.id AS BIGINT), CAST(c.response_a_id AS BIGINT),
                  CAST(c.response_b_id AS BIGINT)
           FROM campaign_comparison c WHERE c.campaign_id = %s AND c.gold_side = ''
           ORDER BY c.id""",
        [campaign.pk],
        [("id", "bigint"), ("a", "bigint"), ("b", "bigint")],
    )
    stored = fetch_columns(
        """SELECT CAST(r.id AS BIGINT), CAST(COALESCE(s.length, -1) AS BIGINT),
                  CAST(COALESCE(s.headers, 0) AS BIGINT), CAST(COALESCE(s.lists, 0) AS BIGINT),
                  CAST(COALESCE(s.bold, 0) AS BIGINT)
           FROM campaign_response r JOIN campaign_prompt p ON p.id = r.prompt_id
           LEFT JOIN scoring_responsestyle s ON s.response_id = r.id
           WHERE p.campaign_id = %s ORDER BY r.id""",
        [campaign.pk],
        [("id", "bigint"), *((name, "bigint") for name in STYLE_FEATURES)],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.id, r.text FROM campaign_response r
               JOIN campaign_prompt p ON p.id = r.prompt_id
               LEFT JOIN scoring_responsestyle s ON s.response_id = r.id
               WHERE p.campaign_id = %s AND s.response_id IS NULL ORDER BY r.id""",
            [campaign.pk],
        )
        unknown = [(int(pk), str(text)) for pk, text in cursor.fetchall()]
    return StyleFacts(
        comparison=comparisons["id"],
        response_a=comparisons["a"],
        response_b=comparisons["b"],
        response=stored["id"],
        counts=np.stack([stored[name] for name in STYLE_FEATURES], 1).astype(np.float64),
        unknown=unknown,
    )


def compute(run: ScoringRun, facts: StyleFacts) -> dict[str, Any]:
    counts = _with_unknown_counted(facts)
    votes = counted_votes(run)
    place = np.searchsorted(facts.comparison, votes.comparison)
    response_a = np.searchsorted(facts.response, facts.response_a[place])
    response_b = np.searchsorted(facts.response, facts.response_b[place])
    differences = style_differences(counts[response_a], counts[response_b])
    fitted = style_controlled(
        votes.a,
        votes.b,
        votes.score,
        differences,
        votes.comparison,
        n_contenders=len(run.names),
        rounds=run.rounds,
        seed=run.seed,
    )
    rows = contender_rows(run.names, fitted.intervals, run.counts)
    return {
        "label": LABEL,
        "rated_judgments": votes.size,
        "contenders": [dataclasses.asdict(row) for row in rows],
        "coefficients": [
            {**dataclasses.asdict(coefficient), "label": STYLE_LABELS[coefficient.name]}
            for coefficient in fitted.coefficients
        ],
    }


def _with_unknown_counted(facts: StyleFacts) -> NDArray[np.float64]:
    """The counts with the unknown responses' filled in, and their rows stored."""
    if not facts.unknown:
        return facts.counts
    ids = np.array([pk for pk, _text in facts.unknown], dtype=np.int64)
    fresh = style_counts([text for _pk, text in facts.unknown])
    counts = facts.counts.copy()
    counts[np.searchsorted(facts.response, ids)] = fresh
    ResponseStyle.objects.bulk_create(
        [
            ResponseStyle(response_id=pk, **dict(zip(STYLE_FEATURES, map(int, row), strict=True)))
            for pk, row in zip(ids.tolist(), fresh, strict=True)
        ],
        batch_size=_WRITE_BATCH,
        ignore_conflicts=True,  # a run that raced this one stored the same counts
    )
    return counts


register(Extra(name="style", kind="view", compute=compute, read=read))
