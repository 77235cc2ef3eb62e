"""How a caller proves who they are: a Bearer token, or the browser session with CSRF.

Each returns the user or None; when both return None the API answers 401. A session caller
is checked for CSRF on unsafe methods, like every form of the site; a token caller is not
(nothing in a browser sends the header by itself).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from api.tokens import user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_token(token)


class BrowserSession(APIKeyCookie):
    """The logged-in session; unlike ninja's own, an anonymous caller gets 401, not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, once we know there is a user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(
                403, "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken."
            )
        return user
