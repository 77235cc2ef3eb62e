"""The annotate flow in a real browser: provisioned login, keyboard-only judging, resume, no JS."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from campaign.models import Assignment, Campaign, Judgment
from campaign.participants.provisioning import provision_annotators
from tests.builders import (
    PASSWORD,
    SECRET_CONTENDERS,
    XSS_PAYLOAD,
    make_judgeable_campaign,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDELINES = """Pick the response that **answers the prompt better**.

1. Correct beats fluent.
2. Length alone is not quality.
3. Skip items whose responses are broken, with a reason.
"""
LEFT_TEXT = (
    """Use a list comprehension:

```python
squares = [n * n for n in range(10)]
```

It is short and *readable*. """
    + XSS_PAYLOAD
)
RIGHT_TEXT = """You can write a loop:

- create an empty list
- append `n * n` for each `n`

| approach | lines |
| --- | --- |
| loop | 3 |
"""


def build_campaign() -> Campaign:
    return make_judgeable_campaign(
        "squares",
        title="Python helpers, round 1",
        regular=5,
        texts=(LEFT_TEXT, RIGHT_TEXT),
        guidelines=GUIDELINES,
    )


def log_in(
    page: Page, base: str, username: str, password: str, next_path: str, shot: Path | None = None
) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    if shot is not None:
        page.screenshot(path=str(shot))
    page.fill("#id_login", username)
    page.fill("#id_password", password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}{next_path}")


def item_key(page: Page) -> str:
    action = page.locator('form[data-annotate-form="judge"]').get_attribute("action")
    match = re.search(r"/annotate/([0-9a-f-]{36})/judge/", action or "")
    assert match
    return match.group(1)


def test_provisioned_participant_judges_three_items_with_the_keyboard_and_resumes(
    live_server, browser: Browser, shots: Path
):
    campaign = build_campaign()
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    annotate = f"/c/{campaign.slug}/annotate/"

    log_in(
        page,
        live_server.url,
        credential.username,
        credential.password,
        annotate,
        shot=shots / "login.png",
    )
    expect(page.locator("#item-heading")).to_be_focused()
    page.evaluate("window.__sameDocument = true")  # survives only if nothing reloads the page

    seen_keys = []
    for number, key in enumerate(["4", "1", "3"], start=1):
        seen_keys.append(item_key(page))
        page.keyboard.press(key)
        expect(page.locator(f'input[data-shortcut="{key}"]')).to_be_checked()
        if number == 1:
            page.screenshot(path=str(shots / "annotate.png"), full_page=True)
        page.keyboard.press("Enter")
        expect(page.locator("[data-judged]")).to_have_text(str(number))
        expect(page.locator("#item-heading")).to_be_focused()
    assert page.evaluate("window.__sameDocument") is True
    assert len(set(seen_keys)) == 3 and item_key(page) not in seen_keys

    judgments = Judgment.objects.filter(annotator__username=credential.username)
    assert judgments.count() == 3
    assert all(judgment.seconds is not None and judgment.seconds >= 0 for judgment in judgments)

    # The fourth item is leased; a reload shows the same one, nothing lost or re-served.
    open_key = item_key(page)
    page.keyboard.press("2")
    page.reload()
    assert item_key(page) == open_key
    expect(page.locator("[data-judged]")).to_have_text("3")
    assert Assignment.objects.filter(key=open_key, status="open").exists()

    # The XSS payload inside a response is shown as text, never run.
    assert page.evaluate("window.__pwned") is None
    expect(
        page.locator(".response", has_text="<script>window.__pwned = 1</script>")
    ).to_be_visible()
    assert page.locator(".response pre code").count() >= 1

    # Without the participant's own handle and username, drawn at random: they may hold a
    # secret's letters ("golden-squid-787").
    body = page.content().lower()
    for own in (credential.handle, credential.username):
        body = body.replace(own.lower(), "")
    for secret in (*SECRET_CONTENDERS, "gold"):
        assert secret.lower() not in body

    # Guidelines are one key (or one click) away.
    page.keyboard.press("g")
    expect(page.locator("#guidelines .guidelines-body")).to_contain_text("Correct beats fluent")
    page.screenshot(path=str(shots / "annotate-guidelines.png"))
    page.keyboard.press("g")

    page.goto(f"{live_server.url}/c/{campaign.slug}/progress/")
    expect(page.locator('[data-stat="judged"]')).to_have_text("3")
    page.screenshot(path=str(shots / "progress.png"))
    assert errors == []
    context.close()


def test_judging_until_nothing_is_left_shows_all_done(live_server, browser: Browser, shots: Path):
    campaign = make_judgeable_campaign("tiny", regular=2)
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, credential.username, credential.password, "/c/tiny/annotate/")
    for number in (1, 2):
        page.keyboard.press("3")
        page.keyboard.press("Enter")
        expect(page.locator("[data-judged]")).to_have_text(str(number))
    expect(page.locator("#item-heading")).to_have_text("All done — thank you!")
    page.screenshot(path=str(shots / "all-done.png"))
    context.close()


def test_enter_without_a_choice_asks_for_one_and_stores_nothing(live_server, browser: Browser):
    campaign = make_judgeable_campaign("careful", regular=2)
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, credential.username, credential.password, "/c/careful/annotate/")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("Choose a verdict first")
    assert not Judgment.objects.exists()
    context.close()


def test_skip_with_a_reason_serves_the_next_item(live_server, browser: Browser):
    campaign = make_judgeable_campaign("skippy", regular=2)
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, credential.username, credential.password, "/c/skippy/annotate/")
    skipped = item_key(page)
    page.get_by_text("Skip this item…").click()
    page.select_option("select[name=reason]", "broken")
    page.get_by_role("button", name="Skip", exact=True).click()
    expect(page.locator(".notice")).to_contain_text("Skipped")
    assert item_key(page) != skipped
    assert Assignment.objects.get(key=skipped).status == "skipped"
    context.close()


def test_the_page_works_as_a_plain_form_without_javascript(live_server, browser: Browser):
    campaign = make_judgeable_campaign("plain", regular=3)
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, credential.username, credential.password, "/c/plain/annotate/")
    first = item_key(page)
    page.locator(".scale-option").nth(4).click()
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(f"{live_server.url}/c/plain/annotate/")
    expect(page.locator("[data-judged]")).to_have_text("1")
    assert item_key(page) != first
    assert Judgment.objects.get(assignment__key=first).seconds is not None
    context.close()


def test_organiser_downloads_credentials_once_and_they_log_in(
    live_server, browser: Browser, shots: Path, teammate
):
    campaign = build_campaign()
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 700})
    page = context.new_page()
    provision = f"/c/{campaign.slug}/organise/provision/"
    log_in(page, live_server.url, teammate.username, PASSWORD, provision)
    page.fill("#id_count", "2")
    page.screenshot(path=str(shots / "provision.png"))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Create accounts and download CSV").click()
    download = download_info.value
    # The download leaves the page as it was; the page itself confirms (provision.js).
    expect(page.locator("[data-provision-status]")).to_contain_text("2 accounts created")
    page.screenshot(path=str(shots / "provision-done.png"))
    page.goto(f"{live_server.url}/c/{campaign.slug}/")
    page.screenshot(path=str(shots / "campaign-organiser.png"))
    assert download.suggested_filename.startswith(f"{campaign.slug}-credentials-")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text())))
    assert len(rows) == 2
    context.close()

    participant = browser.new_context()
    page = participant.new_page()
    annotate = f"/c/{campaign.slug}/annotate/"
    log_in(page, live_server.url, rows[0]["username"], rows[0]["password"], annotate)
    expect(page.locator("#item-heading")).to_have_text("Prompt")
    participant.close()


def test_narrow_screens_stack_the_responses(live_server, browser: Browser, shots: Path):
    campaign = build_campaign()
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    annotate = f"/c/{campaign.slug}/annotate/"
    log_in(page, live_server.url, credential.username, credential.password, annotate)
    left, right = page.locator(".response").all()
    assert left.bounding_box()["y"] < right.bounding_box()["y"]
    page.screenshot(path=str(shots / "annotate-narrow.png"), full_page=True)
    context.close()


def test_a_503_during_an_outage_keeps_the_verdict_and_sends_it_again(live_server, browser: Browser):
    # The database restarting answers the judge POST with config/outage.py's 503; the script
    # must not reload (which would drop the verdict) but send the same verdict again: when
    # the participant presses Enter, or by itself after Retry-After.
    campaign = make_judgeable_campaign("outage", regular=2)
    credential = provision_annotators(campaign=campaign, count=1)[0]
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, credential.username, credential.password, "/c/outage/annotate/")
    retry_after = ["60", "1"]  # the first two tries meet the outage, the third gets through

    def judge_posts_meet_the_outage(route) -> None:
        if not retry_after:
            route.continue_()
            return
        route.fulfill(
            status=503,
            headers={"Retry-After": retry_after.pop(0), "Content-Type": "text/html"},
            body="<h1>Back in a moment</h1>",
        )

    page.route("**/judge/", judge_posts_meet_the_outage)
    judged = item_key(page)
    page.keyboard.press("4")
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("Your choice is kept")
    expect(page.locator('input[name="choice"][data-shortcut="4"]')).to_be_checked()
    assert item_key(page) == judged and not Judgment.objects.exists()

    page.keyboard.press("Enter")  # tries now, meets the outage again, retries after 1 s
    expect(page.locator("[data-judged]")).to_have_text("1")
    assert retry_after == []
    assert Judgment.objects.get(assignment__key=judged).verdict != 0  # "4" is not a tie
    context.close()
