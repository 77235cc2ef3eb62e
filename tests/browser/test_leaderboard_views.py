"""The leaderboard's board switch and the dashboard's bias sentence in a real browser, on a
campaign scored by the real job (categories, verbose and terse answers, a crowd that leans
left). Screenshots land in /tmp/work/shots/views/ at 1280x800 and 390x844."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, expect

from accounts.models import User
from campaign.models import Comparison, Prompt
from scoring.snapshots import compute_snapshot
from tests.browser.test_scoring_pages import logged_in_context
from tests.builders import CampaignBuilder, make_organiser
from tests.builders.campaigns import make_judgment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/work/shots/views")
MODELS = ("claude-3.5-sonnet", "gpt-4o-2024-08-06", "llama-3.1-70b", "mistral-large")
CATEGORIES = ("coding", "writing", "<script>alert(1)</script>")
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
VERBOSE = "## Answer\n\n- first point\n- second point\n\n**In short:** " + "more words " * 40
TERSE = "A short, direct answer."


def build_scored_campaign():
    owner = make_organiser(handle="organiser-handle-019")
    build = CampaignBuilder(
        MODELS, slug="arena-views", title="Arena, views", owner=owner, min_gold_seen=0
    )
    rng = np.random.default_rng(0)
    people = [build.annotator(handle=f"voter-{k:03d}") for k in range(6)]
    strength = {name: 0.4 * (len(MODELS) - k) for k, name in enumerate(MODELS)}
    pairs = list(itertools.combinations(MODELS, 2))
    for k in range(210):
        a, b = pairs[k % len(pairs)]
        # mistral-large answers at length most of the time, the others now and then.
        texts = tuple(
            VERBOSE if rng.random() < (0.8 if name == "mistral-large" else 0.2) else TERSE
            for name in (a, b)
        )
        comparison = build.comparison(a, b, texts=texts)
        category = CATEGORIES[k % len(CATEGORIES)]
        Prompt.objects.filter(pk=comparison.prompt_id).update(category=category)
        left = "a" if rng.random() < 0.5 else "b"
        edge = strength[a] - strength[b] + (0.9 if left == "a" else -0.9)
        edge += (texts[0] == VERBOSE) - (texts[1] == VERBOSE)  # the crowd likes long answers
        verdict = -1 if rng.random() < 1 / (1 + np.exp(-edge)) else 1
        build.judge(people[k % len(people)], comparison, verdict, left=left)
    empty = build.comparison("claude-3.5-sonnet", "mistral-large")
    Prompt.objects.filter(pk=empty.prompt_id).update(category="math")
    compute_snapshot(build.campaign, rounds=200)
    return build.campaign, owner


def test_the_switch_tabs_empty_state_and_bias_sentence_look_right(live_server, browser: Browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    campaign, owner = build_scored_campaign()
    board = f"{live_server.url}/c/{campaign.slug}/leaderboard/"
    for size, viewport in VIEWPORTS.items():
        context = logged_in_context(browser, live_server, owner, viewport=viewport)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(board)

        switch = page.get_by_role("navigation", name="Leaderboard views")
        expect(switch.get_by_role("link", name="Bradley-Terry")).to_have_attribute(
            "aria-current", "page"
        )
        expect(switch.get_by_role("link", name="<script>alert(1)</script>")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"leaderboard-{size}.png"), full_page=True)

        switch.get_by_role("link", name="Style-controlled").click()
        expect(page).to_have_url(f"{board}?view=style")
        expect(page.locator(".style-coefficients")).to_contain_text("Length (characters)")
        page.screenshot(path=str(SHOTS / f"style-{size}.png"), full_page=True)

        page.get_by_role("navigation", name="Leaderboard views").get_by_role(
            "link", name="math"
        ).click()
        expect(page.locator('[data-empty="view"]')).to_contain_text("math")
        page.screenshot(path=str(SHOTS / f"empty-category-{size}.png"), full_page=True)

        page.goto(f"{live_server.url}/c/{campaign.slug}/organise/")
        sentence = page.locator('[data-analysis="position-bias"]')
        expect(sentence).to_contain_text("Left side favoured by")
        page.screenshot(path=str(SHOTS / f"dashboard-{size}.png"), full_page=False)
        sentence.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"dashboard-bias-{size}.png"))
        assert errors == []
        assert page.evaluate("typeof window.alert") == "function"
        context.close()


def test_a_carried_board_says_how_many_judgments_it_counts(live_server, browser: Browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    campaign, owner = build_scored_campaign()
    # Three more judgments: a run when the extras are not due carries them.
    comparison = Comparison.objects.filter(campaign=campaign, judgments__isnull=True).first()
    for user in User.objects.filter(enrollments__campaign=campaign)[:3]:
        make_judgment(user, comparison, -1)
    snapshot = compute_snapshot(campaign, rounds=200, extras=False)
    assert snapshot is not None and snapshot.stats["extras_refit"] == ""
    for size, viewport in VIEWPORTS.items():
        context = logged_in_context(browser, live_server, owner, viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/c/{campaign.slug}/leaderboard/?view=style")
        notice = page.locator('[data-notice="view-as-of"]')
        expect(notice).to_contain_text("fitted on the first 210 judgments")
        expect(notice).to_contain_text(f"counts all {snapshot.judgments}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(SHOTS / f"carried-style-{size}.png"), full_page=True)
        page.goto(f"{live_server.url}/c/{campaign.slug}/leaderboard/")
        expect(page.locator('[data-notice="view-as-of"]')).to_have_count(0)
        page.goto(f"{live_server.url}/c/{campaign.slug}/organise/")
        note = page.locator('[data-robustness="as-of"]')
        expect(note).to_contain_text("Fitted on the first 210 judgments")
        note.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"carried-robustness-{size}.png"))
        context.close()
