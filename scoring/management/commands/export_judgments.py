"""manage.py export_judgments SLUG --format jsonl|csv|parquet --out FILE"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scoring.exports.command import campaign_for, progress_bar, write_export
from scoring.exports.formats import FORMATS
from scoring.exports.judgments import judgment_file


class Command(BaseCommand):
    help = (
        "Write every judgment of a campaign, one row each (PRODUCT.md 'Exports'), streamed. "
        "The rows include gold and correctness: an organiser's file while the campaign is open."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign whose judgments to export")
        parser.add_argument("--format", choices=FORMATS, default="jsonl")
        parser.add_argument("--out", type=Path, required=True, help="the file to write")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = campaign_for(options["slug"])
        out: Path = options["out"]
        total = campaign.judgments.count()
        with progress_bar(
            self, label="judgments", total=total, quiet=options["no_progress"]
        ) as count:
            write_export(out, judgment_file(campaign, fmt=options["format"], progress=count))
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {count.rows:,} judgments of {campaign.slug!r} to {out}.")
        )
