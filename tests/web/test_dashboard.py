"""The organiser dashboard: who reaches it, what it counts, and its recompute/open/close actions."""

from __future__ import annotations

import dataclasses
import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign import events
from campaign.events import ScoringRequest
from campaign.models import Campaign, Comparison, Prompt
from scoring import dashboard, views_organiser
from scoring.jobs import campaign_lock
from scoring.models import Snapshot
from tests.builders import (
    Scored,
    judge,
    logged_in,
    make_judgeable_campaign,
    make_judgment,
    make_participant,
    make_snapshot,
    serve,
)
from tests.pages import csrf_token

pytestmark = pytest.mark.django_db

# The dashboard's actions by URL name: Recompute is scoring's, open and close the campaign's.
ACTIONS = ("scoring:recompute", "campaign:open", "campaign:close")


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("dash", regular=4, gold=3, owner=owner)


@pytest.fixture
def recomputes(monkeypatch) -> list[Campaign]:
    """The campaigns whose scoring was requested (the job itself is scoring.tasks' business)."""
    requested: list[Campaign] = []

    def request_recompute(campaign: Campaign) -> ScoringRequest:
        requested.append(campaign)
        return ScoringRequest.QUEUED

    monkeypatch.setattr(views_organiser, "request_recompute", request_recompute)
    reactions = events._reactions
    assert reactions is not None  # scoring registered them (scoring/apps.py)
    monkeypatch.setattr(
        events, "_reactions", dataclasses.replace(reactions, scoring_requested=request_recompute)
    )
    return requested


def dashboard_url(slug: str = "dash", **query: str) -> str:
    url = reverse("scoring:dashboard", args=[slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- who reaches it -----------------------------------------------------------------------


def test_owner_and_staff_see_the_dashboard(owner, teammate, campaign):
    assert logged_in(owner).get(dashboard_url()).status_code == 200
    assert logged_in(teammate).get(dashboard_url()).status_code == 200


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_participants_and_strangers_get_a_404_everywhere(request, who, campaign, recomputes):
    client = logged_in(request.getfixturevalue(who))
    assert client.get(dashboard_url()).status_code == 404
    for action in ACTIONS:
        assert client.post(reverse(action, args=["dash"])).status_code == 404
    assert recomputes == []
    campaign.refresh_from_db()
    assert campaign.status == "open"


def test_anonymous_visitors_are_sent_to_log_in(campaign, recomputes):
    client = Client()
    urls = [dashboard_url()] + [reverse(action, args=["dash"]) for action in ACTIONS]
    for url in urls:
        response = client.post(url) if url != dashboard_url() else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert recomputes == []


def test_actions_without_a_csrf_token_are_refused(owner, campaign, recomputes):
    client = logged_in(owner, enforce_csrf_checks=True)
    for action in ACTIONS:
        assert client.post(reverse(action, args=["dash"])).status_code == 403
    assert recomputes == []
    campaign.refresh_from_db()
    assert campaign.status == "open"
    token = csrf_token(client.get(dashboard_url()).content.decode())
    url = reverse("scoring:recompute", args=["dash"])
    assert client.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert recomputes == [campaign]


def test_actions_are_posts_only(owner, campaign):
    for action in ACTIONS:
        assert logged_in(owner).get(reverse(action, args=["dash"])).status_code == 405


# --- actions ------------------------------------------------------------------------------


def test_recompute_requests_a_scoring_run_and_says_so(owner, campaign, recomputes):
    response = logged_in(owner).post(reverse("scoring:recompute", args=["dash"]), follow=True)
    assert recomputes == [campaign]
    assert "Scoring queued" in response.content.decode()


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (ScoringRequest.DONE, "Scores recomputed."),
        (ScoringRequest.BUSY, "A scoring run is already in progress"),
        (ScoringRequest.UNAVAILABLE, "The scoring queue cannot be reached right now"),
    ],
)
def test_recompute_says_what_became_of_the_request(owner, campaign, monkeypatch, outcome, message):
    monkeypatch.setattr(views_organiser, "request_recompute", lambda campaign: outcome)
    response = logged_in(owner).post(reverse("scoring:recompute", args=["dash"]), follow=True)
    assert message in response.content.decode()


