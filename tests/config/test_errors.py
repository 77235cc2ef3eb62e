"""The product's error pages: participants never see Django's route list or traceback, also
with DEBUG on as in the demo (config/errors.py); staff still do."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from config import urls as project_urls
from tests.builders import logged_in, make_organiser

pytestmark = pytest.mark.django_db


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


# The real routes too: the pages' frame links to them.
urlpatterns = [path("broken/", broken), path("forbidden/", forbidden), *project_urls.urlpatterns]
ROUTE_LIST = "Using the URLconf defined in"


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.mark.parametrize("who", ["anonymous", "participant"])
def test_a_missing_page_in_debug_is_the_products_404_without_routes(debug, who, participant):
    client = Client() if who == "anonymous" else logged_in(participant)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'class="topbar"' in html
    assert ROUTE_LIST not in html and "DEBUG = True" not in html


def test_a_missing_campaign_in_debug_is_the_products_404(debug, participant_client):
    response = participant_client.get("/c/no-such-campaign/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_staff_still_see_djangos_debug_404(debug):
    response = logged_in(make_organiser()).get("/no-such-page/")
    assert response.status_code == 404 and ROUTE_LIST in response.content.decode()


def test_without_debug_the_404_is_the_products(settings):
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_an_error_in_debug_is_the_products_500_for_participants(debug, participant):
    debug.ROOT_URLCONF = __name__
    client = logged_in(participant, raise_request_exception=False)
    response = client.get("/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html and "Traceback" not in html


def test_a_refusal_is_the_products_403(settings, participant_client):
    settings.ROOT_URLCONF = __name__
    response = participant_client.get("/forbidden/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
