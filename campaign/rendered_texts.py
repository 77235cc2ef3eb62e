"""Prompt and response texts rendered to HTML once, stored beside the text (``html``).

The annotate page shows three texts per item. Rendering them per request cost about a sixth
of the judge request's CPU, and a per-process cache of rendered texts served the gold pool
(a few hundred comparisons every participant meets) from memory while regular comparisons,
each seen a few times among millions, were rendered afresh: a gold item could answer faster.
Now every item reads its stored HTML, so serving costs the same whatever the item is.

Who fills ``html``: the imports, after they commit (a Celery task, so the import's own
throughput is unchanged: rendering runs at a few thousand texts per second and a core; the
embedded demo, without a broker, renders in a thread), beat's catch-up
(``render_pending_texts``: rows whose task never ran, and rows stored before the column
existed), and the admin when it saves a text. Until a row is filled, pages render its text
themselves (``item_html``), uncached, so the cost depends on when an item was imported and
never on whether it is gold; rows are filled in id order, blind to gold.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connections
from django.db.models import Case, QuerySet, TextField, Value, When
from django.utils.safestring import SafeString
from kombu.exceptions import OperationalError as BrokerError

from campaign.models import Campaign, Prompt, Response
from campaign.rendering import markdown_html
from config.redis import redis_configured

logger = logging.getLogger(__name__)

RENDER_TASK = "campaign.render_texts"
# Rows rendered and written per statement: big enough that the UPDATE's cost is spread thin,
# small enough that a batch of long responses stays a few megabytes.
BATCH_ROWS = 500


def item_html(html: str | None, text: str) -> SafeString:
    """The stored HTML of a text, or (not rendered yet) the text rendered now, never cached."""
    return SafeString(markdown_html(text) if html is None else html)


def fill_rendered_html(campaign_id: int) -> int:
    """Render every prompt and response of the campaign that has no HTML yet; rows written.

    Idempotent, and safe beside another run or an admin edit: it writes unrendered rows only.
    """
    prompts = Prompt.objects.filter(campaign_id=campaign_id, html__isnull=True)
    responses = Response.objects.filter(prompt__campaign_id=campaign_id, html__isnull=True)
    return _fill(prompts) + _fill(responses)


def render_pending_texts() -> int:
    """Beat: fill the texts of every campaign not yet closed that nothing rendered (an
    import's task that could not be queued or whose worker died, rows older than the column);
    rows written. Each batch commits on its own, so a run cut short resumes at the next beat.

    Closed campaigns serve no items, so their rows can wait for the admin or never be filled.
    """
    campaign_ids = Campaign.objects.exclude(status=Campaign.Status.CLOSED).values_list(
        "pk", flat=True
    )
    return sum(fill_rendered_html(campaign_id) for campaign_id in campaign_ids)


def _fill(pending: QuerySet[Any]) -> int:
    """Render and write ``pending`` in batches, in id order (blind to gold)."""
    pending = pending.order_by("pk").only("pk", "text")
    written, last = 0, 0
    while batch := list(pending.filter(pk__gt=last)[:BATCH_ROWS]):
        rendered = Case(
            *(When(pk=row.pk, then=Value(markdown_html(row.text))) for row in batch),
            output_field=TextField(),
        )
        # Only rows still unrendered: one the admin saved meanwhile has its new text's HTML.
        written += pending.filter(pk__in=[row.pk for row in batch]).update(html=rendered)
        last = batch[-1].pk
    return written


def texts_imported(campaign_id: int) -> threading.Thread | None:
    """An import committed new prompts or responses: have them rendered (never raises).

    The import is stored already, and pages render unfilled rows themselves, so a broker that
    cannot be reached only delays the rendering until beat's catch-up (`render_pending_texts`).
    Without a broker (the embedded demo) a thread of this process renders them, as scoring
    runs there (scoring.queue), so an import takes no longer to return; the thread is
    returned (tests wait for it). A process that exits first leaves the rest to the requests.
    """
    if not redis_configured():
        thread = threading.Thread(
            target=_render_here, args=(campaign_id,), name=f"render-{campaign_id}", daemon=True
        )
        thread.start()
        return thread
    from celery import current_app

    try:
        current_app.send_task(RENDER_TASK, args=(campaign_id,), retry=False)
    except BrokerError:
        logger.warning("Rendering of campaign %s not queued: no broker", campaign_id)
    return None


def finish_rendering(campaign_id: int) -> int:
    """Wait for this process's render thread of the campaign, if any, then render what is
    left; rows written here. For a command that exits right after an import (load_demo),
    whose daemon thread would otherwise die with it and leave the rows to the requests."""
    for thread in threading.enumerate():
        if thread.name == f"render-{campaign_id}":
            thread.join()
    return fill_rendered_html(campaign_id)


def _render_here(campaign_id: int) -> None:
    try:
        fill_rendered_html(campaign_id)
    except Exception:  # a background thread has nobody to raise to
        logger.exception("Rendering the texts of campaign %s failed", campaign_id)
    finally:
        connections.close_all()  # this thread's own database connections
