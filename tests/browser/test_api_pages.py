"""The API tokens page and the API's docs in a real browser. Screenshots land in
/tmp/crowdeval-shots/ (api_tokens.png, api_docs.png)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect

from accounts.models import User
from api.tokens import user_for_token
from tests.builders import make_judgeable_campaign, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in_context(browser: Browser, live_server, user: User) -> BrowserContext:
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    return context


def test_an_organiser_creates_a_token_sees_it_once_and_revokes_it(
    live_server, browser: Browser, shots: Path
):
    owner = make_user(username="alice", handle="alice-handle-001")
    make_judgeable_campaign("spring", owner=owner)
    context = logged_in_context(browser, live_server, owner)
    page = context.new_page()
    page.goto(f"{live_server.url}/organise/api-tokens/")
    page.fill("#id_name", "training pipeline")
    page.click("button.primary")
    secret = page.locator("#new-token").inner_text()
    assert user_for_token(secret) == owner
    expect(page.locator("table")).to_contain_text("training pipeline")
    page.screenshot(path=str(shots / "api_tokens.png"), full_page=True)

    page.goto(f"{live_server.url}/organise/api-tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    page.click("text=Revoke")
    expect(page.locator("table")).to_contain_text("revoked")
    assert user_for_token(secret) is None
    context.close()


def test_the_docs_render_every_operation_under_the_content_security_policy(
    live_server, browser: Browser, shots: Path
):
    page = browser.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text and "script" in message.text
            else None
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() == 15
    assert violations == []
    page.screenshot(path=str(shots / "api_docs.png"), full_page=True)
    page.close()
