"""rated_pair_counts: the database's own tally of the votes the ratings count (benches and
checks compare it with a run's). Only trusted annotators' regular judgments count; a verdict
below zero is a win for the comparison's a, zero a tie, above zero a win for b."""

from __future__ import annotations

import pytest

from scoring.campaign_data import rated_pair_counts
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def build() -> CampaignBuilder:
    return CampaignBuilder(("alpha", "beta", "gamma"))


def tally(counts, names: list[str]) -> dict[tuple[str, str], tuple[int, int, int]]:
    rows = zip(counts.a, counts.b, counts.a_wins, counts.ties, counts.b_wins, strict=True)
    return {
        (names[a], names[b]): (int(wins), int(ties), int(losses))
        for a, b, wins, ties, losses in rows
    }


def test_only_trusted_regular_votes_count_each_by_the_sign_of_its_verdict(build):
    names = ["alpha", "beta", "gamma"]
    ab, bg = build.comparison("alpha", "beta"), build.comparison("beta", "gamma")
    gold = build.comparison("alpha", "gamma", gold="a")
    first, second, untrusted = build.annotator(), build.annotator(), build.annotator()
    build.judge(first, ab, -2)
    build.judge(second, ab, 0)
    build.judge(first, bg, 1)
    build.judge(second, bg, 2)
    build.judge(untrusted, ab, 2)  # not trusted: not counted
    build.judge(first, gold, -1)  # gold: never a vote

    counts = rated_pair_counts(
        build.campaign, [first.pk, second.pk], [build.contenders[name].pk for name in names]
    )

    assert counts.n_contenders == 3
    assert tally(counts, names) == {("alpha", "beta"): (1, 1, 0), ("beta", "gamma"): (0, 0, 2)}


def test_no_trusted_annotator_or_fewer_than_two_contenders_counts_nothing(build):
    comparison = build.comparison("alpha", "beta")
    annotator = build.annotator()
    build.judge(annotator, comparison, -1)
    ids = [contender.pk for contender in build.contenders.values()]

    nobody = rated_pair_counts(build.campaign, [], ids)
    alone = rated_pair_counts(build.campaign, [annotator.pk], ids[:1])

    assert (nobody.n_contenders, nobody.a.size) == (3, 0)
    assert (alone.n_contenders, alone.a.size) == (1, 0)


def test_trusted_annotators_with_only_gold_judgments_count_nothing(build):
    gold = build.comparison("alpha", "beta", gold="b")
    annotator = build.annotator()
    build.judge(annotator, gold, 1)
    ids = [contender.pk for contender in build.contenders.values()]

    counts = rated_pair_counts(build.campaign, [annotator.pk], ids)

    assert (counts.n_contenders, counts.a.size, counts.a_wins.size) == (3, 0, 0)
