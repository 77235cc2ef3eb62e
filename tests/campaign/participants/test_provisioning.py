"""Provisioning annotator accounts: enrolled, random passwords, hashes only, handed over once."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import global_settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command

from accounts.exceptions import InvalidProvisioningRequest
from accounts.handles import ADJECTIVES, ANIMALS
from accounts.models import User
from campaign.models import Enrollment
from campaign.participants.enrolment import is_enrolled
from campaign.participants.provisioning import (
    CREDENTIAL_COLUMNS,
    PROVISIONED_PASSWORD_ITERATIONS,
    credentials_csv,
    provision_annotators,
)
from tests.builders import make_campaign

pytestmark = pytest.mark.django_db


def test_provisioned_accounts_are_enrolled_with_distinct_names_handles_and_passwords():
    campaign = make_campaign(status="draft")

    credentials = provision_annotators(campaign=campaign, count=20)

    assert len(credentials) == 20
    for field in ("username", "password", "handle"):
        assert len({getattr(credential, field) for credential in credentials}) == 20
    users = User.objects.filter(username__in=[credential.username for credential in credentials])
    assert users.count() == 20
    assert Enrollment.objects.filter(campaign=campaign, user__in=users).count() == 20
    for credential in credentials:
        user = users.get(username=credential.username)
        assert user.handle == credential.handle
        assert user.handle != user.username
        assert is_enrolled(user=user, campaign=campaign)


def test_provisioned_accounts_are_not_imported_ones():
    # An imported account only names a vote's author: a vote import may add votes under it,
    # which it must never do under a provisioned participant's account.
    campaign = make_campaign()

    credentials = provision_annotators(campaign=campaign, count=2)

    usernames = [credential.username for credential in credentials]
    assert not User.objects.filter(username__in=usernames, is_imported=True).exists()
    assert User.objects.filter(username__in=usernames).count() == 2


def test_only_password_hashes_are_stored():
    campaign = make_campaign()
    (credential,) = provision_annotators(campaign=campaign, count=1)

    user = User.objects.get(username=credential.username)
    assert credential.password not in user.password
    hasher = identify_hasher(user.password)
    assert hasher.algorithm == "pbkdf2_sha256"
    assert hasher.decode(user.password)["iterations"] == PROVISIONED_PASSWORD_ITERATIONS
    assert user.check_password(credential.password)


def test_passwords_are_long_and_random_enough_to_need_no_slow_stretching():
    campaign = make_campaign()
    credentials = provision_annotators(campaign=campaign, count=5)
    for credential in credentials:
        letters = credential.password.replace("-", "")
        assert len(letters) >= 16


def test_a_provisioned_account_can_log_in_and_its_hash_is_upgraded_to_full_strength(rf, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # production's, not the tests'
    campaign = make_campaign()
    (credential,) = provision_annotators(campaign=campaign, count=1)

    user = authenticate(rf.post("/"), username=credential.username, password=credential.password)

    assert user is not None
    user.refresh_from_db()
    iterations = identify_hasher(user.password).decode(user.password)["iterations"]
    assert iterations > PROVISIONED_PASSWORD_ITERATIONS


@pytest.mark.parametrize("count", [0, -3, 5001, True, "10"])
def test_a_bad_count_is_refused_and_creates_nothing(count):
    campaign = make_campaign()
    with pytest.raises(InvalidProvisioningRequest):
        provision_annotators(campaign=campaign, count=count)
    assert not User.objects.exists()


def test_credentials_csv_has_one_row_per_account():
    campaign = make_campaign()
    credentials = provision_annotators(campaign=campaign, count=3)

    rows = list(csv.reader(io.StringIO(credentials_csv(credentials))))

    assert tuple(rows[0]) == CREDENTIAL_COLUMNS
    assert [tuple(row) for row in rows[1:]] == [
        (credential.username, credential.password, credential.handle) for credential in credentials
    ]


def test_the_command_writes_the_credentials_to_a_new_private_file(tmp_path):
    campaign = make_campaign(slug="spring")
    out = tmp_path / "credentials.csv"

    call_command(
        "provision_annotators", "spring", "--count", "4", "--out", str(out), "--no-progress"
    )

    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 4
    assert out.stat().st_mode & 0o077 == 0
    for row in rows:
        user = User.objects.get(username=row["username"])
        assert user.check_password(row["password"])
        assert user.handle == row["handle"]
        assert is_enrolled(user=user, campaign=campaign)


def test_the_command_refuses_to_overwrite_an_existing_file(tmp_path):
    make_campaign(slug="spring")
    out = tmp_path / "credentials.csv"
    out.write_text("precious")

    with pytest.raises(CommandError, match="already exists"):
        call_command("provision_annotators", "spring", "--count", "2", "--out", str(out))

    assert out.read_text() == "precious"
    assert not User.objects.exists()


def test_the_command_names_an_unknown_campaign_and_leaves_no_file(tmp_path):
    out = tmp_path / "credentials.csv"
    with pytest.raises(CommandError, match="nope"):
        call_command("provision_annotators", "nope", "--count", "2", "--out", str(out))
    assert not out.exists()


def test_the_command_reports_a_bad_count_and_leaves_no_file(tmp_path):
    make_campaign(slug="spring")
    out = tmp_path / "credentials.csv"
    with pytest.raises(CommandError, match="positive"):
        call_command("provision_annotators", "spring", "--count", "0", "--out", str(out))
    assert not out.exists()


def test_handles_of_provisioned_accounts_follow_the_pattern():
    campaign = make_campaign()
    for credential in provision_annotators(campaign=campaign, count=10):
        adjective, animal, number = credential.handle.split("-")
        assert adjective in ADJECTIVES and animal in ANIMALS and len(number) == 3
