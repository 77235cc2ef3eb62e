"""The ``style`` view: ratings with the responses' length and Markdown held equal.

Stored as ``Snapshot.views["style"]`` = ``{"label", "rated_judgments", "contenders",
"coefficients"}``: contender rows shaped like the default board's (ratings and intervals of
the style-controlled fit, scoring.numerics.style; the vote tallies are the default board's,
online_elo null) and one coefficient per style feature: ``{"name", "elo", "ci_lower",
"ci_upper", "sd"}``, Elo points for one standard deviation of the normalised difference.

Read step: one query for the campaign's regular comparisons with both responses' stored style
counts (scoring.models.ResponseStyle); the responses without a row yet have their text read,
once in the campaign's life. The compute step counts those texts and stores their rows
(outside the run's read-only transaction), then fits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from campaign.models import Campaign, Response
from scoring.campaign_data import fetch_columns
from scoring.controlled.votes import comparison_votes
from scoring.extras import Extra, ScoringRun, register
from scoring.models import ResponseStyle
from scoring.numerics.ratings import contender_rows
from scoring.numerics.style import (
    STYLE_FEATURES,
    STYLE_LABELS,
    style_controlled_groups,
    style_counts,
    style_differences,
)

LABEL = "Style-controlled"
_WRITE_BATCH = 5000
TEXTS_BY_ID = 5000  # more responses without counts than this: read them with a join instead


@dataclass(frozen=True)
class StyleFacts:
    """Regular comparisons (ids sorted), their responses and those responses' counts in
    STYLE_FEATURES order; a response without a stored row yet has length -1 and its text
    in ``unknown``, by id."""

    comparison: NDArray[np.int64]
    response_a: NDArray[np.int64]
    response_b: NDArray[np.int64]
    counts_a: NDArray[np.float64]  # (comparisons, 4)
    counts_b: NDArray[np.float64]
    unknown: dict[int, str]


def read(campaign: Campaign, _contender_ids: Sequence[int]) -> StyleFacts:
    sides = ("a", "b")
    counts = [
        f"CAST(COALESCE(s{side}.{name}, -1) AS BIGINT)" for side in sides for name in STYLE_FEATURES
    ]
    columns = fetch_columns(
        f"""SELECT CAST(c.id AS BIGINT), CAST(c.response_a_id AS BIGINT),
                   CAST(c.response_b_id AS BIGINT), {", ".join(counts)}
            FROM campaign_comparison c
            LEFT JOIN scoring_responsestyle sa ON sa.response_id = c.response_a_id
            LEFT JOIN scoring_responsestyle sb ON sb.response_id = c.response_b_id
            WHERE c.campaign_id = %s AND c.gold_side = '' ORDER BY c.id""",  # noqa: S608
        [campaign.pk],
        [("id", "bigint"), ("a", "bigint"), ("b", "bigint")]
        + [(f"{side}_{name}", "bigint") for side in sides for name in STYLE_FEATURES],
    )
    counts_a, counts_b = (
        np.stack([columns[f"{side}_{name}"] for name in STYLE_FEATURES], 1).astype(np.float64)
        for side in sides
    )
    missing = np.union1d(columns["a"][counts_a[:, 0] < 0], columns["b"][counts_b[:, 0] < 0])
    return StyleFacts(
        columns["id"], columns["a"], columns["b"], counts_a, counts_b, _texts(campaign, missing)
    )


def _texts(campaign: Campaign, missing: NDArray[np.int64]) -> dict[int, str]:
    """The texts of the responses ``missing`` names: by id when they are a few (new
    responses since the last run), else every response of the campaign without a row (the
    first run), in one query either way."""
    if missing.size == 0:
        return {}
    if missing.size <= TEXTS_BY_ID:
        rows = Response.objects.filter(pk__in=missing.tolist()).values_list("pk", "text")
        return {int(pk): str(text) for pk, text in rows}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.id, r.text FROM campaign_response r
               JOIN campaign_prompt p ON p.id = r.prompt_id
               LEFT JOIN scoring_responsestyle s ON s.response_id = r.id
               WHERE p.campaign_id = %s AND s.response_id IS NULL""",
            [campaign.pk],
        )
        return {int(pk): str(text) for pk, text in cursor.fetchall()}


