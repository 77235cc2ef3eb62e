"""Headless Chromium (Debian's) driven by Playwright's sync API against pytest-django's live server.

Playwright's sync API runs an asyncio loop in the test thread, which makes Django refuse ORM
calls there unless told that this is deliberate.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CROWDEVAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
SHOTS = Path("/tmp/crowdeval-shots")


@pytest.fixture(scope="session")
def browser(live_server) -> Iterator[object]:
    # Depends on live_server so that the browser, and its keep-alive connections to the
    # server's request threads (each holding a database connection), close first.
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)  # CI must run the browser tests, never quietly skip them
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
