"""Every error under /api/ is JSON {"detail": ...}: bad bodies, unknown paths, wrong methods."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import API, campaign_url

pytestmark = pytest.mark.django_db


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    return body


def test_malformed_json_is_a_400(owner_api):
    response = owner_api.post(f"{API}/campaigns", "{not json", content_type="application/json")
    assert_json_error(response, 400)


def test_a_form_body_where_json_is_expected_is_a_400(owner_api):
    response = owner_api.post(
        f"{API}/campaigns", "slug=x&title=y", content_type="application/x-www-form-urlencoded"
    )
    assert_json_error(response, 400)


def test_a_missing_field_is_named(owner_api):
    response = owner_api.post(f"{API}/campaigns", json.dumps({"slug": "x"}), "application/json")
    body = assert_json_error(response, 422)
    assert [problem["field"] for problem in body["errors"]] == ["title"]
    assert body["detail"] == "title: Field required"


def test_a_wrongly_typed_query_parameter_is_named(owner_api):
    body = assert_json_error(owner_api.get(f"{API}/campaigns?limit=lots"), 422)
    assert body["errors"][0]["field"] == "limit"


def test_a_missing_upload_is_named(owner_api, campaign):
    body = assert_json_error(owner_api.post(campaign_url(campaign, "/items")), 422)
    assert body["errors"][0]["field"] == "file"


def test_text_postgresql_cannot_store_is_a_400_not_a_crash(owner_api, campaign):
    response = owner_api.patch(
        campaign_url(campaign), json.dumps({"description": "a\x00b"}), "application/json"
    )
    assert_json_error(response, 400)


def test_an_oversized_body_is_a_413(owner_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"slug": "big", "title": "t" * 150})
    assert_json_error(owner_api.post(f"{API}/campaigns", body, "application/json"), 413)


def test_an_unknown_path_is_a_json_404(owner_api):
    assert_json_error(owner_api.get(f"{API}/no-such-thing"), 404)


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(owner_api, campaign):
    response = owner_api.delete(campaign_url(campaign))
    body = assert_json_error(response, 405)
    assert "PATCH" in body["detail"]
    assert "PATCH" in response["Allow"]


def test_pages_outside_the_api_keep_their_html_errors(owner_client):
    response = owner_client.get("/c/no-such-campaign/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_the_schema_and_the_docs_are_served(client):
    schema = client.get(f"{API}/openapi.json").json()
    assert "/api/v1/campaigns/{slug}/items" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "BrowserSession"}
    docs = client.get(f"{API}/docs")
    assert docs.status_code == 200
    # Served from this site, so the CSP's script-src 'self' lets Swagger UI run.
    assert "/static/ninja/swagger-ui-bundle.js" in docs.content.decode()
    assert "cdn" not in docs.content.decode()
