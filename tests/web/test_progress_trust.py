"""My progress tells a participant their standing on the checks: the state only, never items.

The standing is worked out again once per STANDING_STEP of the participant's judgments
(campaign.participants.trust.settle_standing), so answering one check changes nothing that
page shows until the step is complete (which would tell the participant the item was one).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaign.models import Comparison
from campaign.participants.trust import STANDING_STEP
from tests.builders import (
    logged_in,
    make_judgeable_campaign,
    make_participant,
    work_through,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    # Every item is gold while any is left (gold_rate 1), then regular ones.
    return make_judgeable_campaign("trusty", regular=3 * STANDING_STEP, gold=6, gold_rate=1.0)


def progress_page(user, campaign) -> str:
    response = logged_in(user).get(reverse("scoring:progress", args=[campaign.slug]))
    assert response.status_code == 200
    return response.content.decode()


def trust_section(html: str) -> str:
    start = html.index('<section class="card trust')
    return html[start : html.index("</section>", start)]


def test_before_a_first_step_of_judgments_a_participant_is_qualifying(campaign):
    participant = make_participant(campaign)
    assert 'data-trust="qualifying"' in progress_page(participant, campaign)
    work_through(participant, campaign, items=STANDING_STEP - 1)
    assert 'data-trust="qualifying"' in progress_page(participant, campaign)


def test_a_step_of_good_answers_makes_a_participant_trusted(campaign):
    participant = make_participant(campaign)
    work_through(participant, campaign, items=STANDING_STEP)
    html = progress_page(participant, campaign)
    assert 'data-trust="trusted"' in html
    assert "your votes count" in html


def test_a_step_of_wrong_answers_leaves_a_participant_untrusted(campaign):
    participant = make_participant(campaign)
    work_through(participant, campaign, items=STANDING_STEP, gold_right=False)
    html = progress_page(participant, campaign)
    assert 'data-trust="untrusted"' in html
    assert "your votes do not count" in html


def test_answering_checks_changes_nothing_until_the_step_is_complete():
    campaign = make_judgeable_campaign(regular=3 * STANDING_STEP, gold=16, gold_rate=1.0)
    participant = make_participant(campaign)
    work_through(participant, campaign, items=STANDING_STEP)
    before = trust_section(progress_page(participant, campaign))
    for _ in range(STANDING_STEP - 1):  # six wrong checks, then regular items
        work_through(participant, campaign, items=1, gold_right=False)
        assert trust_section(progress_page(participant, campaign)) == before
    work_through(participant, campaign, items=1, gold_right=False)
    assert 'data-trust="trusted"' in before
    assert 'data-trust="untrusted"' in progress_page(participant, campaign)


def test_the_page_never_names_gold_or_a_checked_item_nor_counts_checks(campaign):
    participant = make_participant(campaign)
    work_through(participant, campaign, items=STANDING_STEP)
    html = progress_page(participant, campaign).lower()
    assert "gold" not in html
    assert "accuracy" not in html and "checks answered" not in html
    for comparison in Comparison.objects.filter(campaign=campaign).select_related("prompt"):
        assert comparison.prompt.external_id.lower() not in html
        assert comparison.prompt.text.lower() not in html
