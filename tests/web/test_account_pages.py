"""allauth's pages and the entry pages, in the product's words and frame."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campaign.models import Campaign
from tests.builders import logged_in, make_judgeable_campaign

pytestmark = pytest.mark.django_db


def test_login_offers_sign_up_only_while_a_campaign_takes_sign_ups(campaign):
    signup = reverse("account_signup")
    assert signup not in Client().get(reverse("account_login")).content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(allow_signup=True)
    assert signup in Client().get(reverse("account_login")).content.decode()


def test_sign_up_closed_is_explained_in_the_products_frame(campaign):
    html = Client().get(reverse("account_signup")).content.decode()
    assert "Sign-up is closed" in html and 'class="auth-page"' in html
    assert reverse("account_login") in html


def test_log_out_says_log_out(participant_client):
    html = participant_client.get(reverse("account_logout")).content.decode()
    assert "Log out" in html and "Sign Out" not in html and 'class="auth-page"' in html


def test_password_reset_is_in_the_products_frame(db):
    html = Client().get(reverse("account_reset_password")).content.decode()
    assert 'class="auth-page"' in html and 'type="email"' in html
    assert (
        reverse("account_reset_password") in Client().get(reverse("account_login")).content.decode()
    )


def test_a_campaign_without_guidelines_shows_the_default_ones_not_an_empty_heading(owner):
    campaign = make_judgeable_campaign("bare", owner=owner, guidelines="")
    html = Client().get(reverse("campaign:detail", args=[campaign.slug])).content.decode()
    section = html[html.index('id="guidelines"') :]
    assert "Length alone is not quality" in section


def test_an_organiser_opening_annotate_is_sent_to_the_dashboard(owner, campaign):
    response = logged_in(owner).get(reverse("campaign:annotate", args=[campaign.slug]))
    html = response.content.decode()
    assert response.status_code == 403
    assert reverse("scoring:dashboard", args=[campaign.slug]) in html
    assert "organiser gave you" not in html


def test_a_stranger_opening_annotate_is_told_to_use_their_organisers_account(
    stranger_client, campaign
):
    html = stranger_client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    assert "organiser gave you" in html
