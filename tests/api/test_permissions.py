"""Who may call each endpoint: owner, other organiser, participant, anonymous, revoked token.

401 when the caller is not authenticated (no token, a revoked or unknown one); 403 when they
organise nothing (a participant, by token or session); 404 when the campaign is not theirs,
as on the organiser pages, so a stranger learns nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import API, bearer, call, token_for, upload
from tests.builders import explicit, make_snapshot

pytestmark = pytest.mark.django_db

ITEM = explicit("p-new", "model-x", "model-y")

# (method, path after /campaigns/<slug>, body): every endpoint of one campaign.
CAMPAIGN_ENDPOINTS = [
    ("GET", "", None),
    ("PATCH", "", {"title": "Renamed"}),
    ("POST", "/open", None),
    ("POST", "/close", None),
    ("POST", "/items?dry_run=true", "items"),
    ("POST", "/judgments?dry_run=true", "votes"),
    ("POST", "/annotators", {"count": 1}),
    ("GET", "/annotators", None),
    ("GET", "/progress", None),
    ("GET", "/leaderboard", None),
    ("POST", "/recompute", None),
    ("GET", "/judgments?format=csv", None),
    ("GET", "/preferences", None),
]
ENDPOINT_IDS = [f"{method} {tail or '/'}" for method, tail, _ in CAMPAIGN_ENDPOINTS]


def body_for(kind):
    if kind == "items":
        return {"file": upload("items.jsonl", [ITEM])}
    if kind == "votes":
        vote = {"annotator": "a1", "prompt": "p-new", "model_a": "x", "model_b": "y", "winner": "a"}
        return {"file": upload("votes.jsonl", [vote])}
    return kind


@pytest.fixture
def scored(campaign):
    make_snapshot(campaign)
    return campaign


@pytest.mark.parametrize(("method", "tail", "body"), CAMPAIGN_ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("other_organiser", 404),
        ("participant_token", 403),
        ("participant_session", 403),
        ("anonymous", 401),
        ("revoked", 401),
        ("garbage_token", 401),
    ],
)
def test_only_the_campaigns_organisers_reach_its_endpoints(
    callers, scored, method, tail, body, caller, status
):
    client = callers[caller]()
    response = call(client, method, f"{API}/campaigns/{scored.slug}{tail}", body_for(body))
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


@pytest.mark.parametrize(("method", "tail", "body"), CAMPAIGN_ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("caller", ["owner", "owner_session", "staff"])
def test_the_owner_and_staff_reach_every_endpoint(
    callers, teammate, scored, method, tail, body, caller
):
    client = bearer(token_for(teammate)) if caller == "staff" else callers[caller]()
    extra = {}
    if caller == "owner_session" and method != "GET":
        client = type(client)(enforce_csrf_checks=True)
        client.force_login(scored.owner)
        client.get("/")  # the csrftoken cookie, as a page visit would set it
        extra = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}
    response = call(client, method, f"{API}/campaigns/{scored.slug}{tail}", body_for(body), **extra)
    assert response.status_code not in (401, 403, 404), response.content


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("participant_token", 403),
        ("participant_session", 403),
        ("anonymous", 401),
        ("revoked", 401),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_campaign_list_and_create_refuse_non_organisers(callers, caller, status, method):
    body = {"slug": "new-one", "title": "New"} if method == "POST" else None
    response = call(callers[caller](), method, f"{API}/campaigns", body)
    assert response.status_code == status, response.content


def test_a_session_needs_the_csrf_token_for_unsafe_methods(owner, campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = call(client, "PATCH", f"{API}/campaigns/{campaign.slug}", {"title": "Hijacked"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert call(client, "GET", f"{API}/campaigns/{campaign.slug}").status_code == 200


def test_the_list_holds_only_the_callers_campaigns_and_staff_see_all(
    callers, campaign, other_organiser, teammate
):
    mine = callers["owner"]().get(f"{API}/campaigns").json()
    assert [row["slug"] for row in mine["items"]] == [campaign.slug]
    theirs = callers["other_organiser"]().get(f"{API}/campaigns").json()
    assert [row["slug"] for row in theirs["items"]] == ["theirs-too"]
    everything = bearer(token_for(teammate)).get(f"{API}/campaigns").json()
    assert {row["slug"] for row in everything["items"]} == {campaign.slug, "theirs-too"}
    assert everything["count"] == 2
