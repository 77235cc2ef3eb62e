"""Provisioning: N ready-to-use annotator accounts for a campaign, credentials handed over once.

Only password hashes are stored; the plain passwords exist in the returned credentials and
nowhere else, so the caller (the command or the provision page) must hand them over at once.
Passwords, their (deliberately cheaper) hashing and the bulk account creation are
accounts.creation's; this module adds the campaign: usernames from its slug, and enrolment.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from django.db import IntegrityError, transaction

from accounts.creation import (
    PASSWORD_ALPHABET,
    PROVISIONED_PASSWORD_ITERATIONS,
    hash_random_passwords,
    random_password,
)
from accounts.exceptions import InvalidProvisioningRequest
from accounts.models import unused_values
from campaign.models import Campaign
from campaign.participants.enrolment import enroll_new_accounts
from campaign.spreadsheet import SafeWriter

MAX_ACCOUNTS_PER_REQUEST = 5000
USERNAME_SUFFIX_LENGTH = 6
CREDENTIAL_COLUMNS = ("username", "password", "handle")
ATTEMPTS = 3

ProgressCallback = Callable[[int], None]

__all__ = [
    "CREDENTIAL_COLUMNS",
    "PROVISIONED_PASSWORD_ITERATIONS",  # accounts.creation's, named here for provisioning's readers
    "Credential",
    "credentials_csv",
    "provision_annotators",
    "write_credentials_csv",
]


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    handle: str


def provision_annotators(
    *, campaign: Campaign, count: int, progress: ProgressCallback | None = None
) -> list[Credential]:
    """Create ``count`` enrolled annotator accounts with random passwords; all or nothing.

    ``progress`` is called with the number of passwords hashed so far (the slow part).
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidProvisioningRequest("The number of accounts must be a positive integer.")
    if count > MAX_ACCOUNTS_PER_REQUEST:
        raise InvalidProvisioningRequest(
            f"At most {MAX_ACCOUNTS_PER_REQUEST} accounts at a time; ask for fewer."
        )
    passwords = [random_password() for _ in range(count)]
    hashes = hash_random_passwords(passwords, progress)
    for attempt in range(ATTEMPTS):
        try:
            return _create_accounts(campaign=campaign, passwords=passwords, hashes=hashes)
        except IntegrityError:
            # A username or handle taken by a concurrent sign-up between our check and insert:
            # nothing was written (the transaction rolled back); draw new names and try again.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def write_credentials_csv(credentials: Iterable[Credential], out: IO[str]) -> None:
    writer = SafeWriter(out)
    writer.writerow(CREDENTIAL_COLUMNS)
    for credential in credentials:
        writer.writerow([credential.username, credential.password, credential.handle])


def credentials_csv(credentials: Iterable[Credential]) -> str:
    """The CSV an organiser downloads (once): username, password, handle."""
    buffer = io.StringIO()
    write_credentials_csv(credentials, buffer)
    return buffer.getvalue()


@transaction.atomic
def _create_accounts(
    *, campaign: Campaign, passwords: list[str], hashes: list[str]
) -> list[Credential]:
    usernames = unused_values(len(passwords), lambda: _random_username(campaign), "username")
    users = enroll_new_accounts(campaign=campaign, usernames=usernames, password_hashes=hashes)
    return [
        Credential(username=user.username, password=password, handle=user.handle)
        for user, password in zip(users, passwords, strict=True)
    ]


def _random_username(campaign: Campaign) -> str:
    suffix = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(USERNAME_SUFFIX_LENGTH))
    return f"{campaign.slug[:40]}-{suffix}"
