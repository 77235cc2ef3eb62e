"""manage.py export_preferences SLUG --out FILE.jsonl|FILE.parquet"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaign.exceptions import CampaignError
from scoring.exports.command import Progress, campaign_for, write_export
from scoring.exports.preferences import PREFERENCE_COLUMNS, preference_rows

FORMATS = ("jsonl", "parquet")


class Command(BaseCommand):
    help = (
        "Write a campaign's preference pairs ({prompt, chosen, rejected} plus chosen_model, "
        "rejected_model, prompt_id, category, margin, votes) from the consensus of the "
        "annotators trusted in its latest snapshot; ties, unresolved pairs and gold left out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign whose preferences to export")
        parser.add_argument("--out", type=Path, required=True, help="a .jsonl or .parquet file")
        parser.add_argument("--format", choices=FORMATS, help="override the file extension")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        fmt = options["format"] or out.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise CommandError(f"{out}: write .jsonl or .parquet (or pass --format).")
        campaign = campaign_for(options["slug"])
        try:
            rows = preference_rows(campaign)
        except CampaignError as error:
            raise CommandError(str(error)) from None
        progress = Progress(self, rows, label="preferences", quiet=options["no_progress"])
        write_export(out, progress, PREFERENCE_COLUMNS, fmt=fmt)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {progress.count:,} preference pairs of {campaign.slug!r} to {out}."
            )
        )
