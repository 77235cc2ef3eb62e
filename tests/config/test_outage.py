"""A database outage is a friendly 503 with Retry-After, and a judgment sent again is kept.

The outage is real: the default connection is pointed at a local port nobody listens on
(never the shared PostgreSQL), so every query fails as it does while PostgreSQL restarts.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from campaign.models import Judgment
from config.outage import RETRY_AFTER_SECONDS, server_error
from tests.builders import make_judgeable_campaign, make_participant
from tests.pages import current_key, fetch_headers

FRIENDLY = "Back in a moment"


@contextlib.contextmanager
def database_down() -> Iterator[None]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def assert_friendly_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    html = response.content.decode()
    assert FRIENDLY in html and "Server Error" not in html
    assert 'href="/static/crowdeval.css"' in html  # the product's own styled page


@pytest.mark.django_db(transaction=True)
def test_a_visitor_gets_the_friendly_503_while_the_database_is_down() -> None:
    campaign = make_judgeable_campaign()
    with database_down():
        response = Client().get(reverse("campaign:detail", args=[campaign.slug]))
    assert_friendly_503(response)
    assert Client().get(reverse("campaign:detail", args=[campaign.slug])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_judgment_refused_during_the_outage_is_stored_when_sent_again() -> None:
    campaign = make_judgeable_campaign()
    client = Client()
    client.force_login(make_participant(campaign))
    html = client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    judge = reverse("campaign:judge", args=[campaign.slug, current_key(html)])

    with database_down():
        response = client.post(judge, {"choice": "1"}, **fetch_headers())
    assert_friendly_503(response)
    assert not Judgment.objects.exists()

    # What annotate.js does after Retry-After: the same verdict, sent again.
    response = client.post(judge, {"choice": "1"}, **fetch_headers())
    assert response.status_code == 200
    assert str(Judgment.objects.get().assignment.key) == current_key(html)


def test_a_database_error_outside_any_view_is_the_friendly_503_too() -> None:
    # Django's handler500 runs inside its except block (a middleware saving the session, say).
    request = RequestFactory().get("/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        response = server_error(request)
    assert_friendly_503(response)


def test_other_errors_stay_a_plain_500() -> None:
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500
