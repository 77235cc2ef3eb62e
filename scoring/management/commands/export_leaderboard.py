"""manage.py export_leaderboard SLUG --format json|csv --out FILE [--public]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from campaign import services
from campaign.exceptions import CampaignError
from campaign.spreadsheet import SafeWriter
from scoring.exports.leaderboard import leaderboard_csv_rows, leaderboard_document
from scoring.models import Snapshot
from scoring.publication import shows_everything, view_for


class Command(BaseCommand):
    help = (
        "Write a campaign's latest leaderboard (its newest snapshot) as PRODUCT.md's JSON "
        "document or as a CSV of contender rows. It never computes: run score_campaign first. "
        "--public writes what viewers get: while the campaign is open, its last published "
        "step without the participant figures that would tell gold items apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign whose leaderboard to export")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--out", type=Path, required=True, help="the file to write ('-' for stdout)"
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="the viewers' leaderboard instead of the organisers' (differs while open)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            campaign = services.get_campaign(options["slug"])
        except CampaignError as error:
            raise CommandError(str(error)) from None
        view = view_for(campaign, full=shows_everything(campaign, organiser=not options["public"]))
        snapshot = view.snapshot
        if snapshot is None:
            raise CommandError(
                f"{campaign.slug!r} has no leaderboard yet: run "
                f"`manage.py score_campaign {campaign.slug}` first."
            )
        out: Path = options["out"]
        if str(out) == "-":
            _write(snapshot, options["format"], sys.stdout, full=view.full)
            return
        try:
            with out.open("w", encoding="utf-8", newline="") as file:
                _write(snapshot, options["format"], file, full=view.full)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote the leaderboard of {campaign.slug!r} (snapshot of "
                f"{snapshot.computed_at:%Y-%m-%d %H:%M:%S} UTC, {len(snapshot.contenders)} "
                f"contenders, {len(snapshot.participants)} participants) to {out}."
            )
        )


def _write(snapshot: Snapshot, file_format: str, file: TextIO, *, full: bool) -> None:
    if file_format == "json":
        json.dump(leaderboard_document(snapshot, full=full), file, indent=2)
        file.write("\n")
    else:
        SafeWriter(file).writerows(leaderboard_csv_rows(snapshot))
