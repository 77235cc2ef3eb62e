"""The extras computed from the vote cells (scoring.numerics.vote_cells) say what the same
numerics say over the judgments one by one, as the extras computed them before they folded.

Exact for every extra but the style view, whose covariates' spread is now weighed per
comparison instead of summed per vote (the same number up to rounding).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from campaign.models import Comparison, Prompt
from scoring.campaign_data import regular_comparisons
from scoring.controlled.categories import CATEGORY_ROUNDS
from scoring.extras import ScoringRun
from scoring.judgment_reads import judgment_columns
from scoring.numerics.annotators import Judgments
from scoring.numerics.bias import position_bias
from scoring.numerics.crowd_bt import rate_crowd_bt
from scoring.numerics.crowd_votes import crowd_votes_of
from scoring.numerics.flags import GOLD_SPOTTER
from scoring.numerics.ratings import rate_contenders
from scoring.numerics.robustness import leave_one_annotator_out
from scoring.numerics.style import style_controlled, style_counts, style_differences
from scoring.numerics.votes import Votes, count_votes, outcome_from_verdict, unique_inverse
from scoring.snapshots import SEED, compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db

ROUNDS = 20
CONTENDERS = ("alpha", "beta", "gamma", "delta")
TEXTS = ("## Plan\n- one\n- two\n**Bold** " + "word " * 40, "Short answer.", "A **b** c " * 9)


def judged_campaign() -> CampaignBuilder:
    """Four contenders, two categories, texts of three styles, both sides shown, ties, gold
    answered right, wrong and with a tie; two careless annotators whose votes do not count."""
    build = CampaignBuilder(CONTENDERS, min_gold_seen=2, min_gold_accuracy=0.6)
    rng = np.random.default_rng(7)
    regular = []
    for k in range(24):
        a, b = rng.choice(len(CONTENDERS), 2, replace=False)
        texts = (TEXTS[k % 3], TEXTS[(k + 1) % 3])
        comparison = build.comparison(CONTENDERS[a], CONTENDERS[b], texts=texts)
        category = ("coding", "math")[k % 2]
        Prompt.objects.filter(pk=comparison.prompt_id).update(category=category)
        regular.append(comparison)
    gold = [
        build.comparison(CONTENDERS[0], CONTENDERS[3], gold="a"),
        build.comparison(CONTENDERS[1], CONTENDERS[2], gold="b"),
    ]
    for person_index in range(7):
        person = build.annotator()
        careless = person_index >= 5
        for item, answer in ((gold[0], -1), (gold[1], 1)):
            verdict = -answer if careless else answer
            build.judge(person, item, 0 if person_index == 4 and answer > 0 else verdict)
        for comparison in rng.choice(regular, 14, replace=False):
            verdict = int(rng.integers(-2, 3))
            build.judge(person, comparison, verdict, left="ab"[int(rng.integers(2))])
    return build


def one_by_one(build: CampaignBuilder, snapshot: Any) -> dict[str, Any]:
    """The extras' numbers from every judgment's columns, as the run computed them before."""
    campaign = build.campaign
    contenders = list(campaign.contenders.order_by("name").values_list("pk", "name"))
    names = [name for _pk, name in contenders]
    columns = judgment_columns(campaign)
    comparisons = regular_comparisons(campaign, [pk for pk, _name in contenders])
    annotator_ids, annotator = unique_inverse(columns.annotator_id)
    rows = {row["user_id"]: row for row in snapshot.annotators}
    votes_count = np.array([rows[int(pk)]["votes_count"] for pk in annotator_ids])
    spotters = np.array([GOLD_SPOTTER in rows[int(pk)]["flags"] for pk in annotator_ids])
    regular = columns.gold == 0
    place = np.where(regular, np.searchsorted(comparisons.ids, columns.comparison_id), -1)
    contender_a = np.where(regular, comparisons.a[place], -1)
    contender_b = np.where(regular, comparisons.b[place], -1)
    counted = regular & votes_count[annotator]
    a, b = contender_a[counted], contender_b[counted]
    verdict = columns.verdict[counted]
    outcome = outcome_from_verdict(verdict)
    score = (1.0 - np.sign(verdict)) / 2.0
    n = len(names)

    bias = position_bias(a, b, score, columns.a_on_left[counted], n_contenders=n)
    loo = leave_one_annotator_out(annotator[counted], a, b, outcome, n_contenders=n)
    judgments = Judgments(
        annotator,
        columns.comparison_id,
        columns.verdict,
        columns.a_on_left,
        columns.seconds,
        columns.gold,
        annotator_ids.size,
    )
    crowd = crowd_votes_of(judgments, contender_a, contender_b, n, ignore_gold=spotters)
    crowd_rows, reliability = rate_crowd_bt(names, crowd, rounds=ROUNDS, seed=SEED)
    boards = {}
    for code, category in enumerate(comparisons.categories):
        if not category:  # the gold items' prompts: no board
            continue
        inside = comparisons.category[place[counted]] == code
        voted = np.union1d(a[inside], b[inside])
        local = Votes(
            np.searchsorted(voted, a[inside]),
            np.searchsorted(voted, b[inside]),
            outcome[inside],
            voted.size,
        )
        rated = rate_contenders(
            [names[k] for k in voted.tolist()],
            count_votes(local),
            rounds=min(ROUNDS, CATEGORY_ROUNDS),
            seed=SEED,
        )
        boards[category] = [dataclasses.asdict(row) for row in rated]
    judged = np.bincount(place[regular], minlength=comparisons.ids.size)
    texts = Comparison.objects.filter(pk__in=comparisons.ids.tolist()).order_by("pk")
    texts = texts.values_list("response_a__text", "response_b__text")
    counts_a, counts_b = (style_counts(list(side)) for side in zip(*texts, strict=True))
    styled = style_controlled(
        a,
        b,
        score,
        style_differences(counts_a[place[counted]], counts_b[place[counted]]),
        columns.comparison_id[counted],
        n_contenders=n,
        rounds=ROUNDS,
        seed=SEED,
        start=np.array([row["rating"] for row in sorted(snapshot.contenders, key=by_name)]),
    )
    return {
        "bias": bias,
        "loo": loo,
        "crowd": [dataclasses.asdict(row) for row in crowd_rows],
        "reliability": dict(zip(annotator_ids.tolist(), reliability.tolist(), strict=True)),
        "boards": boards,
        "style": styled,
        "coverage": [
            [comparisons.categories[code], int(k), int(count)]
            for (code, k), count in sorted(
                Counter(zip(comparisons.category.tolist(), judged.tolist(), strict=True)).items()
            )
        ],
    }


def by_name(row: dict[str, Any]) -> str:
    return str(row["name"])


def test_the_extras_from_the_cells_equal_the_extras_from_every_judgment():
    build = judged_campaign()
    snapshot = compute_snapshot(build.campaign, rounds=ROUNDS)
    assert snapshot is not None
    assert 0 < snapshot.rated_judgments < snapshot.judgments - 14  # some votes do not count
    expected = one_by_one(build, snapshot)

    bias = expected["bias"]
    assert snapshot.analysis["position_bias"] == {
        **dataclasses.asdict(bias),
        "measurable": bias.measurable,
    }
    loo = snapshot.analysis["robustness"]["leave_one_out"]
    assert (loo["annotators"], loo["refitted"]) == (
        expected["loo"].annotators,
        expected["loo"].refitted,
    )
    assert loo["refitted"] >= 3
    assert loo["largest_place_change"] == expected["loo"].largest_place_change
    assert [row["votes"] for row in loo["influential"]] == [
        row.votes for row in expected["loo"].influential
    ]
    assert [row["largest_rating_change"] for row in loo["influential"]] == [
        row.largest_rating_change for row in expected["loo"].influential
    ]
    crowd = snapshot.views["crowd_bt"]
    assert crowd["contenders"] == expected["crowd"]
    assert crowd["reliability"] == {
        str(user): round(eta, 4) for user, eta in expected["reliability"].items()
    }
    boards = {board["key"]: board["contenders"] for board in snapshot.views["category"]["boards"]}
    assert boards == expected["boards"]
    assert snapshot.analysis["coverage"]["rows"] == expected["coverage"]
    styled = snapshot.views["style"]
    by_rating = sorted(styled["contenders"], key=by_name)
    assert [row["rating"] for row in by_rating] == pytest.approx(
        expected["style"].intervals.rating.tolist(), abs=1e-6
    )
    assert [row["elo"] for row in styled["coefficients"]] == pytest.approx(
        [coefficient.elo for coefficient in expected["style"].coefficients], abs=1e-6
    )


def test_a_runs_judged_comparisons_are_placed_once_and_a_missing_one_is_refused():
    # Every extra reading votes per comparison shares one search of the judged ids; a judged
    # id that is not among the run's regular comparisons is a bug, not a vote to drop.
    fields = {field.name: None for field in dataclasses.fields(ScoringRun)}
    comparisons = SimpleNamespace(ids=np.array([3, 5, 9]))
    run = ScoringRun(
        **{
            **fields,
            "comparisons": comparisons,
            "cells": SimpleNamespace(comparison_ids=np.array([5, 9])),
        }
    )
    assert run.judged_place.tolist() == [1, 2]
    assert run.judged_place is run.judged_place

    for judged in ([5, 10], [2, 5]):
        missing = dataclasses.replace(run, cells=SimpleNamespace(comparison_ids=np.array(judged)))
        with pytest.raises(RuntimeError, match="missing from the run's regular comparisons"):
            _ = missing.judged_place
