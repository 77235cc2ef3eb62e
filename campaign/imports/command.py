"""The shared body of the file-import commands (import_items, import_judgments)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from campaign import services
from campaign.exceptions import CampaignError
from campaign.imports.files import FORMATS
from campaign.imports.report import FileReport


class FileImportCommand(BaseCommand):
    """Parse SLUG FILE [--format] [--dry-run], run ``import_file``, print its report."""

    import_file: Callable[..., FileReport]

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
                # The raw stream: the wrapper would end each carriage-return redraw with a newline.
                stream = cast(TextIO, self.stderr._out)
                bar = bars[phase] = tqdm(desc=phase, unit=" lines", file=stream, disable=None)
            bar.update(done - bar.n)

        try:
            campaign = services.get_campaign(options["slug"])
            report = type(self).import_file(
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
