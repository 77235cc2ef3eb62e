"""The product's own 404 and 500 pages for participants, also with DEBUG on (the demo).

With DEBUG on Django answers a missing page with its route list and an error with a
traceback, whatever handler404/handler500 say. Those pages are for whoever runs the server,
not for participants trying the demo: for anyone but staff, this middleware swaps them for
templates/404.html and templates/500.html. Staff (the demo's organiser) still see Django's
pages, which is what debugging needs. With DEBUG off it does nothing: Django already uses
the templates.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import loader

# Both of Django's debug pages say why they are shown; our templates never contain it.
DEBUG_PAGE_MARK = b"DEBUG = True"
BRANDED_TEMPLATES = {404: "404.html", 500: "500.html"}


class ParticipantErrorPagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        template = BRANDED_TEMPLATES.get(response.status_code)
        if template is None or not settings.DEBUG or not _is_debug_page(response):
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_staff:
            return response
        # 500 renders without the request, like Django's own handler500 (no database).
        context_request = request if response.status_code == 404 else None
        return HttpResponse(
            loader.render_to_string(template, request=context_request),
            status=response.status_code,
        )


def _is_debug_page(response: HttpResponse) -> bool:
    if getattr(response, "streaming", False):
        return False
    return DEBUG_PAGE_MARK in response.content
