"""The organiser's set-up pages in Chromium at a laptop's and a phone's size: create a campaign
with a live guidelines preview, upload an items file, read the dry run's bad lines, fix the file,
confirm, and find the items on the dashboard. Screenshots land in /tmp/crowdeval-shots/pages/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Browser, Page, Route, expect

from accounts.models import User
from campaign.models import Campaign, ImportUpload
from campaign.organise.uploads import run_upload, stage_upload
from tests.browser.test_pages import SIZES
from tests.browser.test_scoring_pages import logged_in_context
from tests.builders import XSS_PAYLOAD, make_organiser, multi

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The set-up pages, for the accessibility audit and the phone's sideways-scroll check.
ORGANISER_SETUP_PAGES = (
    "/",
    "/organise/campaigns/new/",
    "/c/{slug}/organise/settings/",
    "/c/{slug}/organise/import/items/",
    "/c/{slug}/organise/import/judgments/",
)
GUIDELINES = "## Judge the answer\n\n- **Correct** beats fluent.\n- Ignore length.\n"


@pytest.fixture
def pages_dir(shots: Path) -> Path:
    folder = shots / "pages"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path) -> None:
    run_in_request(settings, tmp_path)


def run_in_request(settings, tmp_path: Path) -> None:
    """Uploads in a fresh folder, and both runs in the request: the demo's way (no broker)."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    settings.REDIS_URL = ""


def items_file(folder: Path, name: str, rows: list[object]) -> Path:
    path = folder / name
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def staged_review(campaign: Campaign, owner: User) -> str:
    """The review page of an items upload with bad lines (for the audits of every page)."""
    lines = [json.dumps(multi("q1", x="X", y="Y")), "{broken", json.dumps(multi("q2", x="1"))]
    file = SimpleUploadedFile("items.jsonl", "\n".join(lines).encode())
    staged = stage_upload(campaign=campaign, user=owner, kind="items", file=file, file_format="")
    return reverse("campaign:import_review", args=[campaign.slug, staged.key])


def upload(page: Page, path: Path) -> None:
    page.set_input_files("input[type=file]", str(path))
    page.click("text=Upload and check")
    page.wait_for_url("**/organise/imports/**")


@pytest.mark.parametrize("size", SIZES)
def test_an_organiser_creates_a_campaign_and_imports_its_items(
    live_server, browser: Browser, pages_dir: Path, tmp_path: Path, size: str
):
    owner = make_organiser(handle="organiser-handle-010")
    context = logged_in_context(browser, live_server, owner, **SIZES[size])
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.click("text=New campaign")

    page.fill("#id_slug", "autumn")
    page.fill("#id_title", "Autumn round")
    page.fill("#id_gold_rate", "0.2")
    page.fill("#id_guidelines", GUIDELINES + XSS_PAYLOAD)
    preview = page.locator("[data-guidelines-preview]")
    expect(preview.locator("strong")).to_have_text("Correct")  # rendered as you type
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=str(pages_dir / f"create-{size}.png"), full_page=True)
    preview.scroll_into_view_if_needed()
    page.screenshot(path=str(pages_dir / f"create-preview-{size}.png"))
    page.click("text=Create campaign")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    campaign = Campaign.objects.get(slug="autumn")
    assert (campaign.owner, campaign.gold_rate) == (owner, 0.2)

    page.click("nav >> text=Import items")
    page.screenshot(path=str(pages_dir / f"upload-{size}.png"))
    bad = items_file(
        tmp_path,
        "items.jsonl",
        [
            multi("q1", x="X one", y="Y one"),
            "{broken",
            {**multi("q2", x="X two", y="Y two"), XSS_PAYLOAD: 1},
            multi("q3", x="only one"),
        ],
    )
    upload(page, bad)
    expect(page.locator("h2")).to_contain_text("3 bad lines")
    expect(page.locator("table.report-errors tbody tr")).to_have_count(3)
    expect(page.locator("text=Confirm")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=str(pages_dir / f"dry-run-errors-{size}.png"), full_page=True)

    page.click("text=Upload another file")
    good = [multi(f"q{n}", x=f"X {n}", y=f"Y {n}", z=f"Z {n}") for n in range(1, 5)]
    upload(page, items_file(tmp_path, "items.jsonl", good))
    expect(page.locator("h2")).to_contain_text("the file is good")
    page.screenshot(path=str(pages_dir / f"dry-run-good-{size}.png"), full_page=True)
    page.click("text=Confirm: import 4 lines")
    expect(page.locator("h2#result-heading")).to_have_text("Imported")
    expect(page.locator(".report-summary")).to_contain_text("created 4 prompts")
    page.screenshot(path=str(pages_dir / f"import-result-{size}.png"), full_page=True)

    page.click("main >> text=Dashboard")
    expect(page.locator(".stat-label").nth(1)).to_have_text("of 12 comparisons complete")
    context.close()


def test_with_a_worker_the_page_follows_the_run_and_shows_the_report(
    live_server, browser: Browser, settings, tmp_path: Path, pages_dir: Path
):
    settings.REDIS_URL = "redis://127.0.0.1:6379/1"  # queued: this test plays the worker
    owner = make_organiser(handle="organiser-handle-011")
    Campaign.objects.create(slug="queued", title="Queued", owner=owner)
    context = logged_in_context(browser, live_server, owner, **SIZES["1280"])
    page = context.new_page()
    page.goto(f"{live_server.url}/c/queued/organise/import/items/")

    upload(page, items_file(tmp_path, "items.jsonl", [multi("q1", x="X", y="Y")]))
    expect(page.locator("h2")).to_have_text("Checking the file…")
    page.screenshot(path=str(pages_dir / "checking-1280.png"))
    run_upload(ImportUpload.objects.get().key)

    # organise.js polls the run's progress and reloads the page once it is done.
    expect(page.locator("h2#check-heading")).to_contain_text("the file is good", timeout=10_000)
    context.close()


def test_guidelines_typed_before_the_script_runs_are_previewed_once_it_does(
    live_server, browser: Browser
):
    # organise.js is deferred: a fast typist (or a slow network) fills the field before the
    # script listens, and the preview must still follow the text, not the page as served.
    owner = make_organiser(handle="organiser-handle-012")
    context = logged_in_context(browser, live_server, owner, **SIZES["1280"])
    page = context.new_page()
    held: list[Route] = []
    page.route("**/organise.js", lambda route: held.append(route))
    page.goto(live_server.url + reverse("campaign:create"), wait_until="commit")
    page.fill("#id_guidelines", GUIDELINES)
    assert held, "the script was not asked for"
    held[0].continue_()
    expect(page.locator("[data-guidelines-preview] strong")).to_have_text("Correct")
    context.close()
