"""The API's callers: the campaign's owner, another organiser, a participant, anonymous,
and a revoked token, each as a test client (STYLE.md §14), plus upload helpers.

Scoring runs in the request here (REDIS_URL empty, the embedded mode): Recompute and Close
then store their snapshot before answering, and nothing is sent to a broker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from api.models import ApiToken
from api.tokens import create_api_token, digest, revoke_api_token
from campaign.models import Campaign
from tests.builders import logged_in, make_judgeable_campaign, make_user

API = "/api/v1"


@pytest.fixture(autouse=True)
def _score_in_the_request(settings) -> None:
    settings.REDIS_URL = ""


def bearer(secret: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def token_for(user: User, name: str = "tests") -> str:
    return create_api_token(user=user, name=name).secret


def token_without_checks(user: User) -> str:
    """A token held by someone who may not hold one (e.g. a participant since demoted):
    written directly, as the service would refuse to issue it."""
    secret = "ce_participant-token-that-should-not-work"
    ApiToken.objects.create(user=user, name="stray", prefix=secret[:10], digest=digest(secret))
    return secret


@pytest.fixture
def other_organiser(db) -> User:
    """An organiser (owner of their own campaign), not staff: a stranger to ``campaign``."""
    user = make_user(username="other-organiser", handle="other-organiser-001")
    make_judgeable_campaign("theirs-too", regular=1, owner=user)
    return user


@pytest.fixture
def owner_api(owner, campaign) -> Client:
    return bearer(token_for(owner))


def revoked_client(user: User) -> Client:
    issued = create_api_token(user=user)
    revoke_api_token(token=issued.token)
    return bearer(issued.secret)


@pytest.fixture
def callers(owner, other_organiser, participant, campaign) -> dict[str, Callable[[], Client]]:
    """Each kind of caller, made on demand."""
    return {
        "owner": lambda: bearer(token_for(owner)),
        "owner_session": lambda: logged_in(owner),
        "other_organiser": lambda: bearer(token_for(other_organiser)),
        "participant_token": lambda: bearer(token_without_checks(participant)),
        "participant_session": lambda: logged_in(participant),
        "anonymous": lambda: Client(),
        "revoked": lambda: revoked_client(owner),
        "garbage_token": lambda: bearer("ce_not-a-token"),
    }


def call(client: Client, method: str, path: str, body: Any = None, **extra: Any) -> Any:
    """``method`` on ``path`` with a JSON body, or a multipart one when ``body`` holds files."""
    if isinstance(body, dict) and any(isinstance(v, SimpleUploadedFile) for v in body.values()):
        return getattr(client, method.lower())(path, body, **extra)
    data = json.dumps(body) if body is not None else None
    return getattr(client, method.lower())(path, data, content_type="application/json", **extra)


def upload(name: str, rows: list[Any]) -> SimpleUploadedFile:
    text = "\n".join(row if isinstance(row, str) else json.dumps(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="application/octet-stream")


def campaign_url(campaign: Campaign, tail: str = "") -> str:
    return f"{API}/campaigns/{campaign.slug}{tail}"