def test_without_a_broker_recompute_scores_the_campaign_at_once(owner, campaign, settings):
    # The embedded default (no Redis): the run happens inside the request, with real numerics.
    settings.REDIS_URL = ""
    participant = make_participant(campaign)
    for comparison in Comparison.objects.filter(campaign=campaign):
        judge(participant, comparison)
    response = logged_in(owner).post(reverse("scoring:recompute", args=["dash"]), follow=True)
    html = response.content.decode()
    assert "Scores recomputed." in html
    assert Snapshot.objects.filter(campaign=campaign).count() == 1
    assert participant.handle in html[html.index('class="data annotators"') :]


def test_without_a_broker_recompute_during_another_run_does_not_claim_to_have_scored(
    owner, campaign, settings
):
    settings.REDIS_URL = ""
    with campaign_lock(campaign.pk, token="a-judgment's-background-run"):
        response = logged_in(owner).post(reverse("scoring:recompute", args=["dash"]), follow=True)
    html = response.content.decode()
    assert "A scoring run is already in progress" in html
    assert "Scores recomputed." not in html
    assert not Snapshot.objects.filter(campaign=campaign).exists()


def test_close_then_reopen_explicitly(owner, campaign, recomputes):
    client = logged_in(owner)
    response = client.post(reverse("campaign:close", args=["dash"]), follow=True)
    campaign.refresh_from_db()
    assert campaign.status == "closed" and recomputes == [campaign]
    assert "The campaign is closed" in response.content.decode()
    assert "Reopen campaign" in response.content.decode()

    response = client.post(reverse("campaign:open", args=["dash"]), follow=True)
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    assert "Reopen it explicitly" in response.content.decode()

    client.post(reverse("campaign:open", args=["dash"]), {"reopen": "1"})
    campaign.refresh_from_db()
    assert campaign.status == "open"


def test_a_draft_opens_and_cannot_be_closed(owner, campaign, recomputes):
    campaign.status = "draft"
    campaign.save(update_fields=["status"])
    client = logged_in(owner)
    response = client.post(reverse("campaign:close", args=["dash"]), follow=True)
    assert "Only an open campaign can be closed" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "draft" and recomputes == []
    client.post(reverse("campaign:open", args=["dash"]))
    campaign.refresh_from_db()
    assert campaign.status == "open"


# --- what it shows ------------------------------------------------------------------------


def test_progress_per_category_and_coverage(owner, campaign, participant):
    regular = list(Comparison.objects.filter(campaign=campaign, gold_side="").order_by("pk"))
    Prompt.objects.filter(comparisons__in=regular[:3]).update(category="coding")
    others = [make_participant(campaign) for _ in range(2)]
    for person in (participant, *others):
        judge(person, regular[0])  # complete: 3 of 3
    judge(participant, regular[1])
    judge(participant, regular[3])
    html = logged_in(owner).get(dashboard_url()).content.decode()
    # 5 judgments of the 4 x 3 = 12 targeted; 1 comparison complete.
    assert re.search(r'data-stat="judgments">5</span><span class="stat-label">of 12 ', html)
    assert '1</span><span class="stat-label">of 4 comparisons complete' in html
    assert '<th scope="row">coding</th>' in html and "4 / 9" in html  # 3 comparisons
    assert "(none)</th>" in html and "1 / 3" in html
    assert "1 comparison with 0 judgments" in html
    assert "2 comparisons with 1 judgment<" in html
    assert "1 comparison with 3 judgments" in html


