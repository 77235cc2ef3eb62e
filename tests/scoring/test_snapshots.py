"""compute_snapshot on a small hand-made campaign: who counts, what is stored, when nothing is."""

from __future__ import annotations

import numpy as np
import pytest

from campaign.models import Contender
from scoring.models import Snapshot
from scoring.numerics.ratings import online_elo
from scoring.numerics.votes import A_WINS, B_WINS, TIE, Votes
from scoring.selectors import latest_snapshot
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db

ALPHA, BETA, GAMMA = 0, 1, 2  # contender indices: names sorted


@pytest.fixture
def contest() -> dict:
    """Two trusted annotators, one failing gold, one with too little gold.

    Trusted votes: alpha beats beta four times (once with beta on side a), beta beats gamma
    twice, alpha ties gamma twice. The untrusted ones vote gamma up; gold answers favour gamma
    too, so counting either would show.
    """
    build = CampaignBuilder(min_gold_seen=2, min_gold_accuracy=0.7)
    gold = [
        (build.comparison("alpha", "beta", gold="a"), -1),
        (build.comparison("beta", "gamma", gold="b"), 2),
        (build.comparison("alpha", "gamma", gold="b"), 1),
    ]
    ab = build.comparison("alpha", "beta")
    ba = build.comparison("beta", "alpha")
    bc = build.comparison("beta", "gamma")
    ac = build.comparison("alpha", "gamma")
    good = [build.annotator(), build.annotator()]
    bad, newbie = build.annotator(), build.annotator()
    expected_votes = []
    for person in good:
        for comparison, verdict in gold:
            build.judge(person, comparison, verdict)
        for comparison, verdict, vote in (
            (ab, -1, (ALPHA, BETA, A_WINS)),
            (ba, 2, (BETA, ALPHA, B_WINS)),
            (bc, -1, (BETA, GAMMA, A_WINS)),
            (ac, 0, (ALPHA, GAMMA, TIE)),
        ):
            build.judge(person, comparison, verdict, left="b")
            expected_votes.append(vote)
    for comparison, verdict in gold:
        build.judge(bad, comparison, -verdict)
    for comparison, verdict in ((bc, 2), (ac, 2), (ab, 0)):
        build.judge(bad, comparison, verdict)
    build.judge(newbie, gold[0][0], -1)
    build.judge(newbie, ab, 2)
    return {
        "campaign": build.campaign,
        "build": build,
        "good": good,
        "bad": bad,
        "newbie": newbie,
        "votes": expected_votes,
    }


def rows_by_name(snapshot: Snapshot) -> dict[str, dict]:
    return {row["name"]: row for row in snapshot.contenders}


def test_ratings_count_only_trusted_annotators_non_gold_votes(contest) -> None:
    snapshot = compute_snapshot(contest["campaign"])
    rows = rows_by_name(snapshot)
    assert snapshot.judgments == 22
    assert snapshot.rated_judgments == 8
    assert (rows["alpha"]["votes"], rows["alpha"]["wins"], rows["alpha"]["ties"]) == (6, 4, 2)
    assert (rows["beta"]["wins"], rows["beta"]["losses"]) == (2, 4)
    assert (rows["gamma"]["votes"], rows["gamma"]["wins"], rows["gamma"]["losses"]) == (4, 0, 2)
    assert [row["name"] for row in snapshot.contenders] == ["alpha", "beta", "gamma"]
    assert rows["alpha"]["ci_lower"] <= rows["alpha"]["rating"] <= rows["alpha"]["ci_upper"]


def test_online_elo_replays_the_rated_votes_in_the_order_they_were_cast(contest) -> None:
    snapshot = compute_snapshot(contest["campaign"])
    a, b, outcome = (np.array(column) for column in zip(*contest["votes"], strict=True))
    expected = online_elo(Votes(a, b, outcome, n_contenders=3))
    rows = rows_by_name(snapshot)
    for index, name in enumerate(("alpha", "beta", "gamma")):
        assert rows[name]["online_elo"] == pytest.approx(expected[index])


