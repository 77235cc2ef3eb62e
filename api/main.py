"""The NinjaAPI instance: its auth, its error handlers, and the routers of each job."""

from __future__ import annotations

from ninja import NinjaAPI

from api import exports  # noqa: F401 - its endpoints join the work router
from api.auth import BearerToken, BrowserSession
from api.campaigns import router as campaigns
from api.errors import install_handlers
from api.results import router as results
from api.work import router as work

api = NinjaAPI(
    title="Crowdeval API",
    version="1",
    description=(
        "Organise crowd evaluation campaigns: create and configure them, import items and "
        "votes, provision annotators, follow progress and read the leaderboard. Authenticate "
        "with `Authorization: Bearer <token>` (create one on the API tokens page or with "
        "`manage.py create_api_token`) or with your browser session (unsafe methods need "
        'the CSRF token in `X-CSRFToken`). Every error is `{"detail": ...}`.'
    ),
    auth=[BearerToken(), BrowserSession()],
    urls_namespace="api",
)
install_handlers(api)
api.add_router("/campaigns", campaigns)
api.add_router("/campaigns", work)
api.add_router("/campaigns", results)
