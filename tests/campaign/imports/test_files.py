"""Reading import files (campaign.imports.files): hostile content becomes a line in the report.

Text PostgreSQL cannot store (NUL, lone surrogates), JSON deeper or numbers larger than Python
parses, and a CSV header naming a column twice: each must be a clear line in the report of
both imports, dry run included, and nothing may be written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from campaign import limits
from campaign.imports.content import content_problem, parse_json
from campaign.imports.files import count_rows, read_rows
from campaign.imports.items import import_items
from campaign.imports.votes import import_judgments
from campaign.models import Campaign, Contender, Judgment, Prompt
from campaign.services import create_campaign
from tests.builders import multi, write_csv, write_jsonl, write_parquet

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000
HUGE = "7" * 5000


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="hostile", title="Hostile files")


def item(text: str = "Prompt q2") -> dict[str, Any]:
    row = multi("q2", x="x answers", y="y answers")
    row["prompt"] = text
    return row


def vote(text: str = "Prompt q2") -> dict[str, Any]:
    return {
        "annotator": "ann",
        "prompt": "q2",
        "model_a": "x",
        "model_b": "y",
        "winner": "a",
        "prompt_text": text,
    }


ROWS: dict[str, Callable[..., dict[str, Any]]] = {"import_items": item, "import_judgments": vote}


def good(command: str) -> dict[str, Any]:
    row = ROWS[command]()
    row["prompt" if command == "import_judgments" else "id"] = "q1"
    return row


def nothing_stored() -> bool:
    return not (Prompt.objects.exists() or Contender.objects.exists() or Judgment.objects.exists())


def refused(command: str, path: Path, capsys, *options: str) -> str:
    """The command's report on stderr; it must fail (exit status 1) and write nothing."""
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(command, "hostile", str(path), "--no-progress", *options)
    assert nothing_stored()
    return capsys.readouterr().err


def raw_line(command: str, value: str) -> str:
    """A JSON line of ``command``'s kind whose prompt text is ``value``, written verbatim."""
    row = json.dumps(ROWS[command]("@"))
    return row.replace('"@"', value)


COMMANDS = pytest.mark.parametrize("command", ["import_items", "import_judgments"])
DRY_RUN = pytest.mark.parametrize("options", [(), ("--dry-run",)], ids=["write", "dry-run"])


@COMMANDS
@DRY_RUN
@pytest.mark.parametrize(
    ("line", "message"),
    [
        (lambda command: ROWS[command]("a NUL \x00 here"), "text contains a NUL character"),
        (lambda command: ROWS[command]("half \ud800 a pair"), "invalid Unicode (lone surrogate)"),
        (lambda command: raw_line(command, DEEP), "JSON nested too deeply"),
        (lambda command: raw_line(command, "[" * 100 + "]" * 100), "JSON nested too deeply"),
        (lambda command: raw_line(command, HUGE), "number too large"),
        (lambda command: raw_line(command, "1e400"), "number too large"),
        (lambda command: raw_line(command, "NaN"), "not a number (NaN)"),
    ],
    ids=["nul", "surrogate", "deep", "over-depth-limit", "huge-integer", "infinity", "nan"],
)
def test_a_hostile_json_line_is_reported_by_its_line(
    campaign, tmp_path, capsys, command, options, line, message
):
    path = write_jsonl(tmp_path / "file.jsonl", [good(command), line(command)])

    err = refused(command, path, capsys, *options)

    assert f"line 2: {message}" in err
    assert "Traceback" not in err


@COMMANDS
def test_a_nul_in_a_key_is_reported_too(campaign, tmp_path, command):
    row = ROWS[command]()
    row["\x00"] = "x"
    importer = import_items if command == "import_items" else import_judgments
    report = importer(campaign, write_jsonl(tmp_path / "file.jsonl", [row]))

    assert [(p.line, p.message) for p in report.errors] == [(1, "text contains a NUL character")]
    assert not report.written and nothing_stored()


@COMMANDS
@DRY_RUN
def test_a_nul_in_a_csv_cell_is_reported_by_its_line(campaign, tmp_path, capsys, command, options):
    path = write_csv(tmp_path / "file.csv", [good(command), ROWS[command]("a \x00 b")])

    assert "line 3: text contains a NUL character" in refused(command, path, capsys, *options)


@DRY_RUN
@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ('{"note": "\\ud800"}', "invalid Unicode (lone surrogate)"),
        ('{"note": "\\u0000"}', "text contains a NUL character"),
        ('{"note": ' + DEEP + "}", "JSON nested too deeply"),
        ('{"note": ' + HUGE + "}", "number too large"),
    ],
    ids=["surrogate", "nul", "deep", "huge-integer"],
)
def test_hostile_csv_metadata_is_reported_by_its_line(
    campaign, tmp_path, capsys, options, metadata, message
):
    path = tmp_path / "items.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "prompt", "responses.x", "responses.y", "metadata"])
        writer.writerow(["q1", "Prompt q1", "x answers", "y answers", "{}"])
        writer.writerow(["q2", "Prompt q2", "x answers", "y answers", metadata])

    assert f"line 3: {message}" in refused("import_items", path, capsys, *options)


@COMMANDS
@DRY_RUN
def test_a_csv_header_naming_a_column_twice_is_refused(
    campaign, tmp_path, capsys, command, options
):
    row = good(command)
    columns = [*row, "prompt"]
    path = tmp_path / "file.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        writer.writerow(
            [*(json.dumps(v) if isinstance(v, dict) else v for v in row.values()), "q9"]
        )

    err = refused(command, path, capsys, *options)

    assert "line 1: CSV header repeats column 'prompt'" in err


