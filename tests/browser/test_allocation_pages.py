"""Adaptive allocation on the pages, in a real browser: the dashboard's allocation card (advice
and priorities) and the leaderboard's disclosure, at desktop and phone widths. Screenshots land
in /tmp/crowdeval-shots/ (adaptive-dashboard-*.png, adaptive-leaderboard-*.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from scoring.allocation import write_priorities
from scoring.snapshots import compute_snapshot
from tests.browser.test_scoring_pages import logged_in_context
from tests.builders import CampaignBuilder, make_organiser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODELS = ("gpt-4o-2024-08-06", "claude-3.5-sonnet", "llama-3.1-70b-instruct", "qwen2.5-72b")
VIEWPORTS = {"1280": {"width": 1280, "height": 800}, "390": {"width": 390, "height": 844}}


def scored_adaptive_campaign():
    owner = make_organiser(handle="organiser-handle-015")
    build = CampaignBuilder(
        MODELS, slug="adaptive-arena", allocation="adaptive", owner=owner, gold_rate=0.0
    )
    annotator = build.annotator()
    for first in range(len(MODELS)):
        for second in range(first + 1, len(MODELS)):
            for k in range(6):  # the better-listed model wins 4 of 6
                comparison = build.comparison(MODELS[first], MODELS[second])
                build.judge(annotator, comparison, -1 if k < 4 else 1)
    write_priorities(compute_snapshot(build.campaign, rounds=100))
    return build.campaign, owner


@pytest.mark.parametrize("width", VIEWPORTS)
def test_the_dashboard_and_leaderboard_disclose_adaptive_allocation(
    live_server, browser: Browser, shots: Path, width: str
):
    campaign, owner = scored_adaptive_campaign()
    context = logged_in_context(browser, live_server, owner, viewport=VIEWPORTS[width])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/c/{campaign.slug}/organise/")
    card = page.locator("#allocation")
    expect(card.locator("h2")).to_contain_text("adaptive")
    expect(card.locator("[data-advice]")).to_contain_text("pairs of neighbours still overlap")
    expect(card.locator("tbody tr").first).to_contain_text("neighbours")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"adaptive-dashboard-{width}.png"))

    page.goto(f"{live_server.url}/c/{campaign.slug}/leaderboard/")
    expect(page.locator("[data-allocation=adaptive]")).to_contain_text("Adaptive allocation")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("[data-allocation=adaptive]").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"adaptive-leaderboard-{width}.png"))
    assert errors == []
    context.close()
