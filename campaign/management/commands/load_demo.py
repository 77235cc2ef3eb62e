"""manage.py load_demo: a ready demo with real model responses (PandaLM) and demo logins."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from campaign.annotate.assignment import QUALIFICATION_SPREAD
from campaign.demo.loader import ensure_demo_accounts, load_demo
from campaign.demo.votes import load_pandalm_votes
from campaign.models import Campaign
from campaign.participants.trust import STANDING_STEP
from campaign.rendered_texts import finish_rendering


class Command(BaseCommand):
    help = (
        "Create the PandaLM demo: an open campaign of 999 real comparisons (45 gold), a closed "
        "one holding PandaLM's 2,997 human verdicts, an organiser and three participants. "
        "Safe to run twice; each run prints fresh passwords for the demo accounts."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        demo = load_demo()
        state = "Created" if demo.created else "Kept"
        self.stdout.write(
            self.style.SUCCESS(
                f"{state} demo campaign {demo.campaign.slug!r}: {demo.report.summary()}"
            )
        )
        votes = load_pandalm_votes()
        if votes.report is None:
            self.stdout.write(
                f"Kept closed campaign {votes.campaign.slug!r} and its human verdicts."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created closed campaign {votes.campaign.slug!r}: {votes.report.summary()}"
                )
            )
        # Named, not imported: the campaign app does not depend on the scoring app. The vote
        # import has already started a run of its own (judgments are scored soon after they
        # are recorded); waiting for it, rather than refusing, is what makes this reliable.
        for campaign in (votes.campaign, demo.campaign):
            call_command(
                "score_campaign",
                campaign.slug,
                wait=settings.SCORING_LOCK_SECONDS,
                stdout=self.stdout,
            )
        for campaign in (votes.campaign, demo.campaign):
            finish_rendering(campaign.pk)  # the import's thread would die with this command
        self.stdout.write("\nDemo logins (passwords are new on every run):")
        for login in ensure_demo_accounts(demo.campaign):
            self.stdout.write(f"  {login.role:<12} {login.username:<10} {login.password}")
        site = "http://127.0.0.1:8000"
        slug = demo.campaign.slug
        needed = judgments_to_qualify(demo.campaign)
        self.stdout.write(
            f"\nOpen {site}/c/{slug}/ and log in as a participant to annotate.\n"
            f"Your votes count once you have qualified: about {needed} "
            f"judgments, {demo.campaign.min_gold_seen} of them hidden checks. My progress shows "
            "your standing.\n"
            f"Log in as the organiser for the dashboard: {site}/c/{slug}/organise/"
        )


def judgments_to_qualify(campaign: Campaign) -> int:
    """About how many judgments a newcomer makes before their standing can say trusted.

    The qualification gold comes within the first QUALIFICATION_SPREAD x qualification_gold
    items, the rest of min_gold_seen at gold_rate; the standing is settled per STANDING_STEP.
    """
    rest = max(campaign.min_gold_seen - campaign.qualification_gold, 0)
    items = campaign.qualification_gold * QUALIFICATION_SPREAD
    if rest:
        items += math.ceil(rest / campaign.gold_rate) if campaign.gold_rate else 0
    return math.ceil(items / STANDING_STEP) * STANDING_STEP
