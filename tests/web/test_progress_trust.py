"""My progress tells a participant their standing on the checks: the state only, never items.

The state comes from the latest snapshot, so it changes with scoring runs, not right after a
check was answered (which would tell the participant that the item was one).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaign.models import Comparison
from tests.builders import (
    Scored,
    judge,
    logged_in,
    make_judgeable_campaign,
    make_participant,
    make_snapshot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return make_judgeable_campaign("trusty", regular=2, gold=6)


def progress_page(user, campaign) -> str:
    response = logged_in(user).get(reverse("scoring:progress", args=[campaign.slug]))
    assert response.status_code == 200
    return response.content.decode()


def trust_section(html: str) -> str:
    start = html.index('<section class="card trust')
    return html[start : html.index("</section>", start)]


def answer_gold(user, campaign, *, right: int, wrong: int) -> None:
    gold = list(Comparison.objects.filter(campaign=campaign, gold_side="a").order_by("pk"))
    for comparison in gold[:right]:
        judge(user, comparison, verdict=-2)
    for comparison in gold[right : right + wrong]:
        judge(user, comparison, verdict=1)


def test_before_any_scoring_run_a_participant_is_qualifying(campaign):
    html = progress_page(make_participant(campaign), campaign)
    assert 'data-trust="qualifying"' in html
    assert "last scored" not in html


def test_too_few_scored_checks_still_qualifying(campaign):
    participant = make_participant(campaign)
    make_snapshot(campaign, annotators=[Scored(participant, gold_seen=3, gold_correct=3)])
    assert 'data-trust="qualifying"' in progress_page(participant, campaign)


def test_enough_good_answers_in_the_snapshot_make_a_participant_trusted(campaign):
    participant = make_participant(campaign)
    make_snapshot(campaign, annotators=[Scored(participant, gold_seen=6, gold_correct=5)])
    html = progress_page(participant, campaign)
    assert 'data-trust="trusted"' in html
    assert "your votes count" in html and "last scored" in html


def test_too_many_wrong_answers_leave_a_participant_untrusted(campaign):
    participant = make_participant(campaign)
    make_snapshot(campaign, annotators=[Scored(participant, gold_seen=6, gold_correct=2)])
    html = progress_page(participant, campaign)
    assert 'data-trust="untrusted"' in html
    assert "your votes do not count" in html


def test_answering_a_check_changes_nothing_until_the_next_scoring_run(campaign):
    participant = make_participant(campaign)
    make_snapshot(campaign, annotators=[Scored(participant, gold_seen=5, gold_correct=5)])
    before = trust_section(progress_page(participant, campaign))
    answer_gold(participant, campaign, right=0, wrong=1)
    after = trust_section(progress_page(participant, campaign))
    assert 'data-trust="trusted"' in before
    assert after == before


def test_the_page_never_names_gold_or_a_checked_item_nor_counts_checks(campaign):
    participant = make_participant(campaign)
    answer_gold(participant, campaign, right=5, wrong=1)
    make_snapshot(campaign, annotators=[Scored(participant, gold_seen=6, gold_correct=5)])
    html = progress_page(participant, campaign).lower()
    assert "gold" not in html
    assert "accuracy" not in html and "checks answered" not in html
    for comparison in Comparison.objects.filter(campaign=campaign).select_related("prompt"):
        assert comparison.prompt.external_id.lower() not in html
        assert comparison.prompt.text.lower() not in html
