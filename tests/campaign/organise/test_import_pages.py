"""Importing items and votes from the browser: upload, the dry run's report, confirm, result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from campaign.models import Comparison, ImportUpload, Judgment, Prompt
from campaign.organise.uploads import (
    STALE_AFTER,
    Progress,
    discard_stale_uploads,
    run_upload,
    upload_path,
)
from tests.builders import (
    XSS_PAYLOAD,
    explicit,
    logged_in,
    make_judgeable_campaign,
    make_user,
    multi,
)

pytestmark = pytest.mark.django_db

State = ImportUpload.State


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path) -> Path:
    """Uploads in a fresh folder; no broker, so both runs happen in the request (the demo)."""
    settings.IMPORT_UPLOAD_DIR = tmp_path / "uploads"
    settings.REDIS_URL = ""
    return settings.IMPORT_UPLOAD_DIR


@pytest.fixture
def campaign(owner):
    return make_judgeable_campaign("imp", owner=owner, regular=0)


@pytest.fixture
def other_owner(db):
    user = make_user(username="other-owner", handle="other-owner-001")
    make_judgeable_campaign("elsewhere", owner=user)
    return user


def import_url(kind: str = "items") -> str:
    return reverse("campaign:import", args=["imp", kind])


def jsonl(*rows: object, name: str = "items.jsonl") -> SimpleUploadedFile:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode())


GOOD = (multi("q1", x="X one", y="Y one"), multi("q2", x="X two", y="Y two", z="Z two"))


def upload(client: Client, file: SimpleUploadedFile, kind: str = "items", **fields: str):
    return client.post(import_url(kind), {"file": file, **fields})


def imported() -> bool:
    """Whether anything reached the campaign."""
    return Prompt.objects.filter(campaign__slug="imp").exists()


def the_upload() -> ImportUpload:
    return ImportUpload.objects.get()


def test_a_good_file_shows_its_dry_run_and_writes_nothing_until_confirmed(owner, campaign):
    client = logged_in(owner)

    response = upload(client, jsonl(*GOOD))

    staged = the_upload()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaign:import_review", args=["imp", staged.key])
    page = client.get(response["Location"]).content.decode()
    assert "Dry run: the file is good" in page
    assert "2 lines: would create 2 prompts, 5 responses, 4 comparisons" in page
    assert "Confirm: import 2 lines" in page
    assert staged.state == State.CHECKED and upload_path(staged).is_file()
    assert not imported()


def test_confirm_imports_the_file_that_was_checked_and_shows_the_result(owner, campaign):
    client = logged_in(owner)
    upload(client, jsonl(*GOOD))
    staged = the_upload()

    response = client.post(reverse("campaign:import_confirm", args=["imp", staged.key]))

    staged.refresh_from_db()
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Imported" in page and "2 lines: created 2 prompts" in page
    assert Comparison.objects.filter(campaign=campaign).count() == 4
    assert staged.state == State.DONE and not upload_path(staged).exists()


def test_a_second_confirm_is_refused_and_imports_nothing_more(owner, campaign):
    client = logged_in(owner)
    upload(client, jsonl(*GOOD))
    confirm = reverse("campaign:import_confirm", args=["imp", the_upload().key])
    client.post(confirm)

    page = client.post(confirm, follow=True).content.decode()

    assert "already been imported" in page
    assert Comparison.objects.filter(campaign=campaign).count() == 4


def test_bad_lines_are_listed_by_number_escaped_and_cannot_be_confirmed(owner, campaign):
    client = logged_in(owner)
    # File lines can hold HTML, and the reasons quote them ("unknown key '<script>…'").
    html_key = {**multi("q4", x="1", y="2"), XSS_PAYLOAD: 1}
    rows = (GOOD[0], "{not json", explicit("q3", "x", "x"), html_key)

    page = client.get(upload(client, jsonl(*rows))["Location"]).content.decode()

    staged = the_upload()
    assert "3 bad lines" in page
    for line in ("2", "3", "4"):
        assert f'<td class="num">{line}</td>' in page
    assert "<script>window.__pwned" not in page and "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned" in page
    assert "Confirm" not in page
    assert staged.state == State.CHECKED and not upload_path(staged).exists()
    response = client.post(
        reverse("campaign:import_confirm", args=["imp", staged.key]), follow=True
    )
    assert "found problems" in response.content.decode()
    assert not imported()


@pytest.mark.parametrize(
    ("file", "words"),
    [
        (SimpleUploadedFile("items.jsonl", b""), "The file is empty."),
        (SimpleUploadedFile("items.txt", b'{"id": "q"}\n'), "Cannot tell the format"),
        (None, "Choose a file to upload."),
    ],
    ids=["empty", "wrong-extension", "missing-file-field"],
)
def test_a_file_the_form_refuses_says_why_and_leaves_nothing(owner, campaign, file, words):
    data = {} if file is None else {"file": file}

    response = logged_in(owner).post(import_url(), data)

    assert response.status_code == 422
    assert words in response.content.decode()
    assert not ImportUpload.objects.exists() and not imported()


def test_a_file_over_the_upload_limit_is_refused(owner, campaign, settings, upload_dir):
    settings.IMPORT_UPLOAD_MAX_BYTES = 100

    response = upload(logged_in(owner), jsonl(*GOOD))

    assert response.status_code == 422
    assert "the most an upload may hold" in response.content.decode()
    assert not ImportUpload.objects.exists()
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


@pytest.mark.parametrize(
    ("file", "words"),
    [
        (
            SimpleUploadedFile("items.csv", "id,prompt\nq1,caf\u00e9\n".encode("latin-1")),
            "not UTF-8",
        ),
        (jsonl(multi("q1", x="x" * 100_001, y="y")), "over the size limit"),
        (SimpleUploadedFile("items.parquet", b"PAR1 not really"), "bad Parquet file"),
        (SimpleUploadedFile("items.jsonl", b"\n\n"), "the file holds no rows"),
    ],
    ids=["non-utf8-csv", "huge-line", "broken-parquet", "blank-lines"],
)
def test_a_file_the_dry_run_refuses_is_reported_and_changes_nothing(owner, campaign, file, words):
    client = logged_in(owner)

    page = client.get(upload(client, file)["Location"]).content.decode()

    assert words in page and "Nothing was imported" in page
    assert not imported()


def test_votes_import_through_the_same_steps(owner, campaign):
    client = logged_in(owner)
    votes = [
        {"annotator": "ann", "prompt": "Which?", "model_a": "x", "model_b": "y", "winner": "a"},
        {"annotator": "bob", "prompt": "Which?", "model_a": "x", "model_b": "y", "winner": "tie"},
    ]
    review = upload(client, jsonl(*votes, name="votes.jsonl"), kind="judgments")["Location"]
    assert "would create 2 judgments" in client.get(review).content.decode()

    client.post(reverse("campaign:import_confirm", args=["imp", the_upload().key]))

    assert Judgment.objects.filter(comparison__campaign=campaign).count() == 2


def test_the_format_can_be_named_when_the_extension_says_nothing(owner, campaign):
    client = logged_in(owner)
    file = jsonl(*GOOD, name="export.txt")

    page = client.get(upload(client, file, file_format="jsonl")["Location"]).content.decode()

    assert "Dry run: the file is good" in page


def test_an_unknown_import_kind_is_a_404(owner, campaign):
    assert logged_in(owner).get(import_url("sheep")).status_code == 404


@pytest.mark.parametrize("who", ["participant", "stranger", "other_owner"])
def test_everyone_but_the_campaigns_organisers_gets_a_404(request, who, owner, campaign):
    upload(logged_in(owner), jsonl(*GOOD))
    key = the_upload().key
    client = logged_in(request.getfixturevalue(who))

    assert client.get(import_url()).status_code == 404
    assert upload(client, jsonl(*GOOD)).status_code == 404
    for name in ("import_review", "import_progress"):
        assert client.get(reverse(f"campaign:{name}", args=["imp", key])).status_code == 404
    assert client.post(reverse("campaign:import_confirm", args=["imp", key])).status_code == 404
    assert ImportUpload.objects.count() == 1 and not imported()


def test_an_upload_belongs_to_the_organiser_who_made_it(owner, teammate, campaign):
    upload(logged_in(owner), jsonl(*GOOD))
    key = the_upload().key
    staff = logged_in(teammate)

    assert staff.get(import_url()).status_code == 200  # staff organise every campaign
    assert staff.get(reverse("campaign:import_review", args=["imp", key])).status_code == 404
    assert staff.post(reverse("campaign:import_confirm", args=["imp", key])).status_code == 404
    assert not imported()


def test_anonymous_visitors_are_sent_to_log_in(owner, campaign):
    upload(logged_in(owner), jsonl(*GOOD))
    key = the_upload().key

    for url in (import_url(), reverse("campaign:import_review", args=["imp", key])):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    Client().post(reverse("campaign:import_confirm", args=["imp", key]))
    assert not imported()


def test_upload_and_confirm_need_csrf(owner, campaign):
    client = logged_in(owner, enforce_csrf_checks=True)

    assert upload(client, jsonl(*GOOD)).status_code == 403
    upload(logged_in(owner), jsonl(*GOOD))
    confirm = reverse("campaign:import_confirm", args=["imp", the_upload().key])
    assert client.post(confirm).status_code == 403
    assert not imported()


def test_with_a_worker_the_page_shows_progress_until_the_run_is_done(owner, campaign, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/1"  # queued: nothing runs in the request
    client = logged_in(owner)
    review = upload(client, jsonl(*GOOD))["Location"]
    staged = the_upload()
    progress = reverse("campaign:import_progress", args=["imp", staged.key])

    page = client.get(review).content.decode()
    assert "Checking the file…" in page and 'http-equiv="refresh"' in page
    assert client.get(progress).json()["state"] == "checking"

    run_upload(staged.key)  # what the worker does with the queued task

    assert client.get(progress).json() | {"phase": ""} == {
        "state": "checked",
        "phase": "",
        "done": 0,
        "total": 2,
        "percent": None,
    }
    assert "Confirm: import 2 lines" in client.get(review).content.decode()


def test_the_import_progress_counts_both_passes_over_the_file():
    total = 1000
    assert Progress("importing", "validating", 500, total).percent == 25
    assert Progress("importing", "writing", 500, total).percent == 75
    assert Progress("importing", "writing", total, total).percent == 99  # done: the page says
    assert Progress("checking", "validating", 500, None).percent is None


def test_an_upload_nobody_confirmed_for_a_day_is_deleted_with_its_file(owner, campaign):
    upload(logged_in(owner), jsonl(*GOOD))
    staged = the_upload()
    ImportUpload.objects.filter(pk=staged.pk).update(created_at=staged.created_at - STALE_AFTER)

    assert discard_stale_uploads() == 1

    assert not ImportUpload.objects.exists() and not upload_path(staged).exists()
