"""Provisioning: N ready-to-use annotator accounts for a campaign, credentials handed over once.

Only password hashes are stored; the plain passwords exist in the returned credentials and
nowhere else, so the caller (the command or the provision page) must hand them over at once.

Speed: Django's default PBKDF2 (1,000,000 rounds, ~0.3 s a hash here) would take minutes for
500 accounts. Key stretching exists to protect guessable human passwords; these are 16
characters drawn by `secrets` from a 31-letter alphabet (~79 bits), which no amount of
offline guessing reaches. They are therefore hashed with the same PBKDF2-SHA256 algorithm at
PROVISIONED_PASSWORD_ITERATIONS rounds (the count is stored in each hash, so the default
hasher verifies them), and Django re-hashes each one at full strength on its first login.

The campaign app's Enrollment is imported here: provisioning is "accounts for a campaign".
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import IntegrityError, transaction

from accounts.exceptions import InvalidProvisioningRequest
from accounts.models import User, unused_handles, unused_values
from campaign.models import Campaign, Enrollment
from campaign.spreadsheet import SafeWriter

MAX_ACCOUNTS_PER_REQUEST = 5000
PROVISIONED_PASSWORD_ITERATIONS = 50_000
# No 0/o or 1/l/i: these are read off a printout.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 4
USERNAME_SUFFIX_LENGTH = 6
CREDENTIAL_COLUMNS = ("username", "password", "handle")
BATCH_SIZE = 500
ATTEMPTS = 3

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class Credential:
    username: str
    password: str
    handle: str


class ProvisionedPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 at fewer rounds, for machine-generated high-entropy passwords only."""

    iterations = PROVISIONED_PASSWORD_ITERATIONS


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
    hashes = _hash_all(passwords, progress)
    for attempt in range(ATTEMPTS):
        try:
            return _create_accounts(campaign=campaign, passwords=passwords, hashes=hashes)
        except IntegrityError:
            # A username or handle taken by a concurrent sign-up between our check and insert:
            # nothing was written (the transaction rolled back); draw new names and try again.
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def random_password() -> str:
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


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


def _hash_all(passwords: list[str], progress: ProgressCallback | None) -> list[str]:
    hasher = ProvisionedPasswordHasher()
    hashes = []
    for done, password in enumerate(passwords, start=1):
        hashes.append(make_password(password, hasher=hasher))
        if progress is not None and (done % 25 == 0 or done == len(passwords)):
            progress(done)
    return hashes


@transaction.atomic
def _create_accounts(
    *, campaign: Campaign, passwords: list[str], hashes: list[str]
) -> list[Credential]:
    count = len(passwords)
    usernames = unused_values(count, lambda: _random_username(campaign), "username")
    handles = unused_handles(count)
    users = User.objects.bulk_create(
        [
            User(username=username, handle=handle, password=password_hash)
            for username, handle, password_hash in zip(usernames, handles, hashes, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    Enrollment.objects.bulk_create(
        [Enrollment(campaign=campaign, user=user) for user in users], batch_size=BATCH_SIZE
    )
    return [
        Credential(username=username, password=password, handle=handle)
        for username, password, handle in zip(usernames, passwords, handles, strict=True)
    ]


def _random_username(campaign: Campaign) -> str:
    suffix = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(USERNAME_SUFFIX_LENGTH))
    return f"{campaign.slug[:40]}-{suffix}"
