"""The annotator-aware board (scoring.crowd_view): stored beside the default board, its
reliabilities on the organiser dashboard and nowhere a participant or viewer can read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from scoring.crowd_view import LABEL, NAME
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, logged_in

pytestmark = pytest.mark.django_db

CONTENDER_FIELDS = set(
    "name rating ci_lower ci_upper rank votes wins losses ties win_rate online_elo".split()
)


def scored(owner=None):
    """Four careful annotators (alpha > beta > gamma, gold right) and one who answers gold
    wrong and every regular comparison backwards (untrusted, so left off the default board)."""
    build = CampaignBuilder(owner=owner)
    golds = [build.comparison("alpha", "gamma", gold="a") for _ in range(6)]
    pairs = [("alpha", "beta"), ("beta", "gamma"), ("alpha", "gamma")] * 8
    regulars = [build.comparison(a, b) for a, b in pairs]
    people = {}
    for handle in ("careful-1", "careful-2", "careful-3", "careful-4", "backwards-1"):
        person = people[handle] = build.annotator(handle=handle)
        backwards = handle.startswith("backwards")
        for comparison in golds:
            build.judge(person, comparison, 1 if backwards else -1)
        for index, comparison in enumerate(regulars):
            preferred = -1 if index % 5 else 1  # a usually wins; one in five goes the other way
            build.judge(person, comparison, -preferred if backwards else preferred)
    snapshot = compute_snapshot(build.campaign, rounds=50)
    assert snapshot is not None
    return build.campaign, snapshot, people


def keys_in(document: Any) -> set[str]:
    if isinstance(document, dict):
        return set(document) | {key for value in document.values() for key in keys_in(value)}
    if isinstance(document, list):
        return {key for value in document for key in keys_in(value)}
    return set()


def test_the_snapshot_stores_the_annotator_aware_board_with_every_vote():
    _campaign, snapshot, people = scored()

    view = snapshot.views[NAME]
    assert view["label"] == LABEL
    assert [set(row) for row in view["contenders"]] == [CONTENDER_FIELDS] * 3
    assert [row["name"] for row in view["contenders"]] == ["alpha", "beta", "gamma"]
    assert view["votes"] == 5 * 24  # the untrusted annotator's regular votes too
    assert snapshot.rated_judgments == 4 * 24  # the default board: trusted votes only
    reliability = view["reliability"]
    assert set(reliability) == {str(person.pk) for person in people.values()}
    assert all(0.0 <= eta <= 1.0 for eta in reliability.values())
    assert reliability[str(people["backwards-1"].pk)] < 0.3
    assert min(reliability[str(people[f"careful-{k}"].pk)] for k in range(1, 5)) > 0.7
    assert "extra:crowd_bt" in snapshot.stats["timings"]


def test_the_dashboard_shows_each_annotators_reliability_to_organisers(owner):
    campaign, snapshot, people = scored(owner=owner)

    html = logged_in(owner).get(reverse("scoring:dashboard", args=[campaign.slug])).content
    html = html.decode()
    assert 'data-sort="reliability">Reliability' in html
    backwards = snapshot.views[NAME]["reliability"][str(people["backwards-1"].pk)]
    assert f'<td class="num" data-reliability>{backwards:.2f}</td>' in html


@pytest.mark.parametrize("who", ["participant", "anonymous"])
def test_reliabilities_never_reach_participants_or_viewers_while_open(owner, who):
    campaign, _snapshot, people = scored(owner=owner)
    client = logged_in(people["careful-1"]) if who == "participant" else Client()
    args = [campaign.slug]

    page = client.get(reverse("scoring:leaderboard", args=args))
    document = client.get(reverse("scoring:leaderboard_json", args=args))
    table = client.get(reverse("scoring:leaderboard_csv", args=args))
    dashboard = client.get(reverse("scoring:dashboard", args=args))

    assert page.status_code == document.status_code == table.status_code == 200
    assert "reliab" not in page.content.decode().lower()
    assert "reliab" not in b"".join(table.streaming_content).decode().lower()
    assert not {key for key in keys_in(json.loads(document.content)) if "reliab" in key}
    assert dashboard.status_code in (302, 404)  # organisers only
