"""manage.py create_campaign SLUG --title "..." [--guidelines FILE.md] [settings...]"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import BooleanField, Field, FloatField, IntegerField

from accounts.models import User
from campaign import services
from campaign.exceptions import CampaignError
from campaign.models import Campaign

# The settings this command takes, each as --its-name, with the model's defaults and help;
# the guidelines come from a file, and dates are not offered here.
SETTINGS = tuple(
    name
    for name in services.CAMPAIGN_SETTINGS
    if name not in ("guidelines", "starts_at", "ends_at")
)


class Command(BaseCommand):
    help = "Create a campaign; every setting not given takes PRODUCT.md's default."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="URL name of the campaign, e.g. summer-eval")
        parser.add_argument("--title", required=True)
        parser.add_argument("--guidelines", type=Path, help="a Markdown file for participants")
        parser.add_argument("--owner", help="username of the organiser who owns the campaign")
        for name in SETTINGS:
            _add_setting(parser, Campaign._meta.get_field(name))

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
        # Only the settings given: the model supplies the rest, so its defaults are the only ones.
        settings = {name: options[name] for name in SETTINGS if options[name] is not None}
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


def _add_setting(parser: CommandParser, field: Field) -> None:
    """--field-name for one Campaign setting: its type, choices, help text and default."""
    flag = "--" + field.name.replace("_", "-")
    if isinstance(field, BooleanField):
        # A setting on by default is turned off with --no-its-name.
        action = argparse.BooleanOptionalAction if field.get_default() else "store_true"
        parser.add_argument(flag, action=action, default=None, help=field.help_text or None)
        return
    default = field.get_default()
    help_text = str(field.help_text)
    if default not in ("", None):  # an empty default is the help text's to explain
        help_text = f"{help_text} (default: {default})" if help_text else f"default: {default}"
    parser.add_argument(
        flag,
        type=_python_type(field),
        choices=[value for value, _label in field.choices] if field.choices else None,
        help=help_text or None,
    )


def _python_type(field: Field) -> type:
    if isinstance(field, IntegerField):  # the positive and small integer fields too
        return int
    if isinstance(field, FloatField):
        return float
    return str
