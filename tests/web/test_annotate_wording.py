"""The annotate page's words: Top/Bottom for stacked cards, the milestone and the qualifying
note (on the page, never in an item's fragment: the standing moves only per step)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaign.annotate.views import stacked_wording
from tests.builders import logged_in, make_judgeable_campaign, make_participant
from tests.pages import current_key, fetch_headers

pytestmark = pytest.mark.django_db


def test_stacked_wording_says_top_and_bottom():
    assert stacked_wording("Left much better") == "Top much better"
    assert stacked_wording("Right better") == "Bottom better"
    assert stacked_wording("Tie") == "Tie"


def test_each_choice_has_a_top_bottom_label_for_narrow_screens(participant_client, campaign):
    html = participant_client.get(reverse("campaign:annotate", args=[campaign.slug])).content
    html = html.decode()
    assert '<span class="narrow-only">Top much better</span>' in html
    assert "Bottom · response 2" in html
    assert "next milestone 10" in html and "no quota" in html


def test_the_qualifying_note_is_on_the_page_only_while_checks_are_to_come():
    checked = make_judgeable_campaign("checked", regular=4, gold=2, qualification_gold=1)
    client = logged_in(make_participant(checked))
    page = client.get(reverse("campaign:annotate", args=[checked.slug])).content.decode()
    assert "Qualifying:" in page
    key = current_key(page)
    fragment = client.post(
        reverse("campaign:judge", args=[checked.slug, key]), {"choice": "-1"}, **fetch_headers()
    ).content.decode()
    assert "Qualifying:" not in fragment

    unchecked = make_judgeable_campaign("unchecked", regular=2)  # no gold is ever served
    client = logged_in(make_participant(unchecked))
    page = client.get(reverse("campaign:annotate", args=[unchecked.slug])).content.decode()
    assert "Qualifying:" not in page
