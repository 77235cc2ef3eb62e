"""The attacker of issue 10: judge one item, read everything, and try to tell gold apart.

A participant judges the items of an open campaign one at a time, the campaign is scored
right after each judgment (as a busy worker would), and then they read everything a
participant or an anonymous viewer can: the leaderboard page, its JSON and CSV, their
progress page, the annotate step's answer (the next item or a refusal) and the number of
statements their request cost. Gold stays secret (PRODUCT.md "Exports") when all of that
changes only at positions the attacker knows in advance, whatever the items were: their
every STANDING_STEP-th judgment and the campaign's public steps.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from campaign.exceptions import ParticipationBlocked
from campaign.models import Assignment
from campaign.participants.trust import STANDING_STEP
from campaign.rendered_texts import fill_rendered_html
from scoring.publication import PUBLIC_STEP
from scoring.snapshots import compute_snapshot
from tests.builders import logged_in, make_judgeable_campaign, make_participant
from tests.pages import current_key, fetch_headers

pytestmark = pytest.mark.django_db

ITEMS = PUBLIC_STEP + STANDING_STEP


def known_in_advance(position: int) -> bool:
    """Positions where a change is no news: a step of the participant's, a public step."""
    return position % STANDING_STEP == 0 or position // PUBLIC_STEP > (position - 1) // PUBLIC_STEP


def normalised(html: str) -> str:
    """The answer with what differs on every item anyway (keys, texts, counts) blanked."""
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "KEY", html)
    html = re.sub(r"(Alpha|Omega) answer", "ANSWER", html)
    return re.sub(r"\d+", "N", html)


def without_own_counts(html: str) -> str:
    """A page without its CSRF token and the participant's own judged count (which they know)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r"(Start|Continue) annotating", "ANNOTATE", html)
    return re.sub(r'data-stat="judged">\d+<', "JUDGED", html)


def everything_readable(campaign, attacker: Client) -> dict[str, str]:
    reads = {}
    for who, client in (("anonymous", Client()), ("participant", attacker)):
        for name in ("leaderboard", "leaderboard_json", "leaderboard_csv"):
            response = client.get(reverse(f"scoring:{name}", args=[campaign.slug]))
            body = b"".join(response.streaming_content) if response.streaming else response.content
            reads[f"{who} {name}"] = f"{response.status_code} {without_own_counts(body.decode())}"
    progress = attacker.get(reverse("scoring:progress", args=[campaign.slug]))
    reads["my progress"] = without_own_counts(progress.content.decode())
    return reads


# "stored": every text's HTML rendered beforehand, as after an import; "on request": none
# yet, so each request renders its item's texts (campaign.rendered_texts).
@pytest.mark.parametrize(
    ("gold_answers", "html"), [("right", "stored"), ("wrong", "stored"), ("right", "on request")]
)
def test_nothing_a_participant_reads_tells_a_gold_item_from_a_regular_one(gold_answers, html):
    campaign = make_judgeable_campaign(
        "probe",
        regular=ITEMS,
        gold=40,
        gold_rate=0.3,
        qualification_gold=3,
        min_gold_seen=3,
        block_untrusted=True,
    )
    if html == "stored":
        fill_rendered_html(campaign.pk)
    participant = make_participant(campaign)
    attacker = logged_in(participant)
    key = current_key(
        attacker.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    )
    before = everything_readable(campaign, attacker)
    changes: dict[int, set[str]] = {}
    answers: dict[int, str] = {}
    statements: dict[int, int] = {}
    kinds: dict[int, bool] = {}
    for position in range(1, ITEMS + 1):
        served = Assignment.objects.select_related("comparison").get(key=key)
        kinds[position] = served.is_gold
        choice = -1  # "left better", on regular items
        if served.is_gold:
            right_is_left = served.comparison.gold_side == served.left_side
            choice = -1 if right_is_left == (gold_answers == "right") else 1
        with CaptureQueriesContext(connection) as captured:
            answer = attacker.post(
                reverse("campaign:judge", args=[campaign.slug, key]),
                {"choice": str(choice)},
                **fetch_headers(),
            ).content.decode()
        statements[position] = len(captured)
        answers[position] = normalised(without_own_counts(answer))
        compute_snapshot(campaign, rounds=5)
        after = everything_readable(campaign, attacker)
        changes[position] = {name for name in after if after[name] != before[name]}
        before = after
        if "/judge/" not in answer:
            break
        key = current_key(answer)

    judged = sorted(changes)
    assert {kinds[p] for p in judged if not known_in_advance(p)} == {True, False}
    # Pages, downloads and progress change only at positions known in advance.
    assert {p: changes[p] for p in judged if changes[p] and not known_in_advance(p)} == {}
    # Every answer is the same page but for its item, except a refusal at a known position.
    ordinary = {answers[p] for p in judged if not known_in_advance(p)}
    assert len(ordinary) == 1
    refusal = normalised(escape(str(ParticipationBlocked())))
    refused = [p for p in judged if refusal in answers[p]]
    if gold_answers == "wrong":
        assert refused and all(known_in_advance(p) for p in refused)
    else:
        assert refused == [] and len(judged) == ITEMS
    # Each request costs the same statements, but at a step of the participant's own (on
    # PostgreSQL: the SQLite demo's pick takes the fewest statements each case needs).
    if connection.vendor == "postgresql":
        assert len({statements[p] for p in judged if p % STANDING_STEP}) == 1
