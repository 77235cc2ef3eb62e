"""manage.py score_campaign SLUG [--rounds N] [--wait SECONDS] [--full] [--extras]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from redis.exceptions import RedisError

from campaign import services
from campaign.exceptions import CampaignError
from config.memory import keep_freed_memory
from scoring.jobs import JobStatus, run_scoring_job
from scoring.models import Snapshot


class Command(BaseCommand):
    help = (
        "Run the scoring job of a campaign now, in this process (the same job the workers "
        "run, under the same per-campaign lock), and print the model leaderboard. Stores a "
        "new snapshot unless nothing changed since the latest one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign to score")
        parser.add_argument(
            "--rounds", type=int, help="bootstrap rounds (default: SCORING_BOOTSTRAP_ROUNDS)"
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="if another run of the campaign is in progress, wait up to SECONDS for it to "
            "end and then run (default: refuse at once)",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="fold every judgment into fresh tallies instead of only those since the last "
            "run (the same result; rebuilds the stored state when there is anything to score)",
        )
        parser.add_argument(
            "--extras",
            action="store_true",
            help="refit the extra views and analyses (per category, style, Crowd-BT, position "
            "bias, robustness) now, even if they are not due (SCORING_EXTRAS_GROWTH, "
            "SCORING_EXTRAS_MAX_AGE_SECONDS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rounds"] is not None and options["rounds"] < 1:
            raise CommandError("--rounds must be at least 1.")
        keep_freed_memory()  # as the scoring worker does (config.memory)
        try:
            campaign = services.get_campaign(options["slug"])
            outcome = run_scoring_job(
                campaign.pk,
                rounds=options["rounds"],
                wait_seconds=options["wait"],
                full=options["full"],
                extras=True if options["extras"] else None,
            )
        except CampaignError as error:
            raise CommandError(str(error)) from None
        except RedisError as error:
            raise CommandError(f"Redis is unreachable ({error}); the job needs its lock.") from None
        if outcome.status == JobStatus.BUSY:
            raise CommandError(
                f"Another scoring run of {campaign.slug!r} is in progress; it was queued again "
                "to run after it. Try later, or leave it to the workers."
            )
        snapshot = outcome.snapshot
        if snapshot is None:
            self.stdout.write(
                f"Nothing new in {campaign.slug!r} since its latest snapshot: nothing stored "
                f"({outcome.seconds:.2f} s)."
            )
            return
        if not snapshot.rated_judgments:
            self.stdout.write(self.style.WARNING(unrated_explanation(snapshot)))
        for row in snapshot.contenders if snapshot.rated_judgments else []:
            self.stdout.write(
                f"{row['rank']:>4}  {row['name'][:40]:<40} {row['rating']:8.1f} "
                f"[{row['ci_lower']:7.1f}, {row['ci_upper']:7.1f}]  {row['votes']:>8} votes"
            )
        vetting = (
            f"{snapshot.stats['trusted_annotators']} trusted annotators"
            if snapshot.stats["vetted"]
            else "not vetted (no gold): every vote counts"
        )
        ranked = len(snapshot.contenders) if snapshot.rated_judgments else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Scored {campaign.slug!r}: {ranked} contenders ranked from "
                f"{snapshot.judgments} judgments ({snapshot.rated_judgments} rated, "
                f"{vetting}) in {outcome.seconds:.2f} s."
            )
        )


def unrated_explanation(snapshot: Snapshot) -> str:
    """Why a run rated nothing, and what would change it."""
    if not snapshot.judgments:
        return "No judgments yet: nothing to rate."
    stats = snapshot.stats
    return (
        f"No vote counts yet: {snapshot.judgments} judgments, none by a trusted annotator on a "
        f"regular comparison ({stats['annotators']} annotators, {stats['gold_judgments']} gold "
        f"judgments; trusted needs {snapshot.campaign.min_gold_seen} gold judged, and at least "
        f"one, with a mean accuracy of {snapshot.campaign.min_gold_accuracy:.2f}). The ratings "
        "start with the first annotator who qualifies."
    )
