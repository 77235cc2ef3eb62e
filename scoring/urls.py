from django.urls import path, re_path

from scoring import views, views_organiser

app_name = "scoring"

urlpatterns = [
    path("c/<slug:slug>/progress/", views.my_progress, name="progress"),
    path("c/<slug:slug>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("c/<slug:slug>/leaderboard.json", views.leaderboard_json, name="leaderboard_json"),
    path("c/<slug:slug>/leaderboard.csv", views.leaderboard_csv, name="leaderboard_csv"),
    path("c/<slug:slug>/organise/", views_organiser.dashboard, name="dashboard"),
    path("c/<slug:slug>/organise/recompute/", views_organiser.recompute, name="recompute"),
    re_path(
        r"^c/(?P<slug>[-\w]+)/organise/judgments\.(?P<fmt>jsonl|csv|parquet)$",
        views_organiser.export_judgments,
        name="export_judgments",
    ),
    re_path(
        r"^c/(?P<slug>[-\w]+)/organise/preferences\.(?P<fmt>jsonl|parquet)$",
        views_organiser.export_preferences,
        name="export_preferences",
    ),
]
