"""Imports, provisioning and the annotator table through the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from campaign.models import Comparison, Enrollment, Judgment
from tests.api.conftest import call, campaign_url, upload
from tests.builders import Scored, explicit, make_participant, make_snapshot

pytestmark = pytest.mark.django_db

ITEMS = [explicit("p1", "model-x", "model-y"), explicit("p2", "model-x", "model-y", gold="a")]
VOTE = {"annotator": "ext-1", "prompt": "p1", "model_a": "model-x", "model_b": "model-y"}


def post_file(client, campaign, tail, name, rows):
    return client.post(campaign_url(campaign, tail), {"file": upload(name, rows)})


def test_items_import_gives_the_commands_report(owner_api, campaign):
    before = Comparison.objects.filter(campaign=campaign).count()
    response = post_file(owner_api, campaign, "/items", "items.jsonl", ITEMS)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ok"], body["lines"], body["comparisons_created"], body["gold_created"]) == (
        True,
        2,
        2,
        1,
    )
    assert body["summary"].startswith("2 lines: created")
    assert Comparison.objects.filter(campaign=campaign).count() == before + 2


def test_a_dry_run_reports_and_writes_nothing(owner_api, campaign):
    before = Comparison.objects.filter(campaign=campaign).count()
    response = post_file(owner_api, campaign, "/items?dry_run=true", "items.jsonl", ITEMS)
    assert response.json()["dry_run"] is True
    assert response.json()["comparisons_created"] == 2
    assert Comparison.objects.filter(campaign=campaign).count() == before


def test_bad_lines_are_a_422_naming_each_line(owner_api, campaign):
    rows = [ITEMS[0], "{broken", {"id": "p3"}]
    response = post_file(owner_api, campaign, "/items", "items.jsonl", rows)
    assert response.status_code == 422
    body = response.json()
    assert "nothing was imported" in body["detail"]
    assert sorted({problem["line"] for problem in body["errors"]}) == [2, 3]


def test_a_file_of_unknown_format_is_a_415(owner_api, campaign):
    response = post_file(owner_api, campaign, "/items", "items.txt", ITEMS)
    assert response.status_code == 415
    assert ".jsonl" in response.json()["detail"]


def test_the_format_can_be_named(owner_api, campaign):
    response = post_file(owner_api, campaign, "/items?format=jsonl", "items.txt", ITEMS)
    assert response.status_code == 200, response.content


def test_judgments_import_stores_the_votes(owner_api, campaign):
    rows = [{**VOTE, "winner": "a"}, {**VOTE, "annotator": "ext-2", "winner": "b"}]
    response = post_file(owner_api, campaign, "/judgments", "votes.jsonl", rows)
    assert response.status_code == 200, response.content
    assert (response.json()["judgments_created"], response.json()["annotators_created"]) == (2, 2)
    assert Judgment.objects.filter(campaign=campaign).count() == 2


def test_provisioning_returns_working_credentials_once(owner_api, campaign):
    response = call(owner_api, "POST", campaign_url(campaign, "/annotators"), {"count": 2})
    assert response.status_code == 201, response.content
    credentials = response.json()["credentials"]
    assert len(credentials) == 2
    user = User.objects.get(username=credentials[0]["username"])
    assert Enrollment.objects.filter(campaign=campaign, user=user).exists()
    assert Client().login(username=user.username, password=credentials[0]["password"])
    assert response["Cache-Control"] == "no-store"


def test_provisioning_refuses_a_bad_count(owner_api, campaign):
    response = call(owner_api, "POST", campaign_url(campaign, "/annotators"), {"count": 0})
    assert response.status_code == 422
    assert "positive" in response.json()["detail"]


def test_annotators_list_scores_and_filters(owner_api, campaign):
    trusted = make_participant(campaign, handle="steady-hand-001")
    flagged = make_participant(campaign, handle="fast-hand-001")
    make_snapshot(
        campaign,
        annotators=[
            Scored(trusted, judgments=40),
            Scored(flagged, judgments=20, gold_correct=1, flags=("too_fast",)),
        ],
    )
    everyone = owner_api.get(campaign_url(campaign, "/annotators")).json()
    assert everyone["count"] == 2
    assert [row["handle"] for row in everyone["items"]] == ["steady-hand-001", "fast-hand-001"]
    assert everyone["items"][0]["username"] == trusted.username
    only_flagged = owner_api.get(campaign_url(campaign, "/annotators?flagged=true")).json()
    assert [row["handle"] for row in only_flagged["items"]] == ["fast-hand-001"]
    assert "too_fast" in only_flagged["items"][0]["flags"]
    untrusted = owner_api.get(campaign_url(campaign, "/annotators?untrusted=true")).json()
    assert [row["trusted"] for row in untrusted["items"]] == [False]


def test_annotators_before_any_scoring_is_an_empty_page(owner_api, campaign):
    assert owner_api.get(campaign_url(campaign, "/annotators")).json() == {"items": [], "count": 0}


def test_the_annotator_list_costs_the_same_queries_however_many_annotators(owner_api, campaign):
    def queries_for(count: int) -> int:
        people = [make_participant(campaign) for _ in range(count)]
        make_snapshot(campaign, annotators=[Scored(person) for person in people])
        with CaptureQueriesContext(connection) as queries:
            assert owner_api.get(campaign_url(campaign, "/annotators")).json()["count"] == count
        return len(queries)

    owner_api.get(campaign_url(campaign, "/annotators"))  # the token's first use (one write)
    assert queries_for(1) == queries_for(6)


def test_a_campaign_without_gold_lists_its_annotators_as_not_vetted(owner_api, campaign):
    from scoring.snapshots import compute_snapshot

    Comparison.objects.filter(campaign=campaign).delete()  # no gold: nobody can be vetted
    rows = [{**VOTE, "winner": "a"}, {**VOTE, "annotator": "ext-2", "winner": "b"}]
    assert post_file(owner_api, campaign, "/judgments", "votes.jsonl", rows).status_code == 200
    compute_snapshot(campaign, rounds=10)

    response = owner_api.get(campaign_url(campaign, "/annotators"))

    assert response.status_code == 200, response.content
    rows = response.json()["items"]
    assert [(row["trusted"], row["accuracy"], row["votes_count"]) for row in rows] == [
        (None, None, True),
        (None, None, True),
    ]
