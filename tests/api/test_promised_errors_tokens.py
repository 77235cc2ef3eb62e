"""A token's name over its 100 characters is refused in the same words by the command and the
API tokens page, and no token is made."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from api.models import ApiToken
from tests.builders import logged_in

pytestmark = pytest.mark.django_db

TOO_LONG = "n" * 101
MESSAGE = "A token's name has at most 100 characters."


def test_the_command_refuses_a_name_over_100_characters_and_makes_no_token(owner, campaign):
    with pytest.raises(CommandError, match=f"^{MESSAGE}$"):
        call_command("create_api_token", owner.username, "--name", TOO_LONG)

    assert not ApiToken.objects.exists()


def test_the_tokens_page_refuses_a_name_over_100_characters_and_makes_no_token(owner, campaign):
    response = logged_in(owner).post(reverse("api_tokens:list"), {"name": TOO_LONG})

    assert response.status_code == 422
    assert escape(MESSAGE) in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_name_of_exactly_100_characters_is_kept(owner, campaign):
    call_command("create_api_token", owner.username, "--name", "n" * 100, stdout=StringIO())

    assert ApiToken.objects.get().name == "n" * 100