def test_gold_pool_warns_when_active_participants_are_running_dry(owner, campaign, participant):
    gold = list(Comparison.objects.filter(campaign=campaign).exclude(gold_side=""))
    judge(participant, gold[0])
    idle = make_participant(campaign, handle="idle-person-001")
    html = logged_in(owner).get(dashboard_url()).content.decode()
    assert "<strong>3</strong> gold comparisons" in html
    assert "1 of 1 active participant has fewer than 5 gold comparisons left" in html
    assert "brave-otter-042" in html and participant.username in html
    assert idle.handle not in html  # never served anything: not active


def test_a_large_gold_pool_gives_no_warning(owner):
    campaign = make_judgeable_campaign("golden", regular=1, gold=8, owner=owner)
    judge(make_participant(campaign), Comparison.objects.filter(campaign=campaign)[0])
    html = logged_in(owner).get(dashboard_url("golden")).content.decode()
    assert "Every active participant has at least 5 gold comparisons left" in html


def test_gold_left_counts_the_gold_each_participant_has_met(owner):
    campaign = make_judgeable_campaign("golden", regular=1, gold=8, owner=owner)
    busy = make_participant(campaign)
    for comparison in Comparison.objects.filter(campaign=campaign).exclude(gold_side="")[:4]:
        judge(busy, comparison)
    html = logged_in(owner).get(dashboard_url("golden")).content.decode()
    assert "1 of 1 active participant has fewer than 5 gold comparisons left" in html


def test_annotator_table_sorts_and_filters(owner, campaign, participant):
    slow = make_participant(campaign, handle="slow-snail-003")
    fast = make_participant(campaign, handle="fast-fox-009")
    make_snapshot(
        campaign,
        annotators=[
            Scored(participant, judgments=40),
            Scored(slow, judgments=10, median_seconds=60.0),
            Scored(fast, judgments=80, gold_correct=1, median_seconds=1.0, flags=("too_fast",)),
        ],
    )
    client = logged_in(owner)

    def handles(**query: str) -> list[str]:
        html = client.get(dashboard_url(**query)).content.decode()
        table = html[html.index('class="data annotators"') :]
        return re.findall(r'<th scope="row">([a-z0-9-]+)</th>', table)

    assert handles() == ["fast-fox-009", "brave-otter-042", "slow-snail-003"]  # most judgments
    assert handles(sort="handle") == ["brave-otter-042", "fast-fox-009", "slow-snail-003"]
    assert handles(sort="-median_seconds") == ["slow-snail-003", "brave-otter-042", "fast-fox-009"]
    assert handles(show="flagged") == ["fast-fox-009"]
    assert handles(show="untrusted") == ["fast-fox-009"]
    assert handles(q="OTTER") == ["brave-otter-042"]
    assert handles(q=slow.username) == ["slow-snail-003"]
    assert handles(sort="nonsense", show="bogus") == handles()
    html = client.get(dashboard_url(sort="handle")).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-handle' in html
    assert "too fast" in html and "untrusted" in html
    assert fast.username in html  # organisers see login names


def test_annotator_table_is_paged_keeping_the_sort_and_filter(
    owner, campaign, participant, monkeypatch
):
    monkeypatch.setattr(dashboard, "ANNOTATORS_PER_PAGE", 2)
    people = [participant, *(make_participant(campaign, handle=f"extra-{k}-00{k}") for k in (1, 2))]
    make_snapshot(
        campaign, annotators=[Scored(person, judgments=10 + k) for k, person in enumerate(people)]
    )
    client = logged_in(owner)

    first = client.get(dashboard_url(sort="handle")).content.decode()
    second = client.get(dashboard_url(sort="handle", annotators="2")).content.decode()

    assert "3 of 3 shown" in first and "Page 1 of 2" in first
    assert re.search(r'href="\?sort=handle[^"]*&amp;annotators=2#annotators"', first)
    assert re.findall(
        r'<th scope="row">([a-z0-9-]+)</th>', second[second.index('class="data annotators"') :]
    ) == ["extra-2-002"]
    assert "← Previous" in second


