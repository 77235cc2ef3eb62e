"""Top-level URL routes."""

from django.contrib import admin
from django.urls import include, path

from api.main import api

# A database outage is a friendly 503, not a bare 500 (config/outage.py).
handler500 = "config.outage.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("", include("api.urls")),
    path("", include("campaign.urls")),
    path("", include("scoring.urls")),
]
