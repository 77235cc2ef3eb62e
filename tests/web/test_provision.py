"""The organiser's provisioning page: N enrolled accounts, credentials downloaded exactly once."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from campaign.models import Enrollment
from tests.builders import logged_in, make_judgeable_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("provisioned", owner=owner)


def provision(client: Client, count: str):
    return client.post(reverse("campaign:provision", args=["provisioned"]), {"count": count})


def test_post_answers_with_a_csv_of_working_credentials(owner, campaign):
    response = provision(logged_in(owner), "3")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="provisioned-')
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3 and set(rows[0]) == {"username", "password", "handle"}
    for row in rows:
        user = User.objects.get(username=row["username"])
        assert user.handle == row["handle"]
        assert Enrollment.objects.filter(user=user, campaign=campaign).exists()
        # Only a hash is stored, and it verifies the password handed over.
        assert row["password"] not in user.password and user.check_password(row["password"])
    login = Client()
    assert (
        login.post(
            "/accounts/login/", {"login": rows[0]["username"], "password": rows[0]["password"]}
        ).status_code
        == 302
    )
    assert login.get(reverse("campaign:annotate", args=["provisioned"])).status_code == 200


def test_the_passwords_are_never_shown_again(owner, campaign):
    client = logged_in(owner)
    rows = list(csv.DictReader(io.StringIO(provision(client, "2").content.decode())))
    page = client.get(reverse("campaign:provision", args=["provisioned"])).content.decode()
    for row in rows:
        assert row["password"] not in page


@pytest.mark.parametrize("count", ["0", "-3", "abc", "", "501"])
def test_a_bad_count_is_explained_and_creates_nothing(owner, campaign, count):
    users_before = User.objects.count()
    response = provision(logged_in(owner), count)
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert User.objects.count() == users_before


def test_the_form_says_the_file_is_the_only_copy(owner, campaign):
    html = logged_in(owner).get(reverse("campaign:provision", args=["provisioned"]))
    assert "the only copy" in html.content.decode()


def test_the_download_leaves_a_short_lived_count_for_the_page_to_confirm(owner, campaign):
    # provision.js reads it to say on the page that the accounts exist (the count, no secret).
    response = provision(logged_in(owner), "2")
    cookie = response.cookies["crowdeval_provisioned"]
    assert cookie.value == "2" and cookie["max-age"] == 60
    assert cookie["path"] == reverse("campaign:provision", args=["provisioned"])
