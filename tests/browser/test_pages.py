"""The pages as people use them (issue 13), in Chromium at a laptop's and a phone's size:
the verdict always in reach, a submit confirmed, an unsent choice kept, phone wording, and the
product's own 404 in the demo's DEBUG settings. That no page scrolls sideways on a phone is
checked by the walk through every page in test_accessibility.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from campaign.demo.loader import pandalm_items, read_pandalm
from campaign.models import Campaign, Judgment
from campaign.participants.provisioning import provision_annotators
from tests.browser.test_annotate_flow import log_in
from tests.builders import SECRET_CONTENDERS, CampaignBuilder, make_judgeable_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SIZES = {"1280": LAPTOP, "390": PHONE}


def longest_demo_campaign(count: int = 3) -> Campaign:
    """An open campaign of the PandaLM demo's ``count`` longest items (prompt and responses)."""
    items = sorted(
        pandalm_items(read_pandalm()),
        key=lambda item: len(item["prompt"]) + len(item["a"]["text"]) + len(item["b"]["text"]),
        reverse=True,
    )[:count]
    build = CampaignBuilder(SECRET_CONTENDERS, slug="long", qualification_gold=0, gold_rate=0.0)
    for item in items:
        build.comparison(
            *SECRET_CONTENDERS, prompt=item["prompt"], texts=(item["a"]["text"], item["b"]["text"])
        )
    return build.campaign


def participant_page(browser: Browser, live_server, campaign: Campaign, size: dict) -> Page:
    credential = provision_annotators(campaign=campaign, count=1)[0]
    page = browser.new_context(**size).new_page()
    annotate = f"/c/{campaign.slug}/annotate/"
    log_in(page, live_server.url, credential.username, credential.password, annotate)
    return page


def scale_in_viewport(page: Page) -> bool:
    return page.evaluate(
        """() => {
          const box = document.querySelector('.scale').getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_the_scale_is_in_view_on_the_longest_demo_items_after_every_swap(
    live_server, browser: Browser, shots: Path, size: str
):
    campaign = longest_demo_campaign()
    page = participant_page(browser, live_server, campaign, SIZES[size])
    for number in range(1, 4):
        assert scale_in_viewport(page), f"item {number}: the scale is below the fold"
        if number == 1:
            page.screenshot(path=str(shots / f"annotate-long-{size}.png"))
        page.locator('input[data-shortcut="2"]').check()
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("[data-judged]")).to_have_text(str(number))
        if number < 3:
            # The submit is confirmed, also when the next item looks like the last one.
            expect(page.locator("[data-annotate-toast]")).to_have_text(
                "Saved ✓ — here is a new item."
            )
    assert Judgment.objects.filter(campaign=campaign).count() == 3
    page.context.close()


def test_an_unsent_choice_and_reason_survive_a_reload(live_server, browser: Browser):
    campaign = make_judgeable_campaign("draft", regular=2)
    page = participant_page(browser, live_server, campaign, LAPTOP)
    page.keyboard.press("4")
    page.fill('textarea[name="rationale"]', "More precise.")
    page.reload()
    expect(page.locator('input[data-shortcut="4"]')).to_be_checked()
    expect(page.locator('textarea[name="rationale"]')).to_have_value("More precise.")
    page.keyboard.press("Enter")
    expect(page.locator("[data-judged]")).to_have_text("1")
    # Sent, so forgotten: the next item starts blank, also after a reload.
    page.reload()
    expect(page.locator('input[name="choice"]:checked')).to_have_count(0)
    assert Judgment.objects.get(campaign=campaign).rationale == "More precise."
    page.context.close()


def test_a_phone_says_top_and_bottom_and_shows_no_key_hints(
    live_server, browser: Browser, shots: Path
):
    campaign = make_judgeable_campaign("phone", regular=2)
    page = participant_page(browser, live_server, campaign, PHONE)
    expect(page.get_by_text("Top · response 1")).to_be_visible()
    expect(page.get_by_text("Top much better")).to_be_visible()
    expect(page.get_by_text("Left much better")).to_be_hidden()
    for hint in page.locator(".scale kbd, .key-hint").all():
        expect(hint).to_be_hidden()
    page.screenshot(path=str(shots / "annotate-phone.png"))
    page.context.close()


def test_the_demo_settings_show_the_products_404(
    live_server, browser: Browser, shots: Path, settings
):
    settings.DEBUG = True  # as `make demo` runs
    for name, size in SIZES.items():
        context = browser.new_context(**size)
        page = context.new_page()
        response = page.goto(f"{live_server.url}/c/no-such-campaign/")
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
        assert "URLconf" not in page.content()
        page.screenshot(path=str(shots / f"404-{name}.png"))
        context.close()
