"""manage.py create_campaign SLUG --title "..." [--guidelines FILE.md] [settings...]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from campaign import services
from campaign.exceptions import CampaignError
from campaign.models import Campaign


class Command(BaseCommand):
    help = "Create a campaign; every setting not given takes PRODUCT.md's default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="URL name of the campaign, e.g. summer-eval")
        parser.add_argument("--title", required=True)
        parser.add_argument("--description", default="")
        parser.add_argument("--guidelines", type=Path, help="a Markdown file for participants")
        parser.add_argument("--owner", help="username of the organiser who owns the campaign")
        parser.add_argument("--status", choices=Campaign.Status.values, default="draft")
        parser.add_argument("--scale", type=int, choices=Campaign.Scale.values, default=5)
        parser.add_argument("--judgments-per-comparison", type=int, default=3)
        parser.add_argument("--gold-rate", type=float, default=0.10)
        parser.add_argument("--qualification-gold", type=int, default=3)
        parser.add_argument("--min-gold-seen", type=int, default=5)
        parser.add_argument("--min-gold-accuracy", type=float, default=0.70)
        parser.add_argument("--block-untrusted", action="store_true")
        parser.add_argument("--lease-minutes", type=int, default=15)
        parser.add_argument("--require-rationale", action="store_true")
        parser.add_argument("--allow-signup", action="store_true")
        parser.add_argument("--pairs-per-prompt", type=int, help="default: every pair")
        parser.add_argument("--leaderboard", choices=Campaign.Leaderboard.values, default="public")

    def handle(self, *args: Any, **options: Any) -> None:
        guidelines = ""
        if options["guidelines"]:
            try:
                guidelines = options["guidelines"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read {options['guidelines']}: {error}") from None
        owner = None
        if options["owner"]:
            owner = User.objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user named {options['owner']!r}.")
        settings = {
            name: options[name]
            for name in (
                "description", "status", "scale", "judgments_per_comparison", "gold_rate",
                "qualification_gold", "min_gold_seen", "min_gold_accuracy", "block_untrusted",
                "lease_minutes", "require_rationale", "allow_signup", "pairs_per_prompt",
                "leaderboard",
            )
        }  # fmt: skip
        try:
            campaign = services.create_campaign(
                slug=options["slug"],
                title=options["title"],
                owner=owner,
                guidelines=guidelines,
                **settings,
            )
        except CampaignError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Created campaign {campaign.slug!r} ({campaign.status}).")
        )
