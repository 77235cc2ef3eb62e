"""manage.py provision_annotators SLUG --count N --out FILE.csv"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from accounts.exceptions import AccountsError
from campaign import services
from campaign.exceptions import CampaignError
from campaign.participants.provisioning import provision_annotators, write_credentials_csv


class Command(BaseCommand):
    help = (
        "Create N annotator accounts enrolled in a campaign and write their credentials "
        "(username, password, handle) to a new CSV file. Passwords are stored only as hashes: "
        "this file is the one and only copy, so keep it safe."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the campaign to enrol the new accounts in")
        parser.add_argument("--count", type=int, required=True, help="how many accounts")
        parser.add_argument(
            "--out", type=Path, required=True, help="the CSV file to create (must not exist)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        try:
            campaign = services.get_campaign(options["slug"])
        except CampaignError as error:
            raise CommandError(str(error)) from None
        # Claim the file before creating anything: credentials that cannot be written would be
        # lost for good. O_EXCL refuses to overwrite; 0600 keeps other local users out.
        try:
            descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{out} already exists; choose a new file name.") from None
        except OSError as error:
            raise CommandError(f"Cannot create {out}: {error.strerror}.") from None
        bar = tqdm(
            total=options["count"],
            desc="hashing passwords",
            unit=" accounts",
            file=self.stderr._out,
            disable=True if options["no_progress"] else None,
        )
        try:
            # One transaction around creating and writing: if the file cannot be written, the
            # accounts are rolled back rather than left without anyone knowing their passwords.
            with (
                transaction.atomic(),
                os.fdopen(descriptor, "w", newline="", encoding="utf-8") as file,
            ):
                credentials = provision_annotators(
                    campaign=campaign,
                    count=options["count"],
                    progress=lambda done: bar.update(done - bar.n),
                )
                write_credentials_csv(credentials, file)
                file.flush()
                os.fsync(file.fileno())
        except (AccountsError, CampaignError) as error:
            out.unlink(missing_ok=True)
            raise CommandError(str(error)) from None
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {len(credentials)} accounts enrolled in {campaign.slug!r}; "
                f"credentials written to {out} (the only copy)."
            )
        )
