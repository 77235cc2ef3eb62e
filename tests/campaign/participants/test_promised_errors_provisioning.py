"""The provisioning refusals, in their words, from the command and the organiser's page:
nothing is created and no credentials file is left behind."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from campaign.models import Enrollment
from campaign.participants.provisioning import MAX_ACCOUNTS_PER_REQUEST
from tests.builders import logged_in, make_campaign, make_judgeable_campaign

pytestmark = pytest.mark.django_db

TOO_MANY = f"At most {MAX_ACCOUNTS_PER_REQUEST} accounts at a time; ask for fewer."
NOT_POSITIVE = "The number of accounts must be a positive integer."


@pytest.mark.parametrize(
    ("count", "message"),
    [("0", NOT_POSITIVE), ("-3", NOT_POSITIVE), (str(MAX_ACCOUNTS_PER_REQUEST + 1), TOO_MANY)],
)
def test_the_command_refuses_a_count_out_of_range_in_these_words_and_leaves_no_file(
    tmp_path, count, message
):
    make_campaign(slug="spring")
    out = tmp_path / "credentials.csv"

    with pytest.raises(CommandError, match=f"^{message}$"):
        call_command("provision_annotators", "spring", "--count", count, "--out", str(out))

    assert not out.exists()
    assert not User.objects.exists() and not Enrollment.objects.exists()


def test_the_command_names_a_file_it_cannot_create_and_creates_no_account(tmp_path):
    make_campaign(slug="spring")
    out = tmp_path / "no-such-folder" / "credentials.csv"

    with pytest.raises(CommandError, match=f"^Cannot create {out}: No such file or directory.$"):
        call_command("provision_annotators", "spring", "--count", "2", "--out", str(out))

    assert not out.exists()
    assert not User.objects.exists() and not Enrollment.objects.exists()


def test_the_command_names_an_existing_file_in_these_words(tmp_path):
    make_campaign(slug="spring")
    out = tmp_path / "credentials.csv"
    out.write_text("precious")

    with pytest.raises(CommandError, match=f"^{out} already exists; choose a new file name.$"):
        call_command("provision_annotators", "spring", "--count", "2", "--out", str(out))

    assert out.read_text() == "precious"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 1."),
        ("501", "Ensure this value is less than or equal to 500."),
        ("abc", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_the_provisioning_page_says_why_a_count_is_refused_on_its_field(owner, count, message):
    make_judgeable_campaign("provisioned", owner=owner)
    users_before = set(User.objects.values_list("pk", flat=True))

    response = logged_in(owner).post(
        reverse("campaign:provision", args=["provisioned"]), {"count": count}
    )

    assert response.status_code == 422
    assert f'<p class="field-error">{message}</p>' in response.content.decode()
    assert set(User.objects.values_list("pk", flat=True)) == users_before