def test_annotators_and_participants_carry_trust_and_acceptance(contest) -> None:
    snapshot = compute_snapshot(contest["campaign"])
    annotators = {row["user_id"]: row for row in snapshot.annotators}
    good, bad, newbie = contest["good"], contest["bad"], contest["newbie"]
    assert all(annotators[p.pk]["trusted"] and annotators[p.pk]["accepted"] == 4 for p in good)
    assert (annotators[bad.pk]["gold_seen"], annotators[bad.pk]["gold_correct"]) == (3, 0)
    assert "untrusted" in annotators[bad.pk]["flags"] and annotators[bad.pk]["accepted"] == 0
    assert not annotators[newbie.pk]["trusted"]  # 1 gold seen, 2 needed
    assert annotators[good[0].pk]["handle"] == good[0].handle
    participants = snapshot.participants
    assert {row["handle"] for row in participants[:2]} == {p.handle for p in good}
    assert [row["rank"] for row in participants] == [1, 1, 3, 3]
    assert snapshot.stats["trusted_annotators"] == 2 and snapshot.stats["gold_judgments"] == 10
    assert snapshot.stats["annotators"] == 4


def test_matrices_follow_the_leaderboard_order(contest) -> None:
    snapshot = compute_snapshot(contest["campaign"])
    matrices = snapshot.matrices
    assert matrices["names"] == ["alpha", "beta", "gamma"]
    assert matrices["votes"][0][1] == matrices["votes"][1][0] == 4
    assert matrices["win_rate"][0][1] == 1.0 and matrices["win_rate"][2][0] == 0.5


def test_a_run_with_nothing_new_stores_nothing(contest) -> None:
    first = compute_snapshot(contest["campaign"])
    assert compute_snapshot(contest["campaign"]) is None
    assert Snapshot.objects.filter(campaign=contest["campaign"]).count() == 1
    assert latest_snapshot(contest["campaign"]) == first


def test_a_new_judgment_or_a_changed_threshold_gives_a_new_snapshot(contest) -> None:
    campaign, build = contest["campaign"], contest["build"]
    first = compute_snapshot(campaign)
    build.judge(contest["newbie"], build.comparison("alpha", "beta", gold="a"), -1)
    second = compute_snapshot(campaign)
    assert second is not None and second.judgments == first.judgments + 1
    assert second.stats["trusted_annotators"] == 3  # the newbie now has 2 gold right
    campaign.min_gold_accuracy = 0.9
    campaign.save(update_fields=["min_gold_accuracy"])
    third = compute_snapshot(campaign)
    assert third is not None and third.stats["trusted_annotators"] == 0
    assert latest_snapshot(campaign) == third


def test_a_new_contender_gives_a_new_snapshot(contest) -> None:
    campaign = contest["campaign"]
    first = compute_snapshot(campaign)
    Contender.objects.create(campaign=campaign, name="delta")
    second = compute_snapshot(campaign)
    assert second is not None and second.fingerprint != first.fingerprint
    assert second.judgments == first.judgments
    assert "delta" in rows_by_name(second) and "delta" not in rows_by_name(first)
    assert latest_snapshot(campaign) == second


def test_bootstrap_rounds_come_from_the_setting(contest, settings) -> None:
    settings.SCORING_BOOTSTRAP_ROUNDS = 40
    assert compute_snapshot(contest["campaign"]).stats["rounds"] == 40
    assert compute_snapshot(contest["campaign"], rounds=60).stats["rounds"] == 60


def test_a_campaign_without_judgments_gets_a_neutral_snapshot() -> None:
    build = CampaignBuilder(contenders=("alpha", "beta"))
    snapshot = compute_snapshot(build.campaign)
    assert (snapshot.judgments, snapshot.rated_judgments) == (0, 0)
    assert [row["rating"] for row in snapshot.contenders] == [1000.0, 1000.0]
    assert snapshot.participants == [] and snapshot.annotators == []
    assert snapshot.stats["alpha"] is None


@pytest.mark.parametrize("names", [(), ("solo",)])
def test_fewer_than_two_contenders_is_not_an_error(names: tuple[str, ...]) -> None:
    build = CampaignBuilder(contenders=names)
    snapshot = compute_snapshot(build.campaign)
    assert [row["name"] for row in snapshot.contenders] == list(names)
    assert snapshot.matrices["names"] == list(names)


def test_without_trusted_annotators_every_contender_stays_at_the_mean(contest) -> None:
    campaign = contest["campaign"]
    campaign.min_gold_seen = 50
    campaign.save(update_fields=["min_gold_seen"])
    snapshot = compute_snapshot(campaign)
    assert snapshot.rated_judgments == 0
    assert {row["rating"] for row in snapshot.contenders} == {1000.0}
    assert all(row["score"] == 0 for row in snapshot.participants)
