"""Nothing a participant receives names a contender, says which side is a or b, or flags gold."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from campaign.models import Assignment, Comparison
from tests.builders import (
    SECRET_CONTENDERS,
    XSS_PAYLOAD,
    logged_in,
    make_judgeable_campaign,
    make_participant,
)
from tests.pages import current_key, fetch_headers, open_assignment

pytestmark = pytest.mark.django_db

FORBIDDEN = [*SECRET_CONTENDERS, "gold", "response_a", "response_b", "contender"]
# A CSRF token is random letters: one in a few thousand spells "gold" somewhere (seen once).
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def assert_reveals_nothing(body: str) -> None:
    lowered = CSRF_TOKEN.sub("CSRF", body).lower()
    for word in FORBIDDEN:
        assert word.lower() not in lowered, f"{word!r} leaked into a participant's page"


def test_no_page_fragment_or_progress_names_a_contender_or_gold():
    # Gold is due on every item (gold rate 1), so each page shown is a gold comparison.
    campaign = make_judgeable_campaign(regular=1, gold=3, gold_rate=1.0)
    participant = make_participant(campaign)
    client = logged_in(participant)
    bodies = []
    page = client.get(reverse("campaign:annotate", args=[campaign.slug]))
    bodies.append(page.content.decode())
    assert open_assignment(participant, campaign).is_gold
    key = current_key(bodies[-1])
    for path, data in (
        (reverse("campaign:judge", args=[campaign.slug, key]), {"choice": "-1"}),
        (reverse("campaign:judge", args=[campaign.slug, key]), {"choice": "9"}),
    ):
        bodies.append(client.post(path, data, **fetch_headers()).content.decode())
    key = current_key(bodies[-1])
    skip = reverse("campaign:skip", args=[campaign.slug, key])
    bodies.append(client.post(skip, {"reason": "broken"}, **fetch_headers()).content.decode())
    bodies.append(client.get(reverse("scoring:progress", args=[campaign.slug])).content.decode())
    bodies.append(client.get(reverse("campaign:detail", args=[campaign.slug])).content.decode())
    for body in bodies:
        assert_reveals_nothing(body)


def normalised(html: str) -> str:
    html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "KEY", html)
    html = CSRF_TOKEN.sub("CSRF", html)
    return re.sub(r"(Question number|Alpha answer|Omega answer) \d+", r"\1 N", html)


def test_a_gold_item_and_a_regular_item_render_identically():
    campaign = make_judgeable_campaign(regular=1, gold=1)
    pages = {}
    for gold_side in ("", "a"):
        participant = make_participant(campaign, handle=f"same-handle-{gold_side or 'x'}")
        client = logged_in(participant)
        target = Comparison.objects.get(campaign=campaign, gold_side=gold_side)
        client.get(reverse("campaign:annotate", args=[campaign.slug]))
        assignment = open_assignment(participant, campaign)
        Assignment.objects.filter(pk=assignment.pk).update(comparison=target, left_side="a")
        html = client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
        pages[gold_side] = normalised(html.replace(participant.handle, "HANDLE"))
    assert pages[""] == pages["a"]


def test_markdown_in_responses_keeps_code_and_shows_html_as_text():
    campaign = make_judgeable_campaign(
        regular=1,
        texts=(
            f"Here is the trick: {XSS_PAYLOAD}\n\n```python\nprint('<b>hi</b>')\n```",
            "[click](javascript:alert(1)) and **bold**",
        ),
    )
    client = logged_in(make_participant(campaign))
    html = client.get(reverse("campaign:annotate", args=[campaign.slug])).content.decode()
    assert "<script>window.__pwned" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<img" not in html
    assert '<pre><code class="language-python">' in html
    assert "print('&lt;b&gt;hi&lt;/b&gt;')" in html
    assert "javascript:" not in html
    assert "<strong>bold</strong>" in html