@COMMANDS
@DRY_RUN
def test_a_nul_in_a_parquet_cell_is_reported_by_its_row(
    campaign, tmp_path, capsys, command, options
):
    path = write_parquet(tmp_path / "file.parquet", [good(command), ROWS[command]("a \x00 b")])

    assert "line 2: text contains a NUL character" in refused(command, path, capsys, *options)


@DRY_RUN
def test_a_lone_surrogate_in_parquet_metadata_is_reported(campaign, tmp_path, capsys, options):
    rows = [good("import_items"), item()]
    rows[1]["metadata"] = {"note": "\ud800"}
    path = write_parquet(tmp_path / "items.parquet", rows)

    assert "line 2: invalid Unicode (lone surrogate)" in refused(
        "import_items", path, capsys, *options
    )


@COMMANDS
def test_a_parquet_file_naming_a_column_twice_is_refused(campaign, tmp_path, capsys, command):
    row = good(command)
    names = [*row, "prompt"]
    values = [json.dumps(v) if isinstance(v, dict) else v for v in row.values()]
    if command == "import_items":  # the item row's responses are flattened columns
        names = ["id", "prompt", "responses.x", "responses.y", "prompt"]
        values = ["q1", "Prompt q1", "x answers", "y answers", "again"]
    else:
        values.append("q9")
    table = pa.Table.from_arrays([pa.array([value]) for value in values], names=names)
    path = tmp_path / "file.parquet"
    pq.write_table(table, path)

    err = refused(command, path, capsys)

    assert "Parquet file repeats column 'prompt'" in err


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"id": "q", "responses": {"m": "text", "n": 2}}, None),
        ({"id": "q", "responses": {"m": "text", "n": float("nan")}}, "not a number (NaN)"),
        ({"id": "q", "metadata": {"x": float("inf")}}, "number too large"),
        ({"id": "q", "metadata": {"x": {"y": float("nan")}}}, "not a number (NaN)"),
        ({"id": 1e400}, "number too large"),
    ],
    ids=["flat", "nan-one-level-down", "infinity-one-level-down", "nan-two-levels-down", "top"],
)
def test_a_row_of_known_storable_texts_is_still_searched_for_bad_numbers(row, problem):
    # Rows of strings and objects of strings skip the full walk; a float anywhere takes it.
    assert content_problem(row, texts_storable=True) == problem


def nested(levels: int) -> list:
    """A value of ``levels`` nested lists around one text."""
    value: Any = "deep"
    for _ in range(levels):
        value = [value]
    return value


def test_json_nested_to_the_depth_limit_is_kept_and_one_level_more_is_not():
    # README: "JSON nested more than 32 levels deep" is refused; the row itself is a level.
    assert limits.IMPORT_JSON_MAX_DEPTH == 32
    within = nested(limits.IMPORT_JSON_MAX_DEPTH)
    beyond = nested(limits.IMPORT_JSON_MAX_DEPTH + 1)

    assert content_problem(within) is None
    assert content_problem(beyond) == "JSON nested too deeply"
    assert content_problem({"metadata": nested(limits.IMPORT_JSON_MAX_DEPTH - 1)}) is None
    assert content_problem({"metadata": within}) == "JSON nested too deeply"


def test_texts_are_searched_unless_the_caller_knows_them_storable():
    nul = {"prompt": "a NUL \x00 here"}
    surrogate = {"metadata": {"note": "half \ud800 a pair"}}

    assert content_problem(nul) == "text contains a NUL character"
    assert content_problem(surrogate) == "invalid Unicode (lone surrogate)"
    assert content_problem(nul, texts_storable=True) is None
    assert content_problem(surrogate, texts_storable=True) is None


def test_bad_json_names_the_column_only_where_asked():
    assert parse_json("{k: 1", what="bad JSON in metadata") == (
        None,
        "bad JSON in metadata: Expecting property name enclosed in double quotes",
    )
    assert parse_json("{k: 1", what="bad JSON", column=True) == (
        None,
        "bad JSON: Expecting property name enclosed in double quotes (column 2)",
    )


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}\n\n  \t\n{"a": 2}\r\n\u3000\n{bad\n{"a": 3}',  # blanks, CRLF, bad JSON
        '{"a": 1}\r{"a": 2}\r\r{"a": 3}\n',  # carriage returns end lines too
        '{"a": 1}\n{"a": "\u00e9"}\n',
    ],
)
def test_count_rows_counts_what_read_rows_gives_and_leaves_a_file_where_it_was(text):
    upload = io.BytesIO(text.encode())
    upload.seek(5)

    assert count_rows(upload, "jsonl") == len(list(read_rows(io.BytesIO(text.encode()), "jsonl")))
    assert upload.tell() == 5


def test_count_rows_counts_a_file_that_is_not_utf8_up_to_its_bad_line():
    data = b'{"a": 1}\n\n{"a": 2}\n' + b'{"a": "\xff"}\n' * 3000

    assert count_rows(io.BytesIO(data), "jsonl") == len(list(read_rows(io.BytesIO(data), "jsonl")))


def test_count_rows_of_csv_skips_empty_rows_as_read_rows_does(tmp_path):
    path = tmp_path / "votes.csv"
    path.write_text("annotator,prompt\nann,q1\n,\nbob,q2\n", encoding="utf-8")

    assert count_rows(path, "csv") == 2 == len(list(read_rows(path, "csv")))
