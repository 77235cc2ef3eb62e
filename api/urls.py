from django.urls import path

from api import views

app_name = "api_tokens"

urlpatterns = [
    path("organise/api-tokens/", views.tokens, name="list"),
    path("organise/api-tokens/<int:token_id>/revoke/", views.revoke, name="revoke"),
]
