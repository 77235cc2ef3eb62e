"""score_campaign --wait: a run still holding the lock when the wait is over makes the command
refuse, as without --wait, and store nothing (README "Scoring jobs")."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from scoring.jobs import campaign_lock
from scoring.models import Snapshot
from tests.scoring.test_commands import campaign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scoring_redis")]
__all__ = ["campaign"]  # the fixture: two contenders, three votes, no gold needed


def test_a_wait_that_ends_before_the_other_run_refuses_and_stores_nothing(campaign) -> None:
    with campaign_lock(campaign.pk, token="another-run") as held:
        assert held
        with pytest.raises(CommandError) as refused:
            call_command("score_campaign", campaign.slug, "--wait", "0.2", stdout=io.StringIO())

    assert str(refused.value) == (
        f"Another scoring run of {campaign.slug!r} is in progress; it was queued again to run "
        "after it. Try later, or leave it to the workers."
    )
    assert not Snapshot.objects.filter(campaign=campaign).exists()
