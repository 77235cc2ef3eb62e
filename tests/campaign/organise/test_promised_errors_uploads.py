"""The browser import's refusals that no other test put in words: a file gone from the server
before its import, and a broker that cannot take the run. Nothing reaches the campaign."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse
from django.utils.html import escape

from campaign.models import ImportUpload, Prompt
from campaign.organise.uploads import run_upload, upload_path
from config.celery import app as celery_app
from tests.builders import aim_celery_at, logged_in
from tests.campaign.organise.test_import_pages import (
    GOOD,
    campaign,
    imported,
    jsonl,
    the_upload,
    upload,
    upload_dir,
)

pytestmark = pytest.mark.django_db
__all__ = ["campaign", "upload_dir"]  # the fixtures: the campaign "imp", uploads in tmp_path

State = ImportUpload.State
GONE = "The uploaded file is no longer on the server: upload it again."
NO_QUEUE = (
    "The import queue cannot be reached right now; nothing was imported. Try again in a minute."
)


@pytest.fixture
def take_broker_down(settings) -> Iterator[Callable[[], None]]:
    """Configure a broker (so runs are queued, not run in the request) that refuses connections."""
    saved = celery_app.conf.broker_url

    def down() -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]  # free once the probe closes: nothing listens there
        settings.REDIS_URL = f"redis://127.0.0.1:{closed}/4"
        aim_celery_at(settings.REDIS_URL)

    yield down
    aim_celery_at(saved)


def stage(client) -> ImportUpload:
    assert upload(client, jsonl(*GOOD)).status_code == 302
    return the_upload()


def confirm(client, staged: ImportUpload):
    url = reverse("campaign:import_confirm", args=["imp", staged.key])
    return client.post(url, follow=True).content.decode()


def test_a_file_gone_from_the_server_before_its_import_fails_in_these_words(owner, campaign):
    client = logged_in(owner)
    staged = stage(client)
    upload_path(staged).unlink()  # e.g. a worker without the shared upload folder

    page = confirm(client, staged)

    staged.refresh_from_db()
    assert staged.state == State.FAILED and staged.failure == GONE
    assert escape(GONE) in page
    assert not imported()


def test_an_upload_the_broker_cannot_queue_is_refused_on_the_form_and_leaves_nothing(
    owner, campaign, take_broker_down, upload_dir
):
    take_broker_down()

    response = upload(logged_in(owner), jsonl(*GOOD))

    assert response.status_code == 422
    assert escape(NO_QUEUE) in response.content.decode()
    assert not ImportUpload.objects.exists()
    assert not any(upload_dir.iterdir())
    assert not imported()


def test_a_confirm_the_broker_cannot_queue_is_refused_and_can_be_confirmed_again(
    owner, campaign, take_broker_down
):
    client = logged_in(owner)
    staged = stage(client)  # no broker yet: the dry run ran in the request
    take_broker_down()

    page = confirm(client, staged)

    staged.refresh_from_db()
    assert escape(NO_QUEUE) in page
    assert staged.state == State.CHECKED and upload_path(staged).is_file()
    assert not imported()


def test_a_run_delivered_again_after_its_import_does_nothing_more(owner, campaign):
    client = logged_in(owner)
    staged = stage(client)
    confirm(client, staged)
    staged.refresh_from_db()
    assert staged.state == State.DONE
    prompts = sorted(Prompt.objects.values_list("pk", flat=True))

    again = run_upload(staged.key)  # the broker handed the same message out twice

    assert again.state == State.DONE and again.import_report == staged.import_report
    assert sorted(Prompt.objects.values_list("pk", flat=True)) == prompts
