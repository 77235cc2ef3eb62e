"""Reading what the site serves, as a browser or the annotate page's script would."""

from __future__ import annotations

import re

from accounts.models import User
from campaign.models import Assignment, Campaign


def open_assignment(user: User, campaign: Campaign) -> Assignment:
    """The lease the annotate page is showing ``user``."""
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
    """The header the annotate page's script sends, so the views answer with fragments."""
    return {"HTTP_X_REQUESTED_WITH": "fetch"}
