"""A database outage answered with a friendly 503 and Retry-After, never a bare 500.

PostgreSQL restarting (or unreachable) makes any query raise django.db's OperationalError
or InterfaceError. Two places turn that into the same answer:

- `DatabaseOutageMiddleware.process_exception`: raised inside a view (the usual case:
  sessions, the user and every page's data are read there), also with DEBUG on;
- `server_error`, the project's handler500: raised anywhere else (a middleware saving the
  session), which Django would otherwise answer with its bare "Server Error (500)".

The page is rendered without the request, so it runs no context processor and touches no
database. annotate.js reads the 503 as "try again shortly" and keeps the chosen verdict.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_outage_response() -> HttpResponse:
    """The 503 page, with Retry-After (clients, and annotate.js, wait that long)."""
    response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_outage_response()


def server_error(request: HttpRequest) -> HttpResponse | HttpResponseServerError:
    """handler500: the 503 page when the uncaught exception is a database outage."""
    # Django calls handler500 inside its except block, so the exception is still current.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_outage_response()
    return django_server_error(request)
