"""load_demo builds the PandaLM campaign from the bundled data, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from campaign.models import Campaign, Comparison, Contender

pytestmark = pytest.mark.django_db


def test_load_demo_twice_creates_the_campaign_once(capsys):
    call_command("load_demo")
    call_command("load_demo")

    campaign = Campaign.objects.get(slug="pandalm")
    assert campaign.status == Campaign.Status.OPEN
    assert Comparison.objects.filter(campaign=campaign).count() == 999
    gold = Comparison.objects.filter(campaign=campaign).exclude(gold_side="")
    assert 24 <= gold.count() <= 60
    assert set(Contender.objects.filter(campaign=campaign).values_list("name", flat=True)) == {
        "llama-7b",
        "bloom-7b",
        "cerebras-gpt-6.7B",
        "opt-7b",
        "pythia-6.9b",
    }
    output = capsys.readouterr().out
    assert "Created demo campaign 'pandalm'" in output
    assert "Kept demo campaign 'pandalm'" in output