def test_without_a_snapshot_the_table_invites_a_recompute(owner, campaign):
    html = logged_in(owner).get(dashboard_url()).content.decode()
    assert "No scores yet" in html and "never" in html


def test_skip_reports_are_listed_newest_first_and_paginated(owner, campaign, participant):
    regular = list(Comparison.objects.filter(campaign=campaign).select_related("prompt"))
    people = [participant, *(make_participant(campaign) for _ in range(6))]
    for index, person in enumerate(people):
        for comparison in regular[:3]:
            serve(person, comparison, status="skipped", reason=f"Broken #{index}")
    client = logged_in(owner)
    html = client.get(dashboard_url()).content.decode()
    assert "Skip reports" in html and ">21</span>" in html
    assert regular[0].prompt.external_id in html
    assert "Page 1 of 2" in html and "skips=2" in html
    second = client.get(dashboard_url(skips="2")).content.decode()
    assert "Page 2 of 2" in second and "← Newer" in second


def test_the_winner_is_named_once_the_campaign_is_closed(owner, campaign, participant):
    runner_up = make_participant(campaign, handle="second-place-002")
    make_snapshot(
        campaign,
        annotators=[Scored(participant, judgments=90), Scored(runner_up, judgments=20)],
    )
    client = logged_in(owner)
    assert "Winner" not in client.get(dashboard_url()).content.decode()
    campaign.status = "closed"
    campaign.save(update_fields=["status"])
    html = client.get(dashboard_url()).content.decode()
    assert re.search(
        r'Winner</h2>\s*<ul class="plain">\s*<li><strong class="winner-handle">'
        r"brave-otter-042",
        html,
    )


def test_the_dashboard_costs_the_same_queries_for_more_annotators(owner, campaign):
    def queries_with(count: int) -> int:
        people = [make_participant(campaign) for _ in range(count)]
        for person in people:
            judge(person, Comparison.objects.filter(campaign=campaign, gold_side="a").first())
        make_snapshot(campaign, annotators=[Scored(person) for person in people])
        client = logged_in(owner)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(dashboard_url()).status_code == 200
        return len(captured)

    assert queries_with(2) == queries_with(20)


# --- scoring falling behind ---------------------------------------------------------------

BEHIND = 'data-notice="scoring-behind"'


def minutes_ago(minutes: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(minutes=minutes)


def test_the_dashboard_says_so_when_scoring_has_fallen_behind(owner, campaign, participant):
    # A worker that died (or a broker that is down) leaves judgments unscored for good.
    regular = list(Comparison.objects.filter(campaign=campaign, gold_side="").order_by("pk"))
    make_judgment(participant, regular[0], -1, created_at=minutes_ago(40))
    make_snapshot(campaign, judgments=1, computed_at=minutes_ago(35))
    for comparison in regular[1:3]:
        make_judgment(participant, comparison, 1, created_at=minutes_ago(30))

    html = logged_in(owner).get(dashboard_url()).content.decode()

    assert BEHIND in html
    assert "2 judgments are not in the scores yet, the oldest recorded 30" in html


def test_no_warning_while_scoring_keeps_up(owner, campaign, participant, settings):
    regular = list(Comparison.objects.filter(campaign=campaign, gold_side="").order_by("pk"))
    make_judgment(participant, regular[0], -1, created_at=minutes_ago(40))
    make_snapshot(campaign, judgments=1, computed_at=minutes_ago(35))
    client = logged_in(owner)
    assert BEHIND not in client.get(dashboard_url()).content.decode()  # all scored

    make_judgment(participant, regular[1], 1)  # just now: its run is still to come
    assert BEHIND not in client.get(dashboard_url()).content.decode()

    settings.SCORING_LAG_WARNING_SECONDS = 0
    assert BEHIND in client.get(dashboard_url()).content.decode()
