from django.urls import path

from scoring import views, views_organiser

app_name = "scoring"

urlpatterns = [
    path("c/<slug:slug>/progress/", views.my_progress, name="progress"),
    path("c/<slug:slug>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("c/<slug:slug>/leaderboard.json", views.leaderboard_json, name="leaderboard_json"),
    path("c/<slug:slug>/leaderboard.csv", views.leaderboard_csv, name="leaderboard_csv"),
    path("c/<slug:slug>/organise/", views_organiser.dashboard, name="dashboard"),
    path("c/<slug:slug>/organise/recompute/", views_organiser.recompute, name="recompute"),
]
