from django.contrib import admin

from campaign.models import Campaign, Comparison, Contender, Prompt, Response


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


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin):
    list_display = ("external_id", "campaign", "category")
    list_filter = ("campaign", "category")
    search_fields = ("external_id", "text")
    list_select_related = ("campaign",)


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
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
