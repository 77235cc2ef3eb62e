"""manage.py export_preferences SLUG --out FILE.jsonl|FILE.parquet"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaign.exceptions import CampaignError
from scoring.exports.command import campaign_for, progress_bar, write_export
from scoring.exports.preferences import preference_file

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
        with progress_bar(
            self, label="preferences", total=None, quiet=options["no_progress"]
        ) as count:
            try:
                chunks = preference_file(campaign, fmt=fmt, progress=count)
            except CampaignError as error:
                raise CommandError(str(error)) from None
            write_export(out, chunks)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {count.rows:,} preference pairs of {campaign.slug!r} to {out}."
            )
        )
