"""Campaigns through the API: create, read, list, change settings, open and close."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign.models import Campaign
from tests.api.conftest import API, call, campaign_url

pytestmark = pytest.mark.django_db


def test_an_organiser_creates_a_campaign_they_own_with_the_defaults(owner_api, owner):
    response = call(
        owner_api,
        "POST",
        f"{API}/campaigns",
        {"slug": "new-arena", "title": "New arena", "gold_rate": 0.2, "scale": 3},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "new-arena"
    assert (body["status"], body["owner"], body["gold_rate"], body["scale"]) == (
        "draft",
        owner.username,
        0.2,
        3,
    )
    assert body["judgments_per_comparison"] == 3  # PRODUCT.md's default
    assert Campaign.objects.get(slug="new-arena").owner == owner


def test_a_taken_slug_is_refused_naming_it(owner_api, campaign):
    response = call(owner_api, "POST", f"{API}/campaigns", {"slug": campaign.slug, "title": "T"})
    assert response.status_code == 422
    assert "already exists" in response.json()["detail"]
    assert [problem["field"] for problem in response.json()["errors"]] == ["slug"]


def test_a_setting_out_of_range_is_refused_naming_the_field(owner_api):
    response = call(
        owner_api, "POST", f"{API}/campaigns", {"slug": "x", "title": "X", "gold_rate": 1.5}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "gold_rate"
    assert not Campaign.objects.filter(slug="x").exists()


def test_allocation_and_floor_are_set_read_and_changed_through_the_api(owner_api):
    created = call(
        owner_api,
        "POST",
        f"{API}/campaigns",
        {"slug": "adaptive", "title": "Adaptive", "allocation": "adaptive"},
    ).json()
    assert (created["allocation"], created["min_judgments_per_comparison"]) == ("adaptive", 1)
    campaign = Campaign.objects.get(slug="adaptive")

    changed = call(owner_api, "PATCH", campaign_url(campaign), {"min_judgments_per_comparison": 2})

    assert changed.status_code == 200, changed.content
    assert changed.json()["min_judgments_per_comparison"] == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"allocation": "greedy"}, "allocation"),
        ({"min_judgments_per_comparison": 4}, "min_judgments_per_comparison"),
    ],
)
def test_a_bad_allocation_or_floor_is_refused_and_changes_nothing(
    owner_api, campaign, changes, field
):
    response = call(owner_api, "PATCH", campaign_url(campaign), changes)

    assert response.status_code == 422
    assert field in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.allocation, campaign.min_judgments_per_comparison) == ("uniform", 1)


def test_read_gives_settings_and_status(owner_api, campaign):
    body = owner_api.get(campaign_url(campaign)).json()
    assert (body["slug"], body["status"], body["title"]) == (campaign.slug, "open", campaign.title)


def test_patch_changes_only_the_settings_given(owner_api, campaign):
    gold_rate = campaign.gold_rate
    response = call(
        owner_api, "PATCH", campaign_url(campaign), {"title": "Renamed", "lease_minutes": 30}
    )
    assert response.status_code == 200, response.content
    campaign.refresh_from_db()
    assert (campaign.title, campaign.lease_minutes, campaign.gold_rate) == (
        "Renamed",
        30,
        gold_rate,
    )


def test_patch_refuses_a_bad_value_and_changes_nothing(owner_api, campaign):
    response = call(
        owner_api, "PATCH", campaign_url(campaign), {"title": "Renamed", "lease_minutes": 0}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lease_minutes", "line": None, "message": response.json()["errors"][0]["message"]}
    ]
    campaign.refresh_from_db()
    assert campaign.title != "Renamed"


def test_patch_cannot_change_the_status(owner_api, campaign):
    response = call(owner_api, "PATCH", campaign_url(campaign), {"status": "closed"})
    # Not a setting of the schema: ignored, and the campaign stays open.
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN


def test_open_and_close_follow_the_campaigns_life(owner_api, owner):
    call(owner_api, "POST", f"{API}/campaigns", {"slug": "life", "title": "Life"})
    assert owner_api.post(f"{API}/campaigns/life/open").json()["status"] == "open"
    again = owner_api.post(f"{API}/campaigns/life/open")
    assert again.status_code == 409
    assert "already open" in again.json()["detail"]
    assert owner_api.post(f"{API}/campaigns/life/close").json()["status"] == "closed"
    refused = owner_api.post(f"{API}/campaigns/life/open")
    assert refused.status_code == 409
    assert owner_api.post(f"{API}/campaigns/life/open?reopen=true").json()["status"] == "open"


def test_the_list_is_paginated(owner_api, owner, campaign):
    for number in range(3):
        call(owner_api, "POST", f"{API}/campaigns", {"slug": f"more-{number}", "title": "More"})
    page = owner_api.get(f"{API}/campaigns?limit=2&offset=1").json()
    assert page["count"] == 4
    assert [row["slug"] for row in page["items"]] == ["more-1", "more-0"]


def test_the_list_costs_the_same_queries_however_many_campaigns(owner_api, owner, campaign):
    owner_api.get(f"{API}/campaigns")  # the token's first use records it (one write)
    with CaptureQueriesContext(connection) as one:
        owner_api.get(f"{API}/campaigns")
    for number in range(5):
        call(owner_api, "POST", f"{API}/campaigns", {"slug": f"more-{number}", "title": "More"})
    with CaptureQueriesContext(connection) as six:
        assert owner_api.get(f"{API}/campaigns").json()["count"] == 6
    assert len(six) == len(one)
