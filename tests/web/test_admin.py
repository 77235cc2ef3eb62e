"""The admin: the work records are there to read, never to edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.builders import logged_in, make_comparisons, make_organiser

pytestmark = pytest.mark.django_db

RECORDS = [
    ("campaign", "judgment"),
    ("campaign", "assignment"),
    ("campaign", "enrollment"),
    ("scoring", "snapshot"),
]


@pytest.fixture
def admin_client(db):
    return logged_in(make_organiser(is_superuser=True))


def test_the_index_lists_the_records_and_one_accounts_section(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    for app, model in RECORDS:
        assert reverse(f"admin:{app}_{model}_changelist") in html
    assert html.count(">Accounts<") == 1


@pytest.mark.parametrize(("app", "model"), RECORDS)
def test_records_are_listed_with_filters_but_cannot_be_added(admin_client, campaign, app, model):
    listing = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert listing.status_code == 200 and 'id="changelist-filter"' in listing.content.decode()
    assert admin_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 403


def test_a_stored_comparison_shows_its_campaign_without_a_field_to_change_it(
    admin_client, campaign
):
    comparison = make_comparisons(campaign, 1)[0]
    page = admin_client.get(reverse("admin:campaign_comparison_change", args=[comparison.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="campaign"' not in html and campaign.title in html
    assert (
        'name="campaign"'
        in admin_client.get(reverse("admin:campaign_comparison_add")).content.decode()
    )
