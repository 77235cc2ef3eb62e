"""Accounts created in bulk: provisioned annotators (random passwords) and imported ones (none).

Each account gets an unused generated handle; only password hashes are stored.

Speed: Django's default PBKDF2 (1,000,000 rounds, ~0.3 s a hash here) would take minutes for
500 accounts. Key stretching exists to protect guessable human passwords; provisioned ones are
16 characters drawn by `secrets` from a 31-letter alphabet (~79 bits), which no amount of
offline guessing reaches. They are therefore hashed with the same PBKDF2-SHA256 algorithm at
PROVISIONED_PASSWORD_ITERATIONS rounds (the count is stored in each hash, so the default
hasher verifies them), and Django re-hashes each one at full strength on its first login.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from accounts.models import User, unused_handles

PROVISIONED_PASSWORD_ITERATIONS = 50_000
# No 0/o or 1/l/i: these are read off a printout.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 4
BATCH_SIZE = 500


class ProvisionedPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 at fewer rounds, for machine-generated high-entropy passwords only."""

    iterations = PROVISIONED_PASSWORD_ITERATIONS


def random_password() -> str:
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def hash_random_passwords(
    passwords: list[str], progress: Callable[[int], None] | None = None
) -> list[str]:
    """Hashes of machine-drawn passwords (random_password only, see the module docstring).

    ``progress`` is called with the number hashed so far: this is the slow part.
    """
    hasher = ProvisionedPasswordHasher()
    hashes = []
    for done, password in enumerate(passwords, start=1):
        hashes.append(make_password(password, hasher=hasher))
        if progress is not None and (done % 25 == 0 or done == len(passwords)):
            progress(done)
    return hashes


def create_users(
    *, usernames: list[str], password_hashes: list[str] | None = None, imported: bool = False
) -> list[User]:
    """One account per username, each with an unused handle, in bulk inserts.

    Without ``password_hashes`` the accounts get unusable passwords (they cannot log in);
    ``imported`` marks accounts that only name the authors of imported votes. The caller has
    checked that the usernames are free; a concurrent taker makes the insert fail.
    """
    handles = unused_handles(len(usernames))
    hashes = password_hashes or [make_password(None) for _ in usernames]
    return User.objects.bulk_create(
        [
            User(username=username, handle=handle, password=password_hash, is_imported=imported)
            for username, handle, password_hash in zip(usernames, handles, hashes, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
