from django.urls import path

from campaign import views
from campaign.annotate import views as annotate_views
from campaign.organise import import_pages, setup
from campaign.organise import preview as organise_preview
from campaign.organise import views as organise_views

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.campaign_detail, name="detail"),
    path("c/<slug:slug>/start/", annotate_views.start, name="start"),
    path("c/<slug:slug>/annotate/", annotate_views.annotate, name="annotate"),
    path("c/<slug:slug>/annotate/<uuid:key>/judge/", annotate_views.judge, name="judge"),
    path("c/<slug:slug>/annotate/<uuid:key>/skip/", annotate_views.skip, name="skip"),
    path("c/<slug:slug>/organise/provision/", organise_views.provision, name="provision"),
    path("c/<slug:slug>/organise/preview/", organise_preview.preview, name="preview"),
    path("c/<slug:slug>/organise/open/", organise_views.open_, name="open"),
    path("c/<slug:slug>/organise/close/", organise_views.close, name="close"),
    path("organise/campaigns/new/", setup.create, name="create"),
    path("organise/guidelines-preview/", setup.guidelines_preview, name="guidelines_preview"),
    path("c/<slug:slug>/organise/settings/", setup.edit, name="settings"),
    path("c/<slug:slug>/organise/import/<str:kind>/", import_pages.upload, name="import"),
    path("c/<slug:slug>/organise/imports/<str:key>/", import_pages.review, name="import_review"),
    path(
        "c/<slug:slug>/organise/imports/<str:key>/confirm/",
        import_pages.confirm,
        name="import_confirm",
    ),
    path(
        "c/<slug:slug>/organise/imports/<str:key>/progress/",
        import_pages.progress,
        name="import_progress",
    ),
]
