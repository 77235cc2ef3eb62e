"""manage.py import_judgments SLUG FILE [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from campaign import services
from campaign.exceptions import CampaignError
from campaign.item_files import FORMATS
from campaign.judgment_import import import_judgments


class Command(BaseCommand):
    help = (
        "Import votes collected elsewhere, one row per vote (annotator, prompt, model_a, "
        "model_b, winner; optional created_at, prompt_text, response_a, response_b) from JSONL, "
        "CSV or Parquet, kept in file order. Missing prompts, contenders and comparisons are "
        "created; annotators become imported accounts. The whole file is validated first; a bad "
        "file changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign to import into")
        parser.add_argument("file", type=Path, help="a .jsonl, .csv or .parquet file")
        parser.add_argument("--format", choices=FORMATS, help="override the file extension")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int) -> None:
            if options["no_progress"]:
                return
            bar = bars.get(phase)
            if bar is None:
                bar = bars[phase] = tqdm(
                    desc=phase, unit=" lines", file=self.stderr._out, disable=None
                )
            bar.update(done - bar.n)

        try:
            campaign = services.get_campaign(options["slug"])
            report = import_judgments(
                campaign,
                path,
                file_format=options["format"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except CampaignError as error:
            raise CommandError(str(error)) from None
        finally:
            for bar in bars.values():
                bar.close()
        if not report.ok:
            for problem in report.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"{path}: {report.summary()}")
        message = report.summary()
        if report.dry_run:
            message = "Dry run, nothing written: " + message
        self.stdout.write(self.style.SUCCESS(message))
