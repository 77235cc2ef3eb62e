"""manage.py export_dataset SLUG --out DIR [--license LICENSE]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaign.exceptions import CampaignError
from scoring.exports.command import campaign_for
from scoring.exports.dataset import DEFAULT_LICENSE, write_dataset


class Command(BaseCommand):
    help = (
        "Write a campaign as a Hugging Face dataset folder: preferences and judgments as "
        "Parquet and a dataset card (README.md) that `datasets.load_dataset(DIR)` and the "
        "Hub read. It holds gold and correctness: an organiser's export while open."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign to export")
        parser.add_argument("--out", type=Path, required=True, help="the folder to write")
        parser.add_argument(
            "--license",
            default=DEFAULT_LICENSE,
            help="the card's license, a Hub license id such as cc-by-4.0 (default: other)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = campaign_for(options["slug"])
        out: Path = options["out"]
        try:
            summary = write_dataset(campaign, folder=out, license=options["license"])
        except CampaignError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {summary.preferences:,} preference pairs and {summary.judgments:,} "
                f"judgments of {campaign.slug!r} to {out}/ with its dataset card."
            )
        )
