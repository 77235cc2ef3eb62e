from django.urls import path

from campaign import views, views_organiser, views_participant

app_name = "campaign"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.campaign_detail, name="detail"),
    path("c/<slug:slug>/start/", views_participant.start, name="start"),
    path("c/<slug:slug>/annotate/", views_participant.annotate, name="annotate"),
    path("c/<slug:slug>/annotate/<uuid:key>/judge/", views_participant.judge, name="judge"),
    path("c/<slug:slug>/annotate/<uuid:key>/skip/", views_participant.skip, name="skip"),
    path("c/<slug:slug>/organise/provision/", views_organiser.provision, name="provision"),
]
