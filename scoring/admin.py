from django.contrib import admin

from campaign.admin import RecordAdmin
from scoring.models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(RecordAdmin):
    list_display = ("id", "campaign", "computed_at", "judgments", "rated_judgments", "published")
    list_filter = ("campaign", "published")
    list_select_related = ("campaign",)
    date_hierarchy = "computed_at"
    exclude = ("matrices",)  # large, and shown on the dashboard as charts