def compute(run: ScoringRun, facts: StyleFacts) -> dict[str, Any]:
    counts_a, counts_b = _with_unknown_counted(facts)
    # The counted votes per comparison (the run's vote cells): one row of the fit each.
    votes = comparison_votes(run)
    # The same comparisons as the run's (same rows, same consistent read): its index holds.
    same = np.array_equal(facts.comparison, run.comparisons.ids)
    ids = run.comparisons.ids[votes.place]
    place = votes.place if same else np.searchsorted(facts.comparison, ids)
    fitted = style_controlled_groups(
        votes.a,
        votes.b,
        votes.votes.astype(np.float64),
        votes.a_points,
        style_differences(counts_a[place], counts_b[place]),
        n_contenders=len(run.names),
        rounds=run.rounds,
        seed=run.seed,
        start=_default_ratings(run),
    )
    rows = contender_rows(run.names, fitted.intervals, run.counts)
    return {
        "label": LABEL,
        "rated_judgments": int(votes.votes.sum()),
        "contenders": [dataclasses.asdict(row) for row in rows],
        "coefficients": [
            {**dataclasses.asdict(coefficient), "label": STYLE_LABELS[coefficient.name]}
            for coefficient in fitted.coefficients
        ],
    }


def _default_ratings(run: ScoringRun) -> NDArray[np.float64]:
    """The default board's ratings in contender order, where the style fit starts."""
    rating = {row.name: row.rating for row in run.ratings}
    return np.array([rating[name] for name in run.names], dtype=np.float64)


def _store_counts(ids: NDArray[np.int64], counts: NDArray[np.float64]) -> None:
    """ResponseStyle rows for ``ids``; rows already there (a run that raced this one stored
    the same counts) are kept. On PostgreSQL through COPY into a temporary table, since a
    campaign's first run may store a row per response, hundreds of thousands."""
    values = np.column_stack([ids, counts]).astype(np.int64).tolist()
    if connection.vendor != "postgresql":
        ResponseStyle.objects.bulk_create(
            [ResponseStyle(*row) for row in values], batch_size=_WRITE_BATCH, ignore_conflicts=True
        )
        return
    fields = "response_id, length, headers, lists, bold"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE new_response_style "
            "(LIKE scoring_responsestyle INCLUDING DEFAULTS)"
        )
        with cursor.cursor.copy(f"COPY new_response_style ({fields}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO scoring_responsestyle ({fields}) SELECT {fields} "  # noqa: S608
            "FROM new_response_style ON CONFLICT (response_id) DO NOTHING"
        )
        # Dropped here, not ON COMMIT: inside an outer transaction (load_demo, tests) the
        # commit may be far away and the next campaign's run would find the table there.
        cursor.execute("DROP TABLE new_response_style")


def _with_unknown_counted(facts: StyleFacts) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Both sides' counts with the unknown responses' filled in, and their rows stored
    (here, after the run's read-only transaction)."""
    if not facts.unknown:
        return facts.counts_a, facts.counts_b
    ids = np.array(sorted(facts.unknown), dtype=np.int64)
    fresh = style_counts([facts.unknown[pk] for pk in ids.tolist()])
    _store_counts(ids, fresh)
    filled = []
    for responses, counts in (
        (facts.response_a, facts.counts_a),
        (facts.response_b, facts.counts_b),
    ):
        counts = counts.copy()
        unknown = counts[:, 0] < 0
        counts[unknown] = fresh[np.searchsorted(ids, responses[unknown])]
        filled.append(counts)
    return filled[0], filled[1]


register(Extra(name="style", kind="view", compute=compute, read=read))
