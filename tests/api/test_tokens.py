"""Organiser API tokens: shown once, stored hashed, revoked for good; commands, page, admin."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from api.exceptions import ApiTokenError
from api.models import ApiToken
from api.tokens import create_api_token, revoke_api_token, user_for_token
from tests.api.conftest import API, bearer
from tests.builders import logged_in

pytestmark = pytest.mark.django_db


def test_only_a_digest_of_the_token_is_stored(owner, campaign):
    issued = create_api_token(user=owner, name="pipeline")
    stored = ApiToken.objects.get()
    assert stored.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in {stored.digest, stored.prefix, stored.name}
    assert issued.secret.startswith(stored.prefix)
    assert user_for_token(issued.secret) == owner


def test_a_token_records_when_it_was_last_used(owner, campaign):
    issued = create_api_token(user=owner)
    assert issued.token.last_used_at is None
    assert bearer(issued.secret).get(f"{API}/campaigns").status_code == 200
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_a_revoked_token_or_a_deactivated_holder_stops_working(owner, campaign):
    first, second = create_api_token(user=owner), create_api_token(user=owner)
    revoke_api_token(token=first.token)
    assert user_for_token(first.secret) is None
    assert user_for_token(second.secret) == owner
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert user_for_token(second.secret) is None


def test_only_organisers_may_hold_a_token(participant):
    with pytest.raises(ApiTokenError, match="organises no campaign"):
        create_api_token(user=participant)


def test_the_commands_create_and_revoke(owner, campaign):
    out = StringIO()
    call_command("create_api_token", owner.username, "--name", "ci", stdout=out, stderr=StringIO())
    secret = out.getvalue().strip()
    assert user_for_token(secret) == owner
    assert ApiToken.objects.get().name == "ci"
    call_command("revoke_api_token", str(ApiToken.objects.get().pk), stdout=StringIO())
    assert user_for_token(secret) is None


def test_the_commands_refuse_clearly(participant):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody")
    with pytest.raises(CommandError, match="organises no campaign"):
        call_command("create_api_token", participant.username)
    with pytest.raises(CommandError, match="No such token"):
        call_command("revoke_api_token", "12345")


def test_the_page_shows_a_new_token_once_and_revokes(owner, campaign):
    client = logged_in(owner)
    created = client.post("/organise/api-tokens/", {"name": "notebook"})
    assert created.status_code == 200
    secret = created.context["secret"]
    assert secret in created.content.decode()
    listed = client.get("/organise/api-tokens/")
    assert "notebook" in listed.content.decode()
    assert secret not in listed.content.decode()
    token = ApiToken.objects.get()
    client.post(f"/organise/api-tokens/{token.pk}/revoke/")
    assert user_for_token(secret) is None


def test_the_page_is_not_for_participants(participant_client):
    assert participant_client.get("/organise/api-tokens/").status_code == 404


def test_someone_elses_token_cannot_be_revoked(owner, teammate, campaign):
    issued = create_api_token(user=owner)
    response = logged_in(teammate).post(f"/organise/api-tokens/{issued.token.pk}/revoke/")
    assert response.status_code == 404
    assert user_for_token(issued.secret) == owner


def test_the_page_forms_need_csrf(owner, campaign):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post("/organise/api-tokens/", {"name": "x"}).status_code == 403


def test_tokens_are_in_the_admin(teammate, owner, campaign):
    create_api_token(user=owner, name="visible-in-admin")
    response = logged_in(teammate, enforce_csrf_checks=False)
    teammate.is_superuser = True
    teammate.save(update_fields=["is_superuser"])
    page = response.get("/admin/api/apitoken/")
    assert page.status_code == 200
    assert "visible-in-admin" in page.content.decode()
    token = ApiToken.objects.get()
    response.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked


def test_the_dashboard_links_to_the_tokens_page(owner_client, campaign):
    page = owner_client.get(f"/c/{campaign.slug}/organise/")
    assert page.status_code == 200
    assert 'href="/organise/api-tokens/"' in page.content.decode()
