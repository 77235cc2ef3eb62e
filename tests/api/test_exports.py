"""The streamed exports through the API: the same files the commands write, as downloads."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq
import pytest

from scoring.exports.judgments import judgment_file
from scoring.exports.preferences import preference_file
from scoring.snapshots import compute_snapshot
from tests.api.conftest import API, bearer, token_for
from tests.builders import CampaignBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted(owner):
    """A campaign without gold (every vote counts) with one comparison decided for alpha."""
    build = CampaignBuilder(("alpha", "beta"), owner=owner)
    comparison = build.comparison("alpha", "beta")
    for verdict in (-2, -1, 1):
        build.judge(build.annotator(), comparison, verdict)
    return build.campaign


def content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_judgments_download_is_the_commands_file(owner, voted, fmt):
    response = bearer(token_for(owner)).get(f"{API}/campaigns/{voted.slug}/judgments?format={fmt}")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{voted.slug}-judgments.{fmt}"'
    )
    body = content(response)
    expected = b"".join(judgment_file(voted, fmt=fmt))
    if fmt == "parquet":
        assert pq.read_table(io.BytesIO(body)).to_pylist() == (
            pq.read_table(io.BytesIO(expected)).to_pylist()
        )
    else:
        assert body == expected
    if fmt == "jsonl":
        assert len(body.splitlines()) == 3


def test_preferences_download_holds_the_decided_pair(owner, voted):
    compute_snapshot(voted, rounds=10)
    response = bearer(token_for(owner)).get(f"{API}/campaigns/{voted.slug}/preferences")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    body = content(response)
    rows = [json.loads(line) for line in body.splitlines()]
    assert [(row["chosen_model"], row["rejected_model"], row["votes"]) for row in rows] == [
        ("alpha", "beta", 3)
    ]
    assert body == b"".join(preference_file(voted, fmt="jsonl"))


def test_preferences_before_any_scoring_run_are_a_conflict_with_a_reason(owner, voted):
    response = bearer(token_for(owner)).get(f"{API}/campaigns/{voted.slug}/preferences")

    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/json")
    assert "score" in response.json()["detail"].lower()


def test_an_unknown_format_is_refused_with_the_field_named(owner, voted):
    response = bearer(token_for(owner)).get(f"{API}/campaigns/{voted.slug}/judgments?format=xlsx")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "format"
