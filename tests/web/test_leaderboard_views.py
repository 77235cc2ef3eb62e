"""The leaderboard's board switch (scoring.board_views): methods and category tabs on the
page, the same ``view`` parameter on the JSON and CSV, bad names, escaping, and who sees
which snapshot's views (the default board's rule)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from scoring.models import Snapshot
from tests.builders import (
    SECRET_CONTENDERS,
    Scored,
    logged_in,
    make_judgeable_campaign,
    make_snapshot,
)

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"
TOP, BOTTOM = SECRET_CONTENDERS


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("views", regular=3, owner=owner)


def row(name: str, rating: float, votes: int = 8) -> dict[str, object]:
    return {
        "name": name,
        "rating": rating,
        "ci_lower": rating - 30.0,
        "ci_upper": rating + 30.0,
        "rank": 1,
        "votes": votes,
        "wins": votes // 2,
        "losses": votes - votes // 2,
        "ties": 0,
        "win_rate": 0.5,
        "online_elo": None,
    }


def with_views(snapshot: Snapshot, *, style_top: str = BOTTOM) -> Snapshot:
    """The views a run stores (scoring.controlled), in their shapes; style puts ``style_top``
    first, and a per-annotator list rides along that must never be published."""
    other = TOP if style_top == BOTTOM else BOTTOM
    snapshot.views = {
        "style": {
            "label": "Style-controlled",
            "rated_judgments": 40,
            "contenders": [row(style_top, 1031.0), row(other, 969.0)],
            "coefficients": [
                {
                    "name": "length",
                    "label": "Length (characters)",
                    "elo": 55.5,
                    "ci_lower": 40.0,
                    "ci_upper": 70.0,
                    "sd": 0.3,
                },
            ],
            "annotators": [{"handle": "brave-otter-042", "reliability": 0.91}],
        },
        "category": {
            "label": "By category",
            "contenders": [],
            "boards": [
                {
                    "key": "coding",
                    "label": "coding",
                    "rated_judgments": 12,
                    "contenders": [row(TOP, 1050.0, 12), row(BOTTOM, 950.0, 12)],
                },
                {"key": "empty", "label": "empty", "rated_judgments": 0, "contenders": []},
                {
                    "key": HOSTILE,
                    "label": HOSTILE,
                    "rated_judgments": 2,
                    "contenders": [row(TOP, 1010.0, 2), row(BOTTOM, 990.0, 2)],
                },
            ],
        },
    }
    snapshot.save(update_fields=["views"])
    return snapshot


def page(client: Client, view: str | None = None, slug: str = "views"):
    url = reverse("scoring:leaderboard", args=[slug])
    return client.get(url, {"view": view} if view is not None else {})


def download(client: Client, kind: str, view: str | None = None):
    url = reverse(f"scoring:leaderboard_{kind}", args=["views"])
    return client.get(url, {"view": view} if view is not None else {})


def order_in(body: str) -> list[str]:
    table = body[body.index('<table class="data leaderboard">') :]
    return sorted(SECRET_CONTENDERS, key=table.index)


def test_the_page_offers_every_method_and_category_as_links(campaign):
    with_views(make_snapshot(campaign))

    body = page(Client()).content.decode()

    assert 'aria-label="Leaderboard views"' in body
    assert 'href="?view=bt" aria-current="page">Bradley-Terry' in body
    assert 'href="?view=style">Style-controlled' in body
    assert 'href="?view=category%3Acoding">coding' in body
    assert 'href="?view=category%3Aempty">empty' in body


def test_a_method_shows_its_own_ratings_and_style_coefficients(campaign):
    with_views(make_snapshot(campaign), style_top=BOTTOM)

    default, style = page(Client()), page(Client(), "style")

    assert order_in(default.content.decode()) == [TOP, BOTTOM]
    body = style.content.decode()
    assert order_in(body) == [BOTTOM, TOP]
    assert 'href="?view=style" aria-current="page"' in body
    assert "Length (characters)" in body and "55.5" in body
    assert "brave-otter-042" not in body.split("Participants")[0]  # no per-annotator view data


def test_a_category_tab_shows_that_categorys_board(campaign):
    with_views(make_snapshot(campaign))

    body = page(Client(), "category:coding").content.decode()

    assert 'href="?view=category%3Acoding" aria-current="page"' in body
    assert "1050" in body and "950" in body


def test_a_category_without_votes_shows_an_empty_state(campaign):
    with_views(make_snapshot(campaign))

    body = page(Client(), "category:empty").content.decode()

    assert 'data-empty="view"' in body
    assert "No counted votes in the category <strong>empty</strong> yet" in body
    assert '<table class="data leaderboard">' not in body


@pytest.mark.parametrize(
    "name", ["nonsense", "category:", "category:nope", ":", "style:x", "bt:", "x" * 5000]
)
def test_an_unknown_view_shows_the_default_board_with_a_notice(campaign, name):
    with_views(make_snapshot(campaign))

    response = page(Client(), name)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-notice="unknown-view"' in body
    assert order_in(body) == [TOP, BOTTOM]


def test_a_snapshot_without_views_shows_no_switch(campaign):
    make_snapshot(campaign)

    body = page(Client()).content.decode()
    unknown = page(Client(), "style").content.decode()

    assert "Leaderboard views" not in body
    assert 'data-notice="unknown-view"' in unknown


def test_a_hostile_category_name_is_escaped_in_tabs_and_heading(campaign):
    with_views(make_snapshot(campaign))

    listing = page(Client()).content.decode()
    shown = page(Client(), f"category:{HOSTILE}").content.decode()

    for body in (listing, shown):
        assert HOSTILE not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "category%3A%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in listing
    assert "1010" in shown  # the hostile category's own board


def test_the_json_lists_the_views_and_serves_the_one_asked_for(campaign):
    with_views(make_snapshot(campaign), style_top=BOTTOM)

    default = json.loads(download(Client(), "json").content)
    style = json.loads(download(Client(), "json", "style").content)
    coding = json.loads(download(Client(), "json", "category:coding").content)

    assert default["view"] == {
        "name": "bt",
        "label": "Bradley-Terry",
        "judgments": default["judgments"],
    }
    assert [(v["name"], v["kind"]) for v in default["views"]] == [
        ("bt", "method"),
        ("style", "method"),
        ("category:coding", "category"),
        ("category:empty", "category"),
        (f"category:{HOSTILE}", "category"),
    ]
    assert [c["name"] for c in default["contenders"]] == [TOP, BOTTOM]
    assert [c["name"] for c in style["contenders"]] == [BOTTOM, TOP]
    assert style["view"]["coefficients"][0]["elo"] == 55.5
    assert "annotators" not in json.dumps(style["view"])
    assert [c["rating"] for c in coding["contenders"]] == [1050.0, 950.0]


def test_a_download_of_an_empty_category_has_no_contenders(campaign):
    with_views(make_snapshot(campaign))

    document = json.loads(download(Client(), "json", "category:empty").content)
    lines = download(Client(), "csv", "category:empty").getvalue().decode().splitlines()

    assert document["contenders"] == []
    assert len(lines) == 1  # the header only


def test_the_csv_serves_the_view_asked_for(campaign):
    with_views(make_snapshot(campaign), style_top=BOTTOM)

    text = download(Client(), "csv", "style").getvalue().decode()

    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == [BOTTOM, TOP]
    assert rows[0]["rating"] == "1031.00"


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_a_download_of_an_unknown_view_is_a_clear_404(campaign, kind):
    with_views(make_snapshot(campaign))

    response = download(Client(), kind, "category:nope")

    assert response.status_code == 404
    assert "No view named 'category:nope'" in response.content.decode()
    assert "category:coding" in response.content.decode()


def test_viewers_of_an_open_campaign_see_the_views_of_the_published_snapshot(
    campaign, owner, participant
):
    with_views(make_snapshot(campaign, published=True), style_top=TOP)
    with_views(make_snapshot(campaign, published=False), style_top=BOTTOM)

    public = order_in(page(logged_in(participant), "style").content.decode())
    organiser = order_in(page(logged_in(owner), "style").content.decode())
    public_json = json.loads(download(Client(), "json", "style").content)

    assert public == [TOP, BOTTOM]
    assert organiser == [BOTTOM, TOP]
    assert [c["name"] for c in public_json["contenders"]] == [TOP, BOTTOM]


def test_a_hidden_leaderboard_stays_hidden_whatever_the_view(campaign, participant):
    campaign.leaderboard = "hidden"
    campaign.save(update_fields=["leaderboard"])
    with_views(make_snapshot(campaign, annotators=[Scored(participant)]))

    for client in (Client(), logged_in(participant)):
        assert page(client, "style").status_code == 403
        assert download(client, "json", "category:coding").status_code == 403
        assert download(client, "csv", "style").status_code == 403
