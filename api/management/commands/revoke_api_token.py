"""manage.py revoke_api_token TOKEN_ID_OR_TOKEN"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import ApiToken
from api.tokens import digest, revoke_api_token


class Command(BaseCommand):
    help = "Revoke an API token, named by its id (shown in the admin) or the token itself."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="the token's id, or the whole token")

    def handle(self, *args: Any, **options: Any) -> None:
        given: str = options["token"]
        matches = ApiToken.objects.filter(digest=digest(given))
        if given.isdigit():
            matches = ApiToken.objects.filter(pk=int(given))
        token = matches.first()
        if token is None:
            raise CommandError("No such token.")
        revoke_api_token(token=token)
        self.stdout.write(self.style.SUCCESS(f"Revoked token #{token.pk} of {token.user}."))
