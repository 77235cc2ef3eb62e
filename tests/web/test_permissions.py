"""Who may open what: an organiser, a participant of the campaign, and a stranger who takes part
in another campaign (healthchecks' owner / teammate / stranger), plus anonymous visitors."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from campaign.models import Assignment, Enrollment, Judgment
from tests.builders import logged_in, make_judgeable_campaign, make_participant
from tests.pages import current_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("ours", regular=4, owner=owner)


@pytest.fixture
def participant_key(participant, campaign) -> str:
    html = logged_in(participant).get(reverse("campaign:annotate", args=["ours"])).content
    return current_key(html.decode())


def test_stranger_cannot_open_another_campaigns_items(stranger, participant_key):
    client = logged_in(stranger)
    for name in ("campaign:annotate", "scoring:progress"):
        response = client.get(reverse(name, args=["ours"]))
        assert response.status_code == 403
        body = response.content.decode()
        assert "Question number" not in body and "Alpha answer" not in body
    assert not Assignment.objects.filter(annotator=stranger).exists()


def test_stranger_cannot_judge_or_skip_someone_elses_lease(stranger, participant_key):
    client = logged_in(stranger)
    # Through the campaign it belongs to, and through the stranger's own campaign.
    for slug in ("ours", "theirs"):
        judge = client.post(
            reverse("campaign:judge", args=[slug, participant_key]), {"choice": "1"}
        )
        skip = client.post(
            reverse("campaign:skip", args=[slug, participant_key]), {"reason": "broken"}
        )
        assert judge.status_code == 404 and skip.status_code == 404
    assert not Judgment.objects.exists()
    assert Assignment.objects.get(key=participant_key).status == "open"


def test_a_fellow_participant_cannot_use_someone_elses_lease(campaign, participant_key):
    fellow = logged_in(make_participant(campaign))
    response = fellow.post(
        reverse("campaign:judge", args=["ours", participant_key]), {"choice": "1"}
    )
    assert response.status_code == 404
    assert not Judgment.objects.exists()


def test_an_unknown_key_is_a_404(participant):
    client = logged_in(participant)
    key = "00000000-0000-4000-8000-000000000000"
    assert (
        client.post(reverse("campaign:judge", args=["ours", key]), {"choice": "1"}).status_code
        == 404
    )


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_only_organisers_reach_the_provisioning_page(request, who):
    client = logged_in(request.getfixturevalue(who))
    url = reverse("campaign:provision", args=["ours"])
    users_before = User.objects.count()
    assert client.get(url).status_code == 404
    assert client.post(url, {"count": "2"}).status_code == 404
    assert User.objects.count() == users_before


def test_owner_and_staff_reach_the_provisioning_page(owner, teammate, campaign):
    url = reverse("campaign:provision", args=["ours"])
    assert logged_in(owner).get(url).status_code == 200
    assert logged_in(teammate).get(url).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(campaign, participant_key):
    client = Client()
    urls = [
        reverse("campaign:annotate", args=["ours"]),
        reverse("scoring:progress", args=["ours"]),
        reverse("campaign:provision", args=["ours"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for name in ("judge", "skip"):
        response = client.post(reverse(f"campaign:{name}", args=["ours", participant_key]))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Judgment.objects.exists()


def test_a_draft_campaign_is_a_404_for_its_participants(campaign, participant):
    campaign.status = "draft"
    campaign.save(update_fields=["status"])
    client = logged_in(participant)
    assert client.get(reverse("campaign:annotate", args=["ours"])).status_code == 404
    assert client.get(reverse("campaign:detail", args=["ours"])).status_code == 404


def test_detail_page_offers_start_only_where_signup_is_allowed(campaign, stranger):
    client = logged_in(stranger)
    html = client.get(reverse("campaign:detail", args=["ours"])).content.decode()
    assert reverse("campaign:start", args=["ours"]) not in html
    response = client.post(reverse("campaign:start", args=["ours"]))
    assert response.status_code == 302
    assert not Enrollment.objects.filter(user=stranger, campaign=campaign).exists()

    campaign.allow_signup = True
    campaign.save(update_fields=["allow_signup"])
    html = client.get(reverse("campaign:detail", args=["ours"])).content.decode()
    assert reverse("campaign:start", args=["ours"]) in html
    response = client.post(reverse("campaign:start", args=["ours"]))
    assert response["Location"] == reverse("campaign:annotate", args=["ours"])
    assert Enrollment.objects.filter(user=stranger, campaign=campaign).exists()


def test_detail_page_invites_participants_to_continue(participant):
    html = logged_in(participant).get(reverse("campaign:detail", args=["ours"])).content.decode()
    assert "Continue annotating" in html
    assert reverse("campaign:provision", args=["ours"]) not in html


def test_detail_page_links_organisers_to_provisioning(owner, campaign):
    html = logged_in(owner).get(reverse("campaign:detail", args=["ours"])).content.decode()
    assert reverse("campaign:provision", args=["ours"]) in html


def test_login_page_is_the_products(client):
    html = Client().get("/accounts/login/").content.decode()
    assert 'class="brand"' in html and "Log in" in html and 'name="login"' in html


def test_a_login_redirect_to_a_form_action_lands_on_the_annotate_page(participant, participant_key):
    client = logged_in(participant)
    for name in ("judge", "skip"):
        response = client.get(reverse(f"campaign:{name}", args=["ours", participant_key]))
        assert response.status_code == 302
        assert response["Location"] == reverse("campaign:annotate", args=["ours"])
    assert Assignment.objects.get(key=participant_key).status == "open"
