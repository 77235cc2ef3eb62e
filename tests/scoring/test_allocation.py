"""Adaptive allocation's scoring side (scoring.allocation): the pair_priorities analysis each
run stores, the buckets the job writes onto comparisons, the stopping advice, and where the
organiser and the public see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaign.models import Comparison
from campaign.services import update_campaign_settings
from scoring.allocation import NAME, stopping_advice, write_priorities
from scoring.jobs import JobStatus, run_scoring_job
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, logged_in, make_organiser

pytestmark = pytest.mark.django_db

ROUNDS = 50


def contest(allocation: str) -> CampaignBuilder:
    """Three contenders, four comparisons per pair, no gold (every vote counts); alpha leads
    beta and gamma by 3-1, beta leads gamma by 3-1: nothing is separated yet."""
    build = CampaignBuilder(
        ("alpha", "beta", "gamma"),
        allocation=allocation,
        qualification_gold=0,
        gold_rate=0.0,
        judgments_per_comparison=2,
    )
    annotator = build.annotator()
    for a, b, a_wins in (("alpha", "beta", 3), ("beta", "gamma", 3), ("alpha", "gamma", 3)):
        for k in range(4):
            comparison = build.comparison(a, b)
            build.judge(annotator, comparison, -1 if k < a_wins else 1)
    return build


def pair_of(comparison: Comparison) -> tuple[str, str]:
    names = (comparison.response_a.contender.name, comparison.response_b.contender.name)
    return (min(names), max(names))


def test_each_run_stores_pair_priorities_with_votes_room_and_advice():
    build = contest("adaptive")

    analysis = compute_snapshot(build.campaign, rounds=ROUNDS).analysis[NAME]

    assert analysis["allocation"] == "adaptive"
    assert (analysis["cap"], analysis["floor"]) == (2, 1)
    pairs = {(pair["a"], pair["b"]): pair for pair in analysis["pairs"]}
    assert set(pairs) == {("alpha", "beta"), ("beta", "gamma"), ("alpha", "gamma")}
    assert {pair["votes"] for pair in pairs.values()} == {4}
    # Four comparisons of each pair, each judged once, under a cap of two: four places left.
    assert {(pair["comparisons"], pair["room"]) for pair in pairs.values()} == {(4, 4)}
    assert all(pair["bucket"] > 0 and not pair["separated"] for pair in pairs.values())
    assert analysis["advice"]["state"] == "collecting"
    assert analysis["advice"]["message"].startswith("2 of 2 pairs of neighbours still overlap")


def test_the_job_writes_each_pairs_bucket_onto_its_regular_comparisons_under_adaptive():
    build = contest("adaptive")
    snapshot = compute_snapshot(build.campaign, rounds=ROUNDS)
    buckets = {(p["a"], p["b"]): p["bucket"] for p in snapshot.analysis[NAME]["pairs"]}

    written = write_priorities(snapshot)

    comparisons = Comparison.objects.filter(campaign=build.campaign).select_related(
        "response_a__contender", "response_b__contender"
    )
    assert written == 12
    assert {c.pk: c.priority for c in comparisons} == {
        c.pk: buckets[pair_of(c)] for c in comparisons
    }
    assert write_priorities(snapshot) == 0  # nothing changed since


def test_a_full_comparison_keeps_priority_zero_whatever_its_pair():
    build = contest("adaptive")
    full = Comparison.objects.filter(campaign=build.campaign).order_by("pk").first()
    Comparison.objects.filter(pk=full.pk).update(load=2)

    write_priorities(compute_snapshot(build.campaign, rounds=ROUNDS))

    full.refresh_from_db()
    assert full.priority == 0
    assert Comparison.objects.filter(campaign=build.campaign, priority__gt=0).count() == 11


def test_uniform_campaigns_get_the_analysis_but_no_priorities():
    build = contest("uniform")
    snapshot = compute_snapshot(build.campaign, rounds=ROUNDS)

    assert write_priorities(snapshot) == 0

    assert snapshot.analysis[NAME]["allocation"] == "uniform"
    assert not Comparison.objects.filter(campaign=build.campaign, priority__gt=0).exists()


@pytest.mark.usefixtures("scoring_redis")
def test_the_scoring_job_writes_priorities_after_storing_its_snapshot():
    build = contest("adaptive")

    outcome = run_scoring_job(build.campaign.pk, rounds=ROUNDS)

    assert outcome.status == JobStatus.STORED
    assert Comparison.objects.filter(campaign=build.campaign, priority__gt=0).count() == 12


@pytest.mark.usefixtures("scoring_redis")
def test_a_campaign_switched_to_adaptive_gets_priorities_from_the_next_run_without_new_votes():
    build = contest("uniform")
    assert run_scoring_job(build.campaign.pk, rounds=ROUNDS).status == JobStatus.STORED
    update_campaign_settings(campaign=build.campaign, changes={"allocation": "adaptive"})

    outcome = run_scoring_job(build.campaign.pk, rounds=ROUNDS)

    assert outcome.status == JobStatus.UNCHANGED
    assert Comparison.objects.filter(campaign=build.campaign, priority__gt=0).count() == 12


def neighbours(a, b, *, separated, room=5):
    return {"a": a, "b": b, "neighbours": True, "separated": separated, "room": room}


def test_the_ranking_is_settled_when_every_pair_of_neighbours_is_separated():
    advice = stopping_advice(
        [neighbours("a", "b", separated=True), neighbours("b", "c", separated=True)]
    )

    assert advice["state"] == "settled"
    assert advice["message"].startswith("Ranking settled: every pair of neighbours is separated")


def test_no_more_is_separable_when_the_overlapping_neighbours_have_no_room_left():
    advice = stopping_advice(
        [neighbours("a", "b", separated=True), neighbours("b", "c", separated=False, room=0)]
    )

    assert advice["state"] == "capped"
    assert advice["message"].startswith("No more separable within the cap")


def test_collecting_goes_on_while_an_overlapping_pair_of_neighbours_has_room():
    advice = stopping_advice(
        [
            neighbours("a", "b", separated=False, room=0),
            neighbours("b", "c", separated=False, room=1),
            {"a": "a", "b": "c", "neighbours": False, "separated": False, "room": 9},
        ]
    )

    assert (advice["state"], advice["open_neighbours"]) == ("collecting", 2)
    assert advice["message"].startswith("2 of 2 pairs of neighbours still overlap")


def test_the_dashboard_shows_the_allocation_the_advice_and_the_current_priorities():
    build = contest("adaptive")
    write_priorities(compute_snapshot(build.campaign, rounds=ROUNDS))
    url = reverse("scoring:dashboard", args=[build.campaign.slug])

    page = logged_in(make_organiser()).get(url).content.decode()

    assert 'data-allocation="adaptive"' in page
    assert 'data-advice="collecting"' in page and "2 of 2 pairs of neighbours" in page
    assert "Current priorities" in page
    assert 'alpha<br><span class="muted">vs</span> beta' in page


@pytest.mark.parametrize("allocation", ["uniform", "adaptive"])
def test_the_leaderboard_discloses_the_allocation_and_the_votes_per_pair(allocation):
    build = contest(allocation)
    compute_snapshot(build.campaign, rounds=ROUNDS)
    slug = build.campaign.slug

    page = logged_in(make_organiser()).get(reverse("scoring:leaderboard", args=[slug]))
    document = logged_in(make_organiser()).get(reverse("scoring:leaderboard_json", args=[slug]))

    assert f'data-allocation="{allocation}"' in page.content.decode()
    assert "over 4 votes" in page.content.decode()  # the heatmap's cells say how many
    assert document.json()["allocation"] == allocation
    assert sorted((row["a"], row["b"], row["votes"]) for row in document.json()["pair_votes"]) == [
        ("alpha", "beta", 4),
        ("alpha", "gamma", 4),
        ("beta", "gamma", 4),
    ]
