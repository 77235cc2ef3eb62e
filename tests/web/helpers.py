"""Builders for the web tests: campaigns whose secrets are easy to look for in a page.

tests.factories names its contenders "model-x"/"model-y" and puts those names inside the
response texts; here contenders carry names that must never appear in a participant's page,
and texts say nothing about who wrote them, so "the name is not in the body" means something.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from django.test import Client

from accounts.models import User
from campaign.models import Assignment, Campaign, Comparison, Contender, Prompt, Response
from tests.factories import make_campaign, make_participant

SECRET_CONTENDERS = ("zephyrine-secret-70b", "quokkaquill-hidden-13b")
XSS_PAYLOAD = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

_sequence = itertools.count(1)


def make_judgeable_campaign(
    slug: str | None = None,
    *,
    regular: int = 3,
    gold: int = 0,
    texts: tuple[str, str] | None = None,
    **settings: Any,
) -> Campaign:
    """An open campaign with ``regular`` then ``gold`` comparisons, no gold served unless asked.

    Response texts are "Alpha answer N" (the comparison's a) and "Omega answer N" (its b)
    unless ``texts`` gives both.
    """
    settings.setdefault("qualification_gold", 0)
    settings.setdefault("gold_rate", 0.0)
    campaign = make_campaign(slug, **settings)
    first, second = (
        Contender.objects.create(campaign=campaign, name=name) for name in SECRET_CONTENDERS
    )
    prefix = f"q{next(_sequence)}"
    for index in range(regular + gold):
        prompt = Prompt.objects.create(
            campaign=campaign, external_id=f"{prefix}-{index}", text=f"Question number {index}?"
        )
        text_a, text_b = texts or (f"Alpha answer {index}", f"Omega answer {index}")
        response_a = Response.objects.create(prompt=prompt, contender=first, text=text_a)
        response_b = Response.objects.create(prompt=prompt, contender=second, text=text_b)
        Comparison.objects.create(
            campaign=campaign,
            prompt=prompt,
            response_a=response_a,
            response_b=response_b,
            gold_side="" if index < regular else "a",
        )
    return campaign


def make_web_participant(campaign: Campaign, handle: str | None = None) -> User:
    """A participant with a handle that cannot contain words the tests search for."""
    return make_participant(campaign, handle=handle or f"test-participant-{next(_sequence):03d}")


def logged_in(user: User, **client_options: Any) -> Client:
    client = Client(**client_options)
    client.force_login(user)
    return client


def open_assignment(user: User, campaign: Campaign) -> Assignment:
    return Assignment.objects.get(annotator=user, campaign=campaign, status="open")


def current_key(html: str) -> str:
    """The assignment key in the judge form's action."""
    match = re.search(r"/annotate/([0-9a-f-]{36})/judge/", html)
    assert match, "no judge form in the page"
    return match.group(1)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def fetch_headers() -> dict[str, str]:
    return {"HTTP_X_REQUESTED_WITH": "fetch"}
