from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from campaign.models import (
    Assignment,
    Campaign,
    Comparison,
    Contender,
    Enrollment,
    Judgment,
    Prompt,
    Response,
)
from campaign.rendering import markdown_html
from campaign.services import note_items_edited


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("slug", "title", "status", "scale", "judgments_per_comparison", "created_at")
    list_filter = ("status", "scale", "leaderboard", "exclude_gold_spotters")
    search_fields = ("slug", "title")
    prepopulated_fields = {"slug": ("title",)}
    raw_id_fields = ("owner",)


@admin.register(Contender)
class ContenderAdmin(admin.ModelAdmin):
    list_display = ("name", "campaign")
    list_filter = ("campaign",)
    search_fields = ("name",)


class RenderedTextAdmin(admin.ModelAdmin):
    """Prompts and responses: the annotate page shows the stored HTML, so a saved text's is
    rendered again with it (campaign.rendered_texts)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.html = markdown_html(obj.text)
        super().save_model(request, obj, form, change)
        note_items_edited(obj.campaign_id)


@admin.register(Prompt)
class PromptAdmin(RenderedTextAdmin):
    list_display = ("external_id", "campaign", "category")
    list_filter = ("campaign", "category")
    search_fields = ("external_id", "text")
    list_select_related = ("campaign",)


@admin.register(Response)
class ResponseAdmin(RenderedTextAdmin):
    list_display = ("id", "prompt", "contender")
    list_select_related = ("prompt", "contender")
    search_fields = ("prompt__external_id", "contender__name")
    raw_id_fields = ("prompt", "contender")


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = ("id", "campaign", "prompt", "response_a", "response_b", "gold_side")
    list_filter = ("campaign", "gold_side")
    list_select_related = ("campaign", "prompt", "response_a", "response_b")
    search_fields = ("prompt__external_id",)
    raw_id_fields = ("prompt", "response_a", "response_b")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A stored comparison never changes campaign (campaign migration 0019 refuses it).
        return ("campaign",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        note_items_edited(obj.campaign_id)


class RecordAdmin(admin.ModelAdmin):
    """View-only: these rows are written by the services with the counters and snapshots that
    follow from them, so an edit or a delete here would leave those wrong."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(RecordAdmin):
    list_display = ("user", "campaign", "standing", "judged", "skipped", "created_at")
    list_filter = ("campaign", "standing")
    search_fields = ("user__username", "user__handle")
    list_select_related = ("user", "campaign")


@admin.register(Assignment)
class AssignmentAdmin(RecordAdmin):
    list_display = ("id", "campaign", "annotator", "comparison", "status", "is_gold", "leased_at")
    list_filter = ("campaign", "status", "is_gold")
    search_fields = ("annotator__username", "annotator__handle")
    list_select_related = ("campaign", "annotator")
    date_hierarchy = "leased_at"


@admin.register(Judgment)
class JudgmentAdmin(RecordAdmin):
    list_display = (
        "id",
        "campaign",
        "annotator",
        "comparison",
        "verdict",
        "is_gold",
        "correct",
        "created_at",
    )
    list_filter = ("campaign", "is_gold", "correct", "verdict")
    search_fields = ("annotator__username", "annotator__handle", "rationale")
    list_select_related = ("campaign", "annotator")
    date_hierarchy = "created_at"
