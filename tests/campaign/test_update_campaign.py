"""update_campaign_settings: the one way a campaign's settings change (the API's PATCH)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from campaign.exceptions import InvalidCampaignSettings
from campaign.models import Campaign
from campaign.services import create_campaign, update_campaign_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="spring", title="Spring")


def test_given_settings_change_and_the_rest_stay(campaign):
    update_campaign_settings(campaign=campaign, changes={"gold_rate": 0.25, "title": "Summer"})
    campaign.refresh_from_db()
    assert (campaign.gold_rate, campaign.title, campaign.lease_minutes) == (0.25, "Summer", 15)


def test_a_value_the_model_refuses_names_the_field_and_changes_nothing(campaign):
    with pytest.raises(InvalidCampaignSettings, match="min_gold_accuracy") as refusal:
        update_campaign_settings(
            campaign=campaign, changes={"title": "Summer", "min_gold_accuracy": 1.5}
        )
    assert set(refusal.value.fields) == {"min_gold_accuracy"}
    campaign.refresh_from_db()
    assert campaign.title == "Spring"


@pytest.mark.parametrize("name", ["status", "slug", "owner", "no_such_setting"])
def test_status_slug_and_unknown_names_are_not_settings(campaign, name):
    with pytest.raises(InvalidCampaignSettings, match=name):
        update_campaign_settings(campaign=campaign, changes={name: "x"})


def test_dates_are_changeable(campaign):
    ends = timezone.now() + datetime.timedelta(days=3)
    update_campaign_settings(campaign=campaign, changes={"ends_at": ends})
    campaign.refresh_from_db()
    assert campaign.ends_at == ends


@pytest.mark.parametrize("name", ["guidelines", "description", "title", "gold_rate"])
def test_null_for_a_setting_that_cannot_be_empty_is_refused_naming_it(campaign, name):
    # full_clean passes None for a blank-able text; the NOT NULL column would then fail.
    with pytest.raises(InvalidCampaignSettings, match=name) as refusal:
        update_campaign_settings(campaign=campaign, changes={name: None})
    assert set(refusal.value.fields) == {name}


def test_create_refuses_null_text_too():
    with pytest.raises(InvalidCampaignSettings, match="guidelines"):
        create_campaign(slug="autumn", title="Autumn", guidelines=None)


def test_nullable_settings_may_be_cleared(campaign):
    update_campaign_settings(campaign=campaign, changes={"pairs_per_prompt": 2})
    update_campaign_settings(campaign=campaign, changes={"pairs_per_prompt": None})
    campaign.refresh_from_db()
    assert campaign.pairs_per_prompt is None
