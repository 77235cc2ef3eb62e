"""Every API error as JSON ``{"detail": ...}``: the message, and the field or line at fault.

Ninja's handlers cover what happens inside an endpoint; ``JsonErrorsMiddleware`` covers the
rest under /api/ (an unknown path, a wrong method, a body too large, a server error), which
Django would otherwise answer with an HTML page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import ValidationError

from accounts.exceptions import AccountsError
from campaign.exceptions import (
    CampaignError,
    CampaignStatusChangeRefused,
    InvalidCampaignSettings,
    UnsupportedFileFormat,
)
from scoring.exceptions import NotScoredYet

API_PREFIX = "/api/"
# Which HTTP status each domain refusal gets; anything else the rules refuse is a 400.
STATUS_OF = {
    CampaignStatusChangeRefused: HTTPStatus.CONFLICT,
    InvalidCampaignSettings: HTTPStatus.UNPROCESSABLE_ENTITY,
    UnsupportedFileFormat: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    NotScoredYet: HTTPStatus.CONFLICT,
}


def install_handlers(api: NinjaAPI) -> None:
    # Handlers take `error: Any`: ninja types it as "the exception or its class", which fits none.
    api.add_exception_handler(ValidationError, _invalid)
    api.add_exception_handler(Http404, _not_found)
    api.add_exception_handler(CampaignError, _refused)
    api.add_exception_handler(AccountsError, _unprocessable)
    api.add_exception_handler(RequestDataTooBig, _too_large)
    api.add_exception_handler(MultiPartParserError, _bad_request)
    # A value PostgreSQL cannot store (a NUL character in a text): bad input, not a crash.
    api.add_exception_handler(DataError, _unstorable)


def error_body(detail: str, errors: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"detail": detail, "errors": list(errors)}


def problem(message: str, *, field: str | None = None, line: int | None = None) -> dict[str, Any]:
    """One item of ``errors``: what is wrong, and the field or the file line at fault."""
    return {"field": field, "line": line, "message": message}


def _invalid(request: HttpRequest, error: Any) -> HttpResponse:
    problems = [
        problem(item.get("msg", "invalid"), field=_field(item.get("loc", ())))
        for item in error.errors
    ]
    detail = "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems)
    return JsonResponse(error_body(detail or "Invalid request.", problems), status=422)


def _field(location: Sequence[Any]) -> str:
    """``("body", "payload", "gold_rate")`` → ``gold_rate``; ``("query", "limit")`` → ``limit``."""
    parts = [str(part) for part in location]
    if parts[:1] == ["body"]:
        parts = parts[2:] or parts[1:]
    elif parts[:1] in (["query"], ["path"], ["file"], ["form"], ["header"]):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _not_found(request: HttpRequest, error: Any) -> HttpResponse:
    return JsonResponse(error_body(str(error) or "Not found."), status=404)


def _refused(request: HttpRequest, error: Any) -> HttpResponse:
    status = next(
        (code for kind, code in STATUS_OF.items() if isinstance(error, kind)),
        HTTPStatus.BAD_REQUEST,
    )
    fields = getattr(error, "fields", {})
    problems = [
        problem(message, field=name) for name, messages in fields.items() for message in messages
    ]
    return JsonResponse(error_body(str(error), problems), status=status)


def _unprocessable(request: HttpRequest, error: Any) -> HttpResponse:
    return JsonResponse(error_body(str(error)), status=422)


def _too_large(request: HttpRequest, error: Any) -> HttpResponse:
    return JsonResponse(error_body("The request body is too large."), status=413)


def _bad_request(request: HttpRequest, error: Any) -> HttpResponse:
    return JsonResponse(error_body(f"Malformed request body: {error}"), status=400)


def _unstorable(request: HttpRequest, error: Any) -> HttpResponse:
    return JsonResponse(
        error_body("A value cannot be stored (text may not hold NUL characters)."), status=400
    )


class JsonErrorsMiddleware:
    """Under /api/, an error answer that is not JSON becomes ``{"detail": <reason>}``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(API_PREFIX)
            or response.status_code < 400
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        replacement = HttpResponse(
            json.dumps(error_body(_reason(response))),
            status=response.status_code,
            content_type="application/json",
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replacement[header] = response[header]
        return replacement


def _reason(response: HttpResponse) -> str:
    if response.status_code == 405:
        return f"Method not allowed here; use {response.get('Allow', 'another method')}."
    if response.status_code == 404:
        return "No such API path."
    return response.reason_phrase
