"""Skipping an item: each refusal in its words, and the item stays open, nothing recorded.

A skip is stored as "<label>: <detail>" within SKIP_REASON_MAX_CHARS; the page's detail box
holds what the longest label leaves, so any detail the page takes is kept.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from campaign import limits
from campaign.annotate.forms import SKIP_DETAIL_MAX_CHARS, SKIP_REASONS
from campaign.annotate.judging import skip_assignment
from campaign.exceptions import SkipReasonRequired, SkipReasonTooLong
from campaign.models import Assignment, Campaign
from tests.builders import make_judgeable_campaign
from tests.pages import current_key, fetch_headers

pytestmark = pytest.mark.django_db

LONGEST_LABEL_REASON = max(SKIP_REASONS, key=lambda reason: len(reason[1]))[0]


@pytest.fixture
def campaign() -> Campaign:
    return make_judgeable_campaign("arena", regular=3)


def skip(client, campaign: Campaign, key: str, data: dict[str, str]):
    url = reverse("campaign:skip", args=[campaign.slug, key])
    return client.post(url, data, **fetch_headers())


def served_key(client, campaign: Campaign) -> str:
    return current_key(
        client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    )


def nothing_skipped(key: str) -> bool:
    assignment = Assignment.objects.get(key=key)
    return assignment.status == "open" and assignment.skip_reason == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Say why you skip this item."),
        ({"reason": "other"}, "Tell us briefly what is wrong with this item."),
        ({"reason": "other", "detail": "   "}, "Tell us briefly what is wrong with this item."),
        ({"reason": "sheep"}, "Select a valid choice. sheep is not one of the available choices."),
        (
            {"reason": LONGEST_LABEL_REASON, "detail": "d" * (SKIP_DETAIL_MAX_CHARS + 1)},
            f"Ensure this value has at most {SKIP_DETAIL_MAX_CHARS} characters "
            f"(it has {SKIP_DETAIL_MAX_CHARS + 1}).",
        ),
    ],
    ids=["no-reason", "other-without-detail", "other-blank-detail", "unknown-reason", "long"],
)
def test_a_refused_skip_says_why_and_leaves_the_item_open(
    participant_client, campaign, data, message
):
    key = served_key(participant_client, campaign)

    response = skip(participant_client, campaign, key, data)

    assert response.status_code == 422
    assert escape(message) in response.content.decode()
    assert nothing_skipped(key)


def test_a_detail_as_long_as_the_page_allows_is_kept_under_the_longest_label(
    participant_client, campaign
):
    key = served_key(participant_client, campaign)
    detail = "d" * SKIP_DETAIL_MAX_CHARS

    response = skip(
        participant_client, campaign, key, {"reason": LONGEST_LABEL_REASON, "detail": detail}
    )

    assert response.status_code == 200
    skipped = Assignment.objects.get(key=key)
    assert skipped.status == "skipped" and skipped.skip_reason.endswith(": " + detail)
    assert len(skipped.skip_reason) == limits.SKIP_REASON_MAX_CHARS


@pytest.mark.parametrize(
    ("reason", "error", "message"),
    [
        ("x" * (limits.SKIP_REASON_MAX_CHARS + 1), SkipReasonTooLong,
         f"Keep the reason under {limits.SKIP_REASON_MAX_CHARS} characters."),
        ("  ", SkipReasonRequired, "Say briefly what is wrong with this item."),
    ],
)  # fmt: skip
def test_the_skip_service_refuses_a_bad_reason_in_these_words_and_records_nothing(
    participant, participant_client, campaign, reason, error, message
):
    key = served_key(participant_client, campaign)

    with pytest.raises(error) as refused:
        skip_assignment(annotator=participant, campaign=campaign, assignment_key=key, reason=reason)

    assert str(refused.value) == message
    assert nothing_skipped(key)
