"""load_demo builds the PandaLM campaigns and demo accounts from the bundled data, once.

The demo is loaded once for the module (``first_load``, inside a transaction rolled back at
the module's end); each test runs in a savepoint within it, so what one test writes (a second
load) is gone before the next.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from campaign.demo.loader import EMPTY_RESPONSE, pandalm_items, read_pandalm
from campaign.models import (
    Campaign,
    Comparison,
    Contender,
    Enrollment,
    Judgment,
    Prompt,
    Response,
)
from scoring.models import Snapshot

pytestmark = pytest.mark.django_db

PANDALM_MODELS = {"llama-7b", "bloom-7b", "cerebras-gpt-6.7B", "opt-7b", "pythia-6.9b"}


@pytest.fixture(scope="module")
def first_load(django_db_setup, django_db_blocker) -> Iterator[str]:
    """load_demo run once on the empty test database; what it printed."""
    with django_db_blocker.unblock(), transaction.atomic():
        printed = io.StringIO()
        call_command("load_demo", stdout=printed)
        yield printed.getvalue()
        transaction.set_rollback(True)


def test_load_demo_twice_creates_everything_once(first_load):
    again = io.StringIO()
    call_command("load_demo", stdout=again)

    campaign = Campaign.objects.get(slug="pandalm")
    assert campaign.status == Campaign.Status.OPEN
    assert Comparison.objects.filter(campaign=campaign).count() == 999
    gold = Comparison.objects.filter(campaign=campaign).exclude(gold_side="")
    assert 24 <= gold.count() <= 60
    names = Contender.objects.filter(campaign=campaign).values_list("name", flat=True)
    assert set(names) == PANDALM_MODELS
    human = Campaign.objects.get(slug="pandalm-human")
    assert human.status == Campaign.Status.CLOSED
    assert Judgment.objects.filter(campaign=human).count() == 2997
    assert "Created demo campaign 'pandalm'" in first_load
    assert "Kept demo campaign 'pandalm'" in again.getvalue()
    # Both demo campaigns are scored by the first run; the second finds nothing new.
    assert Snapshot.objects.filter(campaign=campaign).count() == 1
    [scored] = Snapshot.objects.filter(campaign=human)
    best = scored.contenders[0]
    assert (best["name"], best["rank"]) == ("llama-7b", 1)
    # No gold and default settings: nobody is vetted and every verdict counts.
    assert human.min_gold_seen == 5 and scored.rated_judgments == 2997
    assert scored.stats["vetted"] is False
    # Every text is rendered before the command ends (its render thread would die with it).
    assert not Prompt.objects.filter(html__isnull=True).exists()
    assert not Response.objects.filter(html__isnull=True).exists()


def test_load_demo_prints_working_logins_for_an_organiser_and_participants(first_load):
    logins = [
        line.split()
        for line in first_load.splitlines()
        if line.startswith("  organiser") or line.startswith("  participant")
    ]
    assert [role for role, _username, _password in logins] == ["organiser"] + ["participant"] * 3
    for role, username, password in logins:
        user = authenticate(username=username, password=password)
        assert user is not None
        assert user.is_staff == (role == "organiser")
    demo1 = User.objects.get(username="demo1")
    assert Enrollment.objects.filter(user=demo1, campaign__slug="pandalm").exists()


def test_demo_texts_carry_no_placeholder_tokens_and_no_gold_has_an_empty_side():
    items = pandalm_items(read_pandalm())
    for item in items:
        for text in (item["prompt"], item["a"]["text"], item["b"]["text"]):
            assert (
                "<noinput>" not in text and "<nooutput>" not in text and "<no-output>" not in text
            )
        if item.get("gold"):
            assert EMPTY_RESPONSE not in (item["a"]["text"], item["b"]["text"])
    assert sum(1 for item in items if item.get("gold")) >= 24


def test_load_demo_tells_a_newcomer_how_to_see_their_votes_count_and_where_the_dashboard_is(
    first_load,
):
    output = first_load
    assert "http://127.0.0.1:8000/c/pandalm/organise/" in output
    assert "Your votes count once you have qualified: about 30 judgments" in output
    assert "for the admin" not in output
