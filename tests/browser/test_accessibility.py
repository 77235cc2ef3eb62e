"""Every page at a laptop's and a phone's size (issue 13): an axe-core audit finds no serious
or critical violation, and on a phone no page scrolls sideways.

Each page is loaded once per size, by one walk per module (``walks``) that runs both checks
on it; the tests then read what the walk found. The walk commits its data (the live server
answers from another thread) and empties the database afterwards, as a transactional test
does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import Browser, BrowserContext

from campaign.participants.provisioning import provision_annotators
from tests.browser.test_annotate_flow import log_in
from tests.browser.test_organiser_pages import ORGANISER_SETUP_PAGES, staged_review
from tests.browser.test_pages import SIZES
from tests.browser.test_scoring_pages import build_scored_campaign, logged_in_context

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


@dataclass
class Walk:
    """What one size's walk through every page found."""

    pages: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)  # pages where axe's rules ran
    violations: list[str] = field(default_factory=list)  # serious or critical, per page
    sideways: list[str] = field(default_factory=list)  # pages wider than the window


def check(walk: Walk, context: BrowserContext, url: str) -> None:
    page = context.new_page()
    page.goto(url)
    if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        walk.sideways.append(url)
    walk.pages.append(url)
    results = Axe().run(page)
    page.close()
    if results.response["passes"]:
        walk.audited.append(url)
    walk.violations += [
        f"{url} {violation['id']} {violation['nodes'][0]['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def walk_every_page(browser: Browser, live_server, size: dict) -> Walk:
    campaign, owner = build_scored_campaign()
    review = staged_review(campaign, owner)
    credential = provision_annotators(campaign=campaign, count=1)[0]
    base = live_server.url
    walk = Walk()

    anonymous = browser.new_context(**size)
    for path in (
        "/",
        f"/c/{campaign.slug}/",
        f"/c/{campaign.slug}/leaderboard/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ):
        check(walk, anonymous, base + path)
    anonymous.close()

    organiser = logged_in_context(browser, live_server, owner, **size)
    for path in ("organise/", "organise/provision/", "organise/preview/", "annotate/"):
        check(walk, organiser, f"{base}/c/{campaign.slug}/{path}")
    for path in ORGANISER_SETUP_PAGES:
        check(walk, organiser, base + path.format(slug=campaign.slug))
    check(walk, organiser, base + review)
    organiser.close()

    participant = browser.new_context(**size)
    annotate = f"/c/{campaign.slug}/annotate/"
    page = participant.new_page()
    log_in(page, base, credential.username, credential.password, annotate)
    page.close()
    for path in (annotate, f"/c/{campaign.slug}/progress/", "/accounts/logout/"):
        check(walk, participant, base + path)
    participant.close()
    return walk


@pytest.fixture(scope="module")
def walks(
    django_db_setup, django_db_blocker, live_server, browser: Browser, tmp_path_factory
) -> dict[str, Walk]:
    """Each size's walk, on data built afresh for it (uploads and scoring in the request)."""
    uploads = tmp_path_factory.mktemp("uploads")
    found: dict[str, Walk] = {}
    with django_db_blocker.unblock(), override_settings(IMPORT_UPLOAD_DIR=uploads, REDIS_URL=""):
        for name, size in SIZES.items():
            try:
                found[name] = walk_every_page(browser, live_server, size)
            finally:
                call_command("flush", interactive=False, verbosity=0)
    return found


@pytest.mark.parametrize("size", SIZES)
def test_no_page_has_a_serious_accessibility_violation(walks: dict[str, Walk], size: str):
    assert walks[size].audited == walks[size].pages
    assert walks[size].violations == []


def test_no_page_scrolls_sideways_on_a_phone(walks: dict[str, Walk]):
    assert walks["390"].sideways == []
