"""An axe-core audit of every page, at a laptop's and a phone's size: no serious or critical
violation (issue 13). The audit script is injected, so the context bypasses the CSP."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext

from campaign.participants.provisioning import provision_annotators
from tests.browser.test_annotate_flow import log_in
from tests.browser.test_organiser_pages import (
    ORGANISER_SETUP_PAGES,
    run_in_request,
    staged_review,
)
from tests.browser.test_pages import LAPTOP, PHONE
from tests.browser.test_scoring_pages import build_scored_campaign, logged_in_context
from tests.builders import make_judgeable_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}


def blocking_violations(context: BrowserContext, url: str) -> list[str]:
    page = context.new_page()
    page.goto(url)
    results = Axe().run(page)
    page.close()
    return [
        f"{url} {violation['id']} {violation['nodes'][0]['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["1280", "390"])
def test_no_page_has_a_serious_accessibility_violation(
    live_server, browser: Browser, size, settings, tmp_path
):
    run_in_request(settings, tmp_path)
    campaign, owner = build_scored_campaign()
    review = staged_review(campaign, owner)
    annotating = make_judgeable_campaign("audit", regular=2)
    credential = provision_annotators(campaign=annotating, count=1)[0]
    base = live_server.url
    found: list[str] = []

    anonymous = browser.new_context(bypass_csp=True, **size)
    for path in (
        "/",
        f"/c/{campaign.slug}/",
        f"/c/{campaign.slug}/leaderboard/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/no-such-page/",
    ):
        found += blocking_violations(anonymous, base + path)
    anonymous.close()

    organiser = logged_in_context(browser, live_server, owner, bypass_csp=True, **size)
    for path in ("organise/", "organise/provision/", "organise/preview/", "annotate/"):
        found += blocking_violations(organiser, f"{base}/c/{campaign.slug}/{path}")
    for path in ORGANISER_SETUP_PAGES:
        found += blocking_violations(organiser, base + path.format(slug=campaign.slug))
    found += blocking_violations(organiser, base + review)
    organiser.close()

    participant = browser.new_context(bypass_csp=True, **size)
    page = participant.new_page()
    annotate = f"/c/{annotating.slug}/annotate/"
    log_in(page, base, credential.username, credential.password, annotate)
    for path in (annotate, f"/c/{annotating.slug}/progress/", "/accounts/logout/"):
        found += blocking_violations(participant, base + path)
    participant.close()
    assert found == []
