"""manage.py create_api_token USERNAME [--name NAME]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from api.exceptions import ApiTokenError
from api.tokens import create_api_token


class Command(BaseCommand):
    help = (
        "Create an API token for an organiser and print it. It is shown this once: only its "
        "digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the organiser who will hold the token")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            issued = create_api_token(user=user, name=options["name"])
        except ApiTokenError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(f"Token #{issued.token.pk} for {user.username} (shown once):")
        self.stdout.write(issued.secret)
