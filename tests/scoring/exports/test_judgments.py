"""export_judgments: one row per judgment with PRODUCT.md's columns, in every format."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from campaign.models import Judgment
from scoring.exports.formats import CONTENT_TYPES, FORMATS, file_name
from scoring.exports.judgments import JUDGMENT_COLUMNS, judgment_file, judgment_rows
from tests.builders import make_campaign
from tests.scoring.exports.conftest import FORMULA

pytestmark = pytest.mark.django_db
NAMES = [column.name for column in JUDGMENT_COLUMNS]


def export(slug: str, fmt: str, out) -> str:
    stdout = io.StringIO()
    call_command(
        "export_judgments", slug, "--format", fmt, "--out", str(out), "--no-progress", stdout=stdout
    )
    return stdout.getvalue()


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_jsonl_row_per_judgment_in_the_order_they_were_recorded(scenario, tmp_path) -> None:
    out = tmp_path / "judgments.jsonl"
    message = export(scenario.campaign.slug, "jsonl", out)
    rows = read_jsonl(out)
    judgments = list(Judgment.objects.filter(campaign=scenario.campaign).order_by("pk"))
    assert "Wrote 11 judgments" in message
    assert len(rows) == len(judgments) == 11
    assert list(rows[0]) == NAMES
    for row, judgment in zip(rows, judgments, strict=True):
        assert row["comparison_id"] == judgment.comparison_id
        assert row["verdict"] == judgment.verdict
        assert row["annotator"] == judgment.annotator.handle
        assert datetime.datetime.fromisoformat(row["created_at"]) == judgment.created_at
    first = rows[0]
    assert first == {
        "campaign": scenario.campaign.slug,
        "comparison_id": scenario.clear.pk,
        "prompt_id": scenario.clear.prompt.external_id,
        "category": "science",
        "model_a": "alpha",
        "model_b": "beta",
        "verdict": -2,
        "left_side": "b",
        "annotator": scenario.good.handle,
        "seconds": 20.0,
        "rationale": "",
        "created_at": first["created_at"],
        "gold": False,
        "gold_side": None,
        "correct": None,
        "trusted": True,
    }


def test_gold_rows_carry_the_answer_and_correctness_and_trust_follows_the_snapshot(
    scenario, tmp_path
) -> None:
    out = tmp_path / "judgments.jsonl"
    export(scenario.campaign.slug, "jsonl", out)
    rows = read_jsonl(out)
    gold = {row["annotator"]: row for row in rows if row["gold"]}
    assert {handle: (row["gold_side"], row["correct"]) for handle, row in gold.items()} == {
        scenario.good.handle: ("a", True),
        scenario.bad.handle: ("a", False),
    }
    trust = {row["annotator"]: row["trusted"] for row in rows}
    assert trust == {
        scenario.good.handle: True,
        scenario.fair.handle: True,
        scenario.bad.handle: False,
        scenario.late.handle: None,  # judged after the snapshot: not vetted yet
    }


def test_csv_escapes_formulas_and_parquet_holds_the_same_rows(scenario, tmp_path) -> None:
    export(scenario.campaign.slug, "jsonl", tmp_path / "j.jsonl")
    export(scenario.campaign.slug, "csv", tmp_path / "j.csv")
    export(scenario.campaign.slug, "parquet", tmp_path / "j.parquet")
    expected = read_jsonl(tmp_path / "j.jsonl")
    with (tmp_path / "j.csv").open(newline="", encoding="utf-8") as file:
        table = list(csv.DictReader(file))
    assert len(table) == len(expected)
    assert [row["rationale"] for row in table if row["rationale"]] == ["'" + FORMULA]
    assert table[0]["verdict"] == "-2" and table[0]["gold"] == "false"
    parquet = pq.read_table(tmp_path / "j.parquet").to_pylist()
    assert [column.name for column in pq.read_schema(tmp_path / "j.parquet")] == NAMES
    for row, want in zip(parquet, expected, strict=True):
        assert row["created_at"] == datetime.datetime.fromisoformat(want["created_at"])
        assert {**row, "created_at": None} == {**want, "created_at": None}


def test_the_generators_stream_the_same_rows_in_small_chunks(scenario) -> None:
    rows = list(judgment_rows(scenario.campaign, chunk_size=2))
    assert len(rows) == 11 and rows[-1].annotator == scenario.late.handle
    done: list[int] = []
    lines = b"".join(judgment_file(scenario.campaign, fmt="jsonl", progress=done.append))
    assert sum(done) == 11
    for line, row in zip(lines.decode().splitlines(), rows, strict=True):
        decoded = json.loads(line)
        decoded["created_at"] = datetime.datetime.fromisoformat(decoded["created_at"])
        assert decoded == row._asdict()


def test_a_campaign_without_judgments_exports_a_header_only_csv(tmp_path) -> None:
    campaign = make_campaign()
    export(campaign.slug, "csv", tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text().strip() == ",".join(NAMES)


def test_clear_errors(scenario, tmp_path) -> None:
    with pytest.raises(CommandError, match="no-such-campaign"):
        export("no-such-campaign", "jsonl", tmp_path / "x.jsonl")
    with pytest.raises(CommandError, match="invalid choice: 'xlsx'"):
        export(scenario.campaign.slug, "xlsx", tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match=r"Cannot write .*missing"):
        export(scenario.campaign.slug, "jsonl", tmp_path / "missing" / "x.jsonl")


def test_every_format_has_a_content_type_and_a_file_name() -> None:
    assert set(CONTENT_TYPES) == set(FORMATS)
    assert file_name("spring", "judgments", "parquet") == "spring-judgments.parquet"
