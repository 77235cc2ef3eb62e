"""The dashboard's export downloads: the commands' files, for the campaign's organisers only."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from scoring.exports.judgments import judgment_file
from scoring.exports.preferences import preference_file
from scoring.snapshots import compute_snapshot
from tests.builders import judge, logged_in, make_judgeable_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("dash", regular=2, owner=owner)


@pytest.fixture
def voted(campaign, participant):
    judge(participant, campaign.comparisons.first(), verdict=-2)
    return campaign


def judgments_url(fmt: str) -> str:
    return reverse("scoring:export_judgments", args=["dash", fmt])


def preferences_url(fmt: str) -> str:
    return reverse("scoring:export_preferences", args=["dash", fmt])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["owner", "teammate"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_organisers_download_the_commands_judgments_file(request, who, voted, fmt):
    response = logged_in(request.getfixturevalue(who)).get(judgments_url(fmt))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="dash-judgments.{fmt}"'
    assert body(response) == b"".join(judgment_file(voted, fmt=fmt))


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_participants_and_strangers_get_a_404(request, who, voted):
    client = logged_in(request.getfixturevalue(who))

    assert client.get(judgments_url("csv")).status_code == 404
    assert client.get(preferences_url("jsonl")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(voted):
    response = Client().get(judgments_url("parquet"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_preferences_before_scoring_send_the_organiser_back_with_the_reason(owner, voted):
    response = logged_in(owner).get(preferences_url("jsonl"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("scoring:dashboard", args=["dash"])
    assert "score" in response.content.decode().lower()


def test_once_scored_the_dashboard_links_both_exports_and_they_download(owner, voted):
    compute_snapshot(voted, rounds=10)
    client = logged_in(owner)

    page = client.get(reverse("scoring:dashboard", args=["dash"])).content.decode()
    response = client.get(preferences_url("jsonl"))

    for url in (judgments_url("parquet"), preferences_url("parquet")):
        assert f'href="{url}"' in page
    assert response.status_code == 200
    assert body(response) == b"".join(preference_file(voted, fmt="jsonl"))
