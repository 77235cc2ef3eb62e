"""The organiser's preview of the annotate page: participants' view, nothing recorded, no gold."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campaign.models import Assignment, Comparison, Enrollment, Judgment
from tests.builders import logged_in, make_judgeable_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("prev", regular=3, gold=2, owner=owner)


def preview_url() -> str:
    return reverse("campaign:preview", args=["prev"])


@pytest.mark.parametrize("who", ["owner", "teammate"])
def test_organisers_see_a_regular_item_with_the_scale(request, who, campaign):
    html = logged_in(request.getfixturevalue(who)).get(preview_url()).content.decode()

    assert "nothing you choose, write or skip here is recorded" in html.lower()
    regular_prompts = set(
        Comparison.objects.filter(campaign=campaign, gold_side="").values_list(
            "prompt__text", flat=True
        )
    )
    assert any(prompt in html for prompt in regular_prompts)
    assert 'name="choice"' in html
    assert f'action="{preview_url()}"' in html
    assert "data-annotate-form" not in html  # the participants' script is not in play


def test_a_preview_never_shows_gold(owner, campaign):
    gold_prompts = list(
        Comparison.objects.filter(campaign=campaign)
        .exclude(gold_side="")
        .values_list("prompt__text", flat=True)
    )
    client = logged_in(owner)
    pages = [client.get(preview_url()).content.decode() for _ in range(12)]

    assert not any(prompt in page for page in pages for prompt in gold_prompts)


def test_posting_a_verdict_records_nothing_and_says_so(owner, campaign):
    client = logged_in(owner)

    response = client.post(preview_url(), {"choice": "-1", "rationale": "x"}, follow=True)

    assert response.redirect_chain[-1][0] == preview_url()
    assert "nothing was recorded" in response.content.decode()
    assert not Judgment.objects.exists() and not Assignment.objects.exists()
    assert not Enrollment.objects.filter(user=owner).exists()


@pytest.mark.parametrize("who", ["participant", "stranger"])
def test_participants_and_strangers_get_a_404(request, who, campaign):
    assert logged_in(request.getfixturevalue(who)).get(preview_url()).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(campaign):
    response = Client().get(preview_url())

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_campaign_without_regular_items_says_what_to_do(owner):
    make_judgeable_campaign("empty", regular=0, gold=1, owner=owner)

    html = logged_in(owner).get(reverse("campaign:preview", args=["empty"])).content.decode()

    assert "Nothing to preview yet" in html
