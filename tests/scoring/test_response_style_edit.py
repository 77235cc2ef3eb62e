"""A response's style counts follow an edit of its text (scoring migration 0008)."""

from __future__ import annotations

import pytest

from campaign.models import Response
from scoring.models import ResponseStyle, Snapshot
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


def style_of(response: Response) -> tuple[int, int, int, int]:
    row = ResponseStyle.objects.get(response=response)
    return (row.length, row.headers, row.lists, row.bold)


def test_an_edited_text_is_counted_again() -> None:
    build = CampaignBuilder(("alpha", "beta"))
    comparison = build.comparison("alpha", "beta")
    people = [build.annotator() for _ in range(3)]
    for person in people:
        build.judge(person, comparison, -1)
    assert compute_snapshot(build.campaign, rounds=20) is not None
    response = Response.objects.get(pk=comparison.response_a_id)
    before = style_of(response)

    response.text = "# A header\n\n- one\n- two\n\n**bold** and much longer than before " * 3
    response.save(update_fields=["text"])

    assert not ResponseStyle.objects.filter(response=response).exists()
    Snapshot.objects.filter(campaign=build.campaign).delete()
    assert compute_snapshot(build.campaign, rounds=20, full=True) is not None
    after = style_of(response)
    assert after != before
    # One header (the repeats start mid-line), six list items, three bold spans.
    assert after[1:] == (1, 6, 3)


def test_saving_the_same_text_keeps_the_counts() -> None:
    build = CampaignBuilder(("alpha", "beta"))
    comparison = build.comparison("alpha", "beta")
    build.judge(build.annotator(), comparison, 1)
    compute_snapshot(build.campaign, rounds=20)
    response = Response.objects.get(pk=comparison.response_b_id)

    response.save(update_fields=["text"])

    assert ResponseStyle.objects.filter(response=response).exists()
