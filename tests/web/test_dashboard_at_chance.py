"""A trusted annotator whose regular answers agree at chance, from the scoring job to the
dashboard's annotator table: flagged "at chance", and their votes not counted."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from scoring.numerics.flags import AT_CHANCE, GOLD_SPOTTER
from scoring.snapshots import compute_snapshot
from tests.builders import CampaignBuilder, logged_in

pytestmark = pytest.mark.django_db

URL = reverse("scoring:dashboard", args=["chance"])


def lucky_always_left(owner) -> CampaignBuilder:
    """Four careful annotators (gold right, alpha preferred on 40 regular items) and one who
    gets 7 of 8 gold right (trusted) and otherwise presses the left button, alpha shown on
    the left half the time."""
    build = CampaignBuilder(("alpha", "beta"), slug="chance", owner=owner)
    golds = [build.comparison("alpha", "beta", gold="a") for _ in range(8)]
    regulars = [build.comparison("alpha", "beta") for _ in range(40)]
    for handle in ("careful-1", "careful-2", "careful-3", "careful-4", "left-1"):
        person = build.annotator(handle=handle)
        for k, comparison in enumerate(golds):
            build.judge(person, comparison, 1 if handle == "left-1" and k == 0 else -1 - k % 2)
        for k, comparison in enumerate(regulars):
            left = "a" if k % 2 else "b"
            careful = -1 - k % 2  # a, clearly or slightly: not one verdict always
            verdict = (-1 if left == "a" else 1) if handle == "left-1" else careful
            build.judge(person, comparison, verdict, left=left)
    return build


def test_a_lucky_always_left_annotator_is_shown_at_chance_and_not_counted(owner):
    snapshot = compute_snapshot(lucky_always_left(owner).campaign, rounds=10)

    rows = {row["handle"]: row for row in snapshot.annotators}
    assert rows["left-1"]["trusted"] is True and rows["left-1"]["accepted"] == 0
    assert AT_CHANCE in rows["left-1"]["flags"] and GOLD_SPOTTER not in rows["left-1"]["flags"]
    assert snapshot.stats["at_chance"] == 1 and snapshot.rated_judgments == 4 * 40
    html = logged_in(owner).get(URL + "?show=flagged").content.decode()
    table = html[html.index('class="data annotators"') :]
    assert re.findall(r'<th scope="row">([a-z0-9-]+)</th>', table) == ["left-1"]
    assert '<span class="badge warn">at chance</span>' in table
    # Trusted by gold, but the ratings leave their votes out: the standing says both.
    standing = table[table.index("left-1") :]
    assert ">trusted</span>" in standing and ">votes left out</span>" in standing


def test_the_standing_of_everyone_whose_votes_count_says_nothing_more(owner):
    compute_snapshot(lucky_always_left(owner).campaign, rounds=10)

    html = logged_in(owner).get(URL + "?show=all").content.decode()
    table = html[html.index('class="data annotators"') :]
    assert table.count(">votes left out</span>") == 1
