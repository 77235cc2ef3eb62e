"""The leaderboard and the organiser dashboard in a real browser: charts, sorting, filtering,
recompute, how solid the ranking is. Screenshots land in /tmp/crowdeval-shots/ (leaderboard.png,
dashboard.png, dashboard-robustness-1280.png and -390.png)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from campaign.models import Comparison, Prompt
from scoring.models import Snapshot
from scoring.snapshots import compute_snapshot
from tests.builders import (
    CampaignBuilder,
    Scored,
    judge,
    make_judgeable_campaign,
    make_organiser,
    make_participant,
    make_snapshot,
    serve,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MODELS = [
    "gpt-4o-2024-08-06",
    "claude-3.5-sonnet",
    "llama-3.1-70b-instruct",
    "mistral-large-2407",
    "qwen2.5-72b-instruct",
    "<script>alert(1)</script>",
]
HANDLES = [
    "brave-otter-042",
    "calm-heron-007",
    "quick-lynx-311",
    "sly-fox-118",
    "merry-wren-256",
    "lazy-sloth-090",
]


def build_scored_campaign():
    owner = make_organiser(handle="organiser-handle-009")
    campaign = make_judgeable_campaign(
        "arena", title="Arena, spring round", regular=8, gold=6, owner=owner
    )
    Prompt.objects.filter(campaign=campaign, external_id__endswith="-1").update(category="coding")
    Prompt.objects.filter(campaign=campaign, external_id__endswith="-2").update(category="writing")
    people = [make_participant(campaign, handle=handle) for handle in HANDLES]
    regular = list(Comparison.objects.filter(campaign=campaign, gold_side="").order_by("pk"))
    gold = list(Comparison.objects.filter(campaign=campaign, gold_side="a").order_by("pk"))
    for comparison, count in zip(regular, [3, 3, 3, 2, 2, 1, 1, 0], strict=True):
        for person in people[:count]:
            judge(person, comparison)
    for person in people:  # gold is "a": everyone right but the last
        for comparison in gold:
            judge(person, comparison, verdict=1 if person is people[-1] else -1)
    serve(people[4], regular[-1], status="skipped", reason="A response is truncated")
    figures = [
        dict(judgments=120, gold_correct=6, agreement=0.81, median_seconds=21.5),
        dict(judgments=95, gold_correct=6, agreement=0.74, median_seconds=18.0),
        dict(
            judgments=150, gold_correct=2, agreement=0.41, median_seconds=2.1, flags=("too_fast",)
        ),
        dict(judgments=60, gold_correct=5, agreement=0.66, median_seconds=25.0),
        dict(judgments=40, gold_correct=6, agreement=None, median_seconds=30.2),
        dict(judgments=80, gold_correct=3, agreement=0.52, flags=("straight_lining",)),
    ]
    make_snapshot(
        campaign,
        contenders=MODELS,
        annotators=[
            Scored(person, **figure) for person, figure in zip(people, figures, strict=True)
        ],
        judgments=1874,
    )
    return campaign, owner


def logged_in_context(browser: Browser, live_server, user: User, **options) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context


def handles_in_table(page: Page) -> list[str]:
    return page.locator("table.annotators tbody th[scope=row]").all_inner_texts()


def test_leaderboard_shows_ranked_models_charts_and_participants(
    live_server, browser: Browser, shots: Path
):
    campaign, _owner = build_scored_campaign()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/c/{campaign.slug}/leaderboard/")

    rows = page.locator("table.leaderboard tbody tr")
    expect(rows).to_have_count(len(MODELS))
    expect(rows.first.locator("th")).to_have_text(MODELS[0])
    expect(page.locator("svg.chart")).to_have_count(2)
    expect(page.locator("table.participants tbody tr")).to_have_count(len(HANDLES))
    # The hostile name is shown as text in the table and charts, never run.
    expect(
        page.locator("table.leaderboard th", has_text="<script>alert(1)</script>")
    ).to_be_visible()
    assert page.evaluate("typeof window.alert") == "function"
    assert page.locator("main script").count() == 0
    # The charts scale with the page: no horizontal scrolling at this width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "leaderboard.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    assert download_info.value.suggested_filename == "arena-leaderboard.csv"
    assert errors == []
    context.close()


def test_dashboard_sorts_filters_and_recomputes(
    live_server, browser: Browser, shots: Path, settings
):
    # No broker: Recompute runs the real scoring job inside the request (the embedded default).
    settings.REDIS_URL = ""
    campaign, owner = build_scored_campaign()
    context = logged_in_context(
        browser, live_server, owner, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/c/{campaign.slug}/organise/")

    expect(page.locator("h1")).to_contain_text("Dashboard")
    assert handles_in_table(page)[0] == "quick-lynx-311"  # most judgments first
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    page.locator("table.annotators thead a[data-sort=handle]").click()
    expect(page.locator("table.annotators thead th[aria-sort=ascending]")).to_have_text("Handle ▲")
    assert handles_in_table(page) == sorted(HANDLES)
    page.locator("table.annotators thead a[data-sort=handle]").click()
    expect(page.locator("table.annotators thead th[aria-sort=descending]")).to_have_text("Handle ▼")
    assert handles_in_table(page) == sorted(HANDLES, reverse=True)

    page.select_option("select[name=show]", "flagged")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("[data-annotator-count]")).to_have_text("2 of 6 shown")
    assert handles_in_table(page) == ["quick-lynx-311", "lazy-sloth-090"]  # still by handle, desc
    page.fill("input[name=q]", "lynx")
    page.keyboard.press("Enter")
    expect(page.locator("[data-annotator-count]")).to_have_text("1 of 6 shown")

    before = Snapshot.objects.get(campaign=campaign)
    page.get_by_role("button", name="Recompute scores").click()
    expect(page.locator(".messages")).to_contain_text("Scores recomputed.")
    latest = Snapshot.objects.filter(campaign=campaign).latest()
    assert latest.pk != before.pk and latest.judgments == 15 + 6 * 6
    # The table now holds the real scores: the one who failed the checks is untrusted.
    page.select_option("select[name=show]", "untrusted")
    page.get_by_role("button", name="Filter").click()
    assert handles_in_table(page) == ["lazy-sloth-090"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close campaign").click()
    expect(page.locator(".messages")).to_contain_text("The campaign is closed")
    # Most accepted judgments among those who passed the checks.
    expect(page.locator(".winner")).to_contain_text("brave-otter-042")
    page.screenshot(path=str(shots / "dashboard-closed.png"), full_page=True)
    assert errors == []
    context.close()


def test_dashboard_says_how_solid_the_ranking_is_on_wide_and_narrow_screens(
    live_server, browser: Browser, shots: Path
):
    owner = make_organiser(handle="organiser-handle-011")
    build = CampaignBuilder(
        tuple(MODELS[:5]), slug="solid", owner=owner, min_gold_seen=1, min_gold_accuracy=0.6
    )
    gold = build.comparison(MODELS[0], MODELS[1], gold="a")
    rng = np.random.default_rng(7)
    # The leader far ahead (its interval apart from the next), the others close together.
    strength = dict(zip(MODELS[:5], (2.0, 0.7, 0.45, 0.25, 0.0), strict=True))
    people = [build.annotator(handle=handle) for handle in HANDLES[:5]]
    for person in people:
        build.judge(person, gold, -2)
        for _ in range(30):
            a, b = rng.choice(MODELS[:5], size=2, replace=False)
            a_wins = rng.random() < 1 / (1 + np.exp(strength[b] - strength[a]))
            build.judge(person, build.comparison(a, b), -2 if a_wins else 2)
    # One trusted annotator keeps voting the fourth model up: the board leans on them.
    keen = build.annotator(handle="keen-mole-333")
    build.judge(keen, gold, -2)
    for _ in range(12):
        build.judge(keen, build.comparison(MODELS[3], MODELS[2]), -2)
    compute_snapshot(build.campaign, rounds=200)

    for width, height in ((1280, 800), (390, 844)):
        context = logged_in_context(
            browser, live_server, owner, viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/c/solid/organise/")
        section = page.locator("#robustness")
        expect(section.get_by_role("heading", name="How solid is the ranking")).to_be_visible()
        expect(section.locator("[data-robustness=largest-change]")).to_contain_text("keen-mole-333")
        expect(section.locator("[data-robustness=neighbours] tbody tr")).to_have_count(4)
        expect(section.locator("[data-robustness=neighbours] .badge.ok")).to_have_text("separated")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        section.scroll_into_view_if_needed()
        section.screenshot(path=str(shots / f"dashboard-robustness-{width}.png"))
        page.screenshot(path=str(shots / f"dashboard-robustness-{width}-viewport.png"))
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_participant_ranking_pages_forward_and_back(
    live_server, browser: Browser, shots: Path, monkeypatch, width
):
    from scoring import views

    monkeypatch.setattr(views, "PARTICIPANTS_PER_PAGE", 2)
    owner = make_organiser(handle="organiser-handle-019")
    campaign = make_judgeable_campaign("paged", regular=3, owner=owner)
    people = [make_participant(campaign, handle=handle) for handle in HANDLES[:3]]
    make_snapshot(
        campaign,
        annotators=[Scored(person, judgments=90 - 30 * k) for k, person in enumerate(people)],
    )
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/c/{campaign.slug}/leaderboard/")

    ranking = page.locator("table.participants tbody th")
    expect(ranking).to_have_text(HANDLES[:2])
    page.get_by_role("link", name="Next →").click()
    expect(ranking).to_have_text(HANDLES[2:3])
    expect(page.get_by_text("Page 2 of 2 (3 participants")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#participants-heading").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"leaderboard-participants-page-{width}.png"))
    page.get_by_role("link", name="← Previous").click()
    expect(ranking).to_have_text(HANDLES[:2])
    context.close()
