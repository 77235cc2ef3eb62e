"""The controlled views and the position-bias analysis stored by a scoring run
(scoring.controlled): style-controlled board, per-category boards, left advantage."""

from __future__ import annotations

import pytest

from campaign.models import Prompt
from scoring import response_styles
from scoring.models import ResponseStyle
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db

LONG = "## Answer\n- one\n- two\n**Bold** " + "word " * 60
SHORT = "Short answer."


def _campaign_with_categories() -> CampaignBuilder:
    """alpha beats beta on coding, beta beats gamma on math; nothing judged in 'empty'."""
    build = CampaignBuilder(min_gold_seen=0, min_gold_accuracy=0)
    person = build.annotator()
    for k in range(6):
        # alpha's answer is the long one half of the time: style varies within a pair.
        coding = build.comparison("alpha", "beta", texts=(LONG, SHORT) if k % 2 else (SHORT, LONG))
        math = build.comparison("beta", "gamma", texts=(SHORT, LONG))
        build.judge(person, coding, -2 if k < 5 else 2, left="a" if k % 2 else "b")
        build.judge(person, math, -1 if k < 4 else 0, left="b" if k % 2 else "a")
        Prompt.objects.filter(pk=coding.prompt_id).update(category="coding")
        Prompt.objects.filter(pk=math.prompt_id).update(category="math")
    unjudged = build.comparison("alpha", "gamma")
    Prompt.objects.filter(pk=unjudged.prompt_id).update(category="empty")
    return build


def test_a_run_stores_one_board_per_category_with_only_that_categorys_votes():
    build = _campaign_with_categories()

    snapshot = compute_snapshot(build.campaign, rounds=20)

    assert snapshot is not None
    boards = {board["key"]: board for board in snapshot.views["category"]["boards"]}
    assert list(boards) == ["coding", "empty", "math"]
    coding = boards["coding"]
    assert coding["rated_judgments"] == 6
    assert [row["name"] for row in coding["contenders"]] == ["alpha", "beta"]
    alpha = coding["contenders"][0]
    assert (alpha["wins"], alpha["losses"], alpha["ties"]) == (5, 1, 0)
    assert alpha["ci_lower"] <= alpha["rating"] <= alpha["ci_upper"]
    assert [row["name"] for row in boards["math"]["contenders"]] == ["beta", "gamma"]
    assert boards["empty"] == {
        "key": "empty",
        "label": "empty",
        "rated_judgments": 0,
        "contenders": [],
    }


def test_the_style_view_rates_every_contender_and_stores_its_coefficients():
    build = _campaign_with_categories()

    snapshot = compute_snapshot(build.campaign, rounds=20)

    assert snapshot is not None
    style = snapshot.views["style"]
    assert style["label"] == "Style-controlled"
    assert style["rated_judgments"] == 12
    assert sorted(row["name"] for row in style["contenders"]) == ["alpha", "beta", "gamma"]
    by_name = {row["name"]: row for row in snapshot.contenders}
    for row in style["contenders"]:
        assert row["ci_lower"] <= row["rating"] <= row["ci_upper"]
        # The tallies are the default board's; only the ratings are controlled.
        assert row["votes"] == by_name[row["name"]]["votes"]
    names = [coefficient["name"] for coefficient in style["coefficients"]]
    # The texts' differences reached the fit: long against short, both ways round.
    assert style["coefficients"][0]["sd"] > 0.5
    assert abs(style["coefficients"][0]["elo"]) > 1.0
    assert names == ["length", "headers", "lists", "bold"]
    for coefficient in style["coefficients"]:
        assert coefficient["ci_lower"] <= coefficient["elo"] <= coefficient["ci_upper"]


def test_style_counts_are_stored_once_per_response_and_reused():
    build = _campaign_with_categories()

    compute_snapshot(build.campaign, rounds=10)

    # 13 comparisons, two responses each; the long text's counts as scoring.numerics.style.
    assert ResponseStyle.objects.count() == 26
    long = ResponseStyle.objects.filter(response__text=LONG).first()
    assert (long.length, long.headers, long.lists, long.bold) == (len(LONG), 1, 2, 1)

    compute_snapshot(build.campaign, rounds=11)  # a second run counts nothing again
    assert ResponseStyle.objects.count() == 26


def test_a_first_run_with_many_uncounted_responses_reads_their_texts_in_one_join(monkeypatch):
    monkeypatch.setattr(response_styles, "TEXTS_BY_ID", 0)
    build = _campaign_with_categories()

    snapshot = compute_snapshot(build.campaign, rounds=10)

    assert ResponseStyle.objects.count() == 26
    assert snapshot is not None and snapshot.views["style"]["coefficients"][0]["sd"] > 0.5


def test_the_position_bias_analysis_reports_the_left_advantage_with_its_interval():
    build = _campaign_with_categories()

    snapshot = compute_snapshot(build.campaign, rounds=10)

    assert snapshot is not None
    bias = snapshot.analysis["position_bias"]
    assert bias["votes"] == 12
    assert bias["ci_lower"] <= bias["left_advantage"] <= bias["ci_upper"]
    assert bias["measurable"] is False  # twelve votes cannot show a side preference
    assert 0.0 <= bias["left_win_share"] <= 1.0


def test_a_campaign_without_votes_gets_empty_views_and_no_bias():
    build = CampaignBuilder()
    build.comparison("alpha", "beta")

    snapshot = compute_snapshot(build.campaign, rounds=10)

    assert snapshot is not None
    assert snapshot.views["category"]["boards"] == []
    assert snapshot.views["style"]["rated_judgments"] == 0
    assert snapshot.analysis["position_bias"] == {
        "left_advantage": None,
        "ci_lower": None,
        "ci_upper": None,
        "left_win_share": None,
        "votes": 0,
        "measurable": False,
    }
