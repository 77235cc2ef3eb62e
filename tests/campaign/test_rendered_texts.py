"""Stored HTML of prompts and responses: filled after imports, escaped, read by the pages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from campaign.imports.items import import_items
from campaign.imports.votes import import_judgments
from campaign.models import Campaign, Prompt, Response
from campaign.rendered_texts import fill_rendered_html, render_pending_texts
from campaign.rendering import markdown_html
from campaign.services import create_campaign
from tests.builders import (
    explicit,
    logged_in,
    make_judgeable_campaign,
    make_organiser,
    make_participant,
    write_jsonl,
)
from tests.pages import current_key, fetch_headers

pytestmark = pytest.mark.django_db

HOSTILE = "**Bold** <script>alert(1)</script> [link](javascript:alert(2)) <img src=x onerror=y>"


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="rendered", title="Rendered texts")


def texts_and_html() -> list[tuple[str, str | None]]:
    return [
        *Prompt.objects.order_by("pk").values_list("text", "html"),
        *Response.objects.order_by("pk").values_list("text", "html"),
    ]


def hostile_items() -> list[dict]:
    rows = [explicit("q1", "alpha", "beta"), explicit("q2", "alpha", "beta", gold="a")]
    rows[0]["prompt"] = HOSTILE
    rows[1]["a"]["text"] = HOSTILE
    return rows


def test_every_imported_prompt_and_response_gets_its_html_gold_or_not(campaign, tmp_path):
    import_items(campaign, write_jsonl(tmp_path / "items.jsonl", hostile_items()))

    assert fill_rendered_html(campaign.pk) == 6  # two prompts, four responses
    stored = texts_and_html()
    assert len(stored) == 6
    assert all(html == markdown_html(text) for text, html in stored)
    hostile = next(html for text, html in stored if text == HOSTILE)
    assert "<strong>Bold</strong>" in hostile
    assert "&lt;script&gt;" in hostile and "<script" not in hostile
    assert "<img" not in hostile and "javascript:" not in hostile
    assert fill_rendered_html(campaign.pk) == 0  # nothing left to render


def test_beat_fills_the_rows_an_imports_task_left_unrendered_in_campaigns_not_closed(
    campaign, tmp_path
):
    closed = create_campaign(slug="rendered-closed", title="Closed")
    for each in (campaign, closed):
        import_items(each, write_jsonl(tmp_path / f"{each.slug}.jsonl", hostile_items()))
    # As if the broker had been down at the imports' commit: no task rendered anything.
    Prompt.objects.update(html=None)
    Response.objects.update(html=None)
    Campaign.objects.filter(pk=closed.pk).update(status=Campaign.Status.CLOSED)

    assert render_pending_texts() == 6  # the open campaign's two prompts and four responses

    mine = Prompt.objects.filter(campaign=campaign)
    assert all(html == markdown_html(text) for text, html in mine.values_list("text", "html"))
    theirs = Response.objects.filter(prompt__campaign=closed)
    assert list(theirs.values_list("html", flat=True)) == [None] * 4
    assert render_pending_texts() == 0


def wait_for_rendering(campaign: Campaign) -> None:
    """Join the threads an import without a broker starts: rendering (campaign.rendered_texts)
    and, after votes, scoring (scoring.queue), which must end before the tables are flushed."""
    names = {f"render-{campaign.pk}", f"scoring-{campaign.pk}"}
    threads = [t for t in threading.enumerate() if t.name in names]
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()


@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
@override_settings(REDIS_URL="")
def test_without_a_broker_an_import_renders_its_texts_in_a_thread(tmp_path):
    campaign = create_campaign(slug="threaded", title="No broker")

    import_items(campaign, write_jsonl(tmp_path / "items.jsonl", hostile_items()))
    wait_for_rendering(campaign)

    stored = texts_and_html()
    assert len(stored) == 6 and all(html == markdown_html(text) for text, html in stored)


@pytest.mark.django_db(transaction=True)
@override_settings(REDIS_URL="")
def test_the_vote_import_renders_the_texts_it_creates(tmp_path):
    campaign = create_campaign(slug="voted", title="Votes")
    votes = [
        {"annotator": "ann", "prompt": "q1", "model_a": "x", "model_b": "y", "winner": "a"},
        {
            "annotator": "bob",
            "prompt": "q2",
            "model_a": "x",
            "model_b": "y",
            "winner": "b",
            "prompt_text": HOSTILE,
            "response_a": "`code`",
        },
    ]

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", votes))
    wait_for_rendering(campaign)

    assert report.written
    stored = texts_and_html()
    assert len(stored) == 6 and all(html == markdown_html(text) for text, html in stored)
    assert any(html == "<p><code>code</code></p>\n" for _text, html in stored)


def test_an_import_queues_its_rendering_on_commit_and_a_dry_run_none(
    campaign, tmp_path, django_capture_on_commit_callbacks
):
    path = write_jsonl(tmp_path / "items.jsonl", hostile_items())
    with django_capture_on_commit_callbacks(execute=False) as dry:
        import_items(campaign, path, dry_run=True)
    with django_capture_on_commit_callbacks(execute=False) as written:
        import_items(campaign, path)

    assert dry == []
    assert len(written) == 1  # texts_imported; the task's own work is tested above


def test_the_annotate_page_shows_the_stored_html_not_a_new_rendering():
    campaign = make_judgeable_campaign("stored", regular=1)
    Prompt.objects.update(html="<p>Stored prompt</p>")
    Response.objects.update(html="<p>Stored response</p>")
    client = logged_in(make_participant(campaign))

    page = client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()

    assert "<p>Stored prompt</p>" in page and page.count("<p>Stored response</p>") == 2
    assert "Question number" not in page


def test_a_row_not_rendered_yet_is_rendered_on_request_and_escaped():
    campaign = make_judgeable_campaign("pending", regular=2, texts=(HOSTILE, "plain *b*"))
    client = logged_in(make_participant(campaign))

    first = client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    key = current_key(first)
    answer = client.post(
        reverse("campaign:judge", args=[campaign.slug, key]), {"choice": "0"}, **fetch_headers()
    ).content.decode()

    for html in (first, answer):
        assert markdown_html(HOSTILE) in html and "<p>plain <em>b</em></p>" in html
        assert "<script>alert" not in html
    assert Prompt.objects.filter(html__isnull=False).count() == 0  # a request writes nothing


def test_the_organiser_preview_reads_the_stored_html():
    campaign = make_judgeable_campaign("preview", regular=1)
    Prompt.objects.update(html="<p>Stored prompt</p>")
    Response.objects.update(html="<p>Stored response</p>")
    owner = make_organiser()
    campaign.owner = owner
    campaign.save(update_fields=["owner"])

    page = logged_in(owner).get(reverse("campaign:preview", args=[campaign.slug]))

    assert "<p>Stored prompt</p>" in page.content.decode()


def test_the_admin_renders_a_saved_text_again():
    campaign = make_judgeable_campaign("edited", regular=1)
    fill_rendered_html(campaign.pk)
    prompt = Prompt.objects.get()
    admin = logged_in(make_organiser(is_superuser=True))

    saved = admin.post(
        reverse("admin:campaign_prompt_change", args=[prompt.pk]),
        {
            "campaign": campaign.pk,
            "external_id": prompt.external_id,
            "text": "Now *edited*",
            "category": "",
            "metadata": "{}",
        },
    )

    assert saved.status_code == 302
    assert Prompt.objects.get().html == "<p>Now <em>edited</em></p>\n"


def test_the_bench_builder_writes_the_html_rendering_would_give(tmp_path: Path):
    from bench.load.build import create_campaign as create_bench_campaign

    campaign_id = create_bench_campaign("bench", 60)  # checks a sample itself, too

    stored = texts_and_html()
    assert Prompt.objects.filter(campaign_id=campaign_id).exists()
    assert all(html == markdown_html(text) for text, html in stored)
