"""The settings refusals the form, the command and the API share (README "From the browser":
"a refusal reads the same and lands on its field"), in their words, with nothing changed."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from campaign.exceptions import InvalidCampaignSettings
from campaign.models import Campaign
from campaign.services import create_campaign, update_campaign_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="spring", title="Spring")


def stored(campaign: Campaign) -> dict:
    return model_to_dict(Campaign.objects.get(pk=campaign.pk))


def test_a_change_to_the_slug_or_status_is_refused_naming_both_and_changes_nothing(campaign):
    before = stored(campaign)

    with pytest.raises(InvalidCampaignSettings) as refusal:
        update_campaign_settings(
            campaign=campaign, changes={"title": "Summer", "status": "open", "slug": "summer"}
        )

    assert str(refusal.value) == "Settings that cannot be changed: slug, status."
    assert stored(campaign) == before


def test_null_for_a_not_null_setting_is_refused_on_its_field_and_changes_nothing(campaign):
    before = stored(campaign)

    with pytest.raises(InvalidCampaignSettings) as refusal:
        update_campaign_settings(campaign=campaign, changes={"title": "Summer", "gold_rate": None})

    assert str(refusal.value) == "gold_rate: This setting cannot be null."
    assert refusal.value.fields == {"gold_rate": ["This setting cannot be null."]}
    assert stored(campaign) == before


def test_a_floor_above_the_cap_is_refused_on_the_floor_in_these_words(campaign):
    before = stored(campaign)
    message = "The floor cannot exceed judgments_per_comparison (2)."

    with pytest.raises(InvalidCampaignSettings) as refusal:
        update_campaign_settings(
            campaign=campaign,
            changes={"judgments_per_comparison": 2, "min_judgments_per_comparison": 3},
        )

    assert refusal.value.fields == {"min_judgments_per_comparison": [message]}
    assert stored(campaign) == before


def test_an_existing_slug_is_refused_on_its_field_and_the_first_campaign_stays(campaign):
    before = stored(campaign)

    with pytest.raises(InvalidCampaignSettings) as refusal:
        create_campaign(slug="spring", title="Another spring")

    assert refusal.value.fields == {"slug": ["Campaign with this Slug already exists."]}
    assert Campaign.objects.count() == 1 and stored(campaign) == before
