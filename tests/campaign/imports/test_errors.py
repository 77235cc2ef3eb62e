"""Every import error the README and PRODUCT.md promise: the message, and nothing changed.

Each bad file holds a good line before the bad one, on top of a campaign that already holds an
earlier import, so "nothing changed" means neither the good line nor anything else was written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from campaign.imports.items import _ItemImport, import_items
from campaign.imports.votes import import_judgments
from campaign.models import Campaign, Comparison, Contender, Enrollment, Judgment, Prompt, Response
from campaign.services import create_campaign
from tests.builders import explicit, multi, write_jsonl, write_parquet

pytestmark = pytest.mark.django_db

LIMIT = 100  # IMPORT_MAX_TEXT_CHARS in these tests


@pytest.fixture
def campaign(settings, tmp_path) -> Campaign:
    settings.IMPORT_MAX_TEXT_CHARS = LIMIT
    campaign = create_campaign(slug="spring", title="Spring eval")
    earlier = write_jsonl(tmp_path / "earlier.jsonl", [multi("q0", x="0x", y="0y")])
    assert import_items(campaign, earlier).ok
    return campaign


def state() -> dict[str, list]:
    """Everything an import may write, as comparable values."""
    return {
        "prompts": sorted(Prompt.objects.values_list("external_id", "text", "category")),
        "responses": sorted(Response.objects.values_list("prompt__external_id", "text")),
        "comparisons": sorted(Comparison.objects.values_list("prompt__external_id", "gold_side")),
        "contenders": sorted(Contender.objects.values_list("name", flat=True)),
        "judgments": sorted(Judgment.objects.values_list("comparison_id", "verdict")),
        "users": sorted(User.objects.values_list("username", flat=True)),
        "enrolments": sorted(Enrollment.objects.values_list("user__username", flat=True)),
    }


def messages(report) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in report.errors]


def side(model, text="an answer") -> dict:
    return {"model": model, "text": text}


ITEM_ERRORS = [
    # a field that is not a string
    ({"id": "q9", "prompt": 7, "responses": {"x": "1", "y": "2"}}, "'prompt' must be a string"),
    ({"id": ["q9"], "prompt": "p", "responses": {"x": "1", "y": "2"}}, "'id' must be a string"),
    (multi("q9", x="1", y="2") | {"category": 3}, "'category' must be a string"),
    ({"id": "q9", "prompt": "p", "responses": {"x": "1", "y": 2}},
     "response of 'y' must be a string"),
    (explicit("q9", "x", "y") | {"a": side(5)}, "'a.model' must be a string"),
    (explicit("q9", "x", "y") | {"b": side("y", ["t"])}, "'b.text' must be a string"),
    # oversize text
    ({"id": "q9", "prompt": "p" * (LIMIT + 1), "responses": {"x": "1", "y": "2"}},
     f"'prompt' is over the size limit ({LIMIT + 1} > {LIMIT} characters)"),
    (multi("q9", x="1", y="y" * (LIMIT + 1)),
     f"response of 'y' is over the size limit ({LIMIT + 1} > {LIMIT} characters)"),
    (explicit("q9", "x", "y") | {"a": side("x", "t" * (LIMIT + 1))},
     f"'a.text' is over the size limit ({LIMIT + 1} > {LIMIT} characters)"),
    (multi("i" * 201, x="1", y="2"), "'id' is over the size limit (201 > 200 characters)"),
    (multi("q9", x="1", y="2") | {"category": "c" * 101},
     "'category' is over the size limit (101 > 100 characters)"),
    # responses not an object
    ({"id": "q9", "prompt": "p", "responses": ["x", "y"]},
     "'responses' must be an object of model name to text"),
    ({"id": "q9", "prompt": "p", "responses": "x, y"},
     "'responses' must be an object of model name to text"),
    # empty or over-long model names
    ({"id": "q9", "prompt": "p", "responses": {"x": "1", " ": "2"}},
     "empty model name in 'responses'"),
    ({"id": "q9", "prompt": "p", "responses": {"x": "1", "m" * 201: "2"}},
     "model name over 200 characters in 'responses'"),
    (explicit("q9", "x", "y") | {"a": side("")}, "empty field 'a.model'"),
    (explicit("q9", "x", "y") | {"b": side("m" * 201)},
     "'b.model' is over the size limit (201 > 200 characters)"),
    ({"id": "q9", "prompt": "p", "responses": {"x": "1"}},
     "'responses' needs at least two models to compare"),
    # a missing side, a side that is not an object, an unknown key in a side
    ({key: value for key, value in explicit("q9", "x", "y").items() if key != "b"},
     "missing field 'b'"),
    (explicit("q9", "x", "y") | {"a": "x"}, "'a' must be an object with 'model' and 'text'"),
    (explicit("q9", "x", "y") | {"a": side("x") | {"colour": "red"}},
     "unknown key in 'a': 'colour'"),
    (explicit("q9", "x", "y") | {"b": side("y") | {"size": 1, "colour": "red"}},
     "unknown key in 'b': 'colour', 'size'"),
    # gold with the responses form
    (multi("q9", x="1", y="2") | {"gold": "a"},
     "'gold' belongs to the explicit form with 'a' and 'b'"),
]  # fmt: skip


def test_a_bad_line_after_batches_were_stored_takes_them_back(campaign, tmp_path, monkeypatch):
    # On PostgreSQL the item import stores each checked batch while it checks the next
    # (campaign.imports.copy_behind); the bad last line must roll the stored ones back.
    monkeypatch.setattr(_ItemImport, "batch_size", 2)
    before = state()
    rows = [multi(f"q{index}", x="1", y="2") for index in range(1, 8)] + [multi("q1", x="1")]

    report = import_items(campaign, write_jsonl(tmp_path / "items.jsonl", rows))

    assert not report.ok and not report.written
    assert {number for number, _ in messages(report)} == {8}
    assert state() == before


@pytest.mark.parametrize(("line", "expected"), ITEM_ERRORS)
def test_a_bad_item_line_is_named_with_its_reason_and_changes_nothing(
    campaign, tmp_path, line, expected
):
    before = state()

    report = import_items(
        campaign, write_jsonl(tmp_path / "items.jsonl", [multi("q1", x="1", y="2"), line])
    )

    assert not report.ok and not report.written
    assert (2, expected) in messages(report)
    assert {number for number, _ in messages(report)} == {2}
    assert state() == before


def test_the_command_fails_with_each_bad_line_in_its_report(campaign, tmp_path, capsys):
    rows = [multi("q1", x="1", y="2"), *(line for line, _ in ITEM_ERRORS)]
    before = state()

    with pytest.raises(CommandError, match=f"{len(ITEM_ERRORS)} bad lines"):
        call_command("import_items", "spring", str(write_jsonl(tmp_path / "i.jsonl", rows)))

    report = capsys.readouterr().err
    for number, (_line, expected) in enumerate(ITEM_ERRORS, start=2):
        assert f"line {number}: {expected}" in report
    assert state() == before


def write_csv_rows(path: Path, header: list[str], rows: list[list[str]], encoding="utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def test_a_csv_that_is_not_utf8_is_refused_and_changes_nothing(campaign, tmp_path):
    path = write_csv_rows(
        tmp_path / "items.csv",
        ["id", "prompt", "responses.x", "responses.y"],
        [["q1", "p", "1", "2"], ["q2", "Café au lait, s'il vous plaît", "1", "2"]],
        encoding="latin-1",
    )
    before = state()

    report = import_items(campaign, path)

    assert not report.ok and not report.written
    assert [message for _line, message in messages(report)] == ["the file is not UTF-8 text"]
    assert state() == before


def test_a_jsonl_file_that_is_not_utf8_is_refused(campaign, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"id": "q1", "prompt": "caf\xe9", "responses": {"x": "1", "y": "2"}}\n')
    before = state()

    report = import_items(campaign, path)

    assert messages(report) == [(1, "the file is not UTF-8 text")]
    assert state() == before


METADATA_JSON_ERROR = "bad JSON in metadata: Expecting property name enclosed in double quotes"


def test_bad_metadata_json_in_a_csv_names_its_line(campaign, tmp_path):
    path = write_csv_rows(
        tmp_path / "items.csv",
        ["id", "prompt", "metadata", "responses.x", "responses.y"],
        [["q1", "p", '{"k": 1}', "1", "2"], ["q2", "p", "{k: 1", "1", "2"]],
    )
    before = state()

    report = import_items(campaign, path)

    assert not report.written
    # No column: the position is within the cell, not the line.
    assert messages(report) == [(3, METADATA_JSON_ERROR)]
    assert state() == before


def test_bad_metadata_json_in_a_parquet_file_names_its_row(campaign, tmp_path):
    good = multi("q1", x="1", y="2")
    bad = multi("q2", x="1", y="2") | {"metadata": "{k: 1"}
    path = write_parquet(tmp_path / "items.parquet", [good, bad])
    # write_parquet serialises metadata as JSON; store the broken text as it is instead.
    table = pq.read_table(path)
    column = table.schema.get_field_index("metadata")
    table = table.set_column(column, "metadata", [[None, "{k: 1"]])
    pq.write_table(table, path)
    before = state()

    report = import_items(campaign, path)

    assert messages(report) == [(2, METADATA_JSON_ERROR)]
    assert state() == before


def test_a_csv_row_with_more_cells_than_columns_is_refused(campaign, tmp_path):
    path = write_csv_rows(
        tmp_path / "items.csv",
        ["id", "prompt", "responses.x", "responses.y"],
        [["q1", "p", "1", "2"], ["q2", "p", "1", "2", "extra"]],
    )
    before = state()

    report = import_items(campaign, path)

    assert messages(report) == [(3, "more cells than header columns")]
    assert state() == before


def vote(**fields) -> dict:
    return {"annotator": "ann", "prompt": "q0", "model_a": "x", "model_b": "y", "winner": "a"} | (
        fields
    )


VOTE_ERRORS = [
    # a field that is not a string
    (vote(annotator=["ann"]), "'annotator' must be a string"),
    (vote(prompt=None), "'prompt' must be a string"),
    (vote(model_a=5), "'model_a' must be a string"),
    (vote(response_b=3), "'response_b' must be a string"),
    # oversize text and names
    (vote(prompt_text="p" * (LIMIT + 1)),
     f"'prompt_text' is over the size limit ({LIMIT + 1} > {LIMIT} characters)"),
    (vote(response_a="r" * (LIMIT + 1)),
     f"'response_a' is over the size limit ({LIMIT + 1} > {LIMIT} characters)"),
    (vote(annotator="a" * 65), "'annotator' is over the size limit (65 > 64 characters)"),
    (vote(prompt="q" * 201), "'prompt' is over the size limit (201 > 200 characters)"),
    # empty or over-long model names
    (vote(model_b=""), "empty field 'model_b'"),
    (vote(model_a="m" * 201), "'model_a' is over the size limit (201 > 200 characters)"),
    # a missing field
    ({key: value for key, value in vote().items() if key != "winner"}, "missing field 'winner'"),
    ({key: value for key, value in vote().items() if key != "model_a"}, "missing field 'model_a'"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), VOTE_ERRORS)
def test_a_bad_vote_line_is_named_with_its_reason_and_changes_nothing(
    campaign, tmp_path, line, expected
):
    before = state()

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", [vote(), line]))

    assert not report.ok and not report.written
    assert (2, expected) in messages(report)
    assert {number for number, _ in messages(report)} == {2}
    assert state() == before


def test_a_vote_csv_that_is_not_utf8_is_refused_and_changes_nothing(campaign, tmp_path, capsys):
    path = write_csv_rows(
        tmp_path / "votes.csv",
        ["annotator", "prompt", "model_a", "model_b", "winner"],
        [["ann", "q0", "x", "y", "a"], ["José", "q0", "x", "y", "b"]],
        encoding="latin-1",
    )
    before = state()

    with pytest.raises(CommandError, match="1 bad lines"):
        call_command("import_judgments", "spring", str(path))

    assert "the file is not UTF-8 text" in capsys.readouterr().err
    assert state() == before


def test_bad_json_in_a_vote_file_names_its_line(campaign, tmp_path):
    path = write_jsonl(tmp_path / "votes.jsonl", [vote(), '{"annotator": "ann",'])
    before = state()

    report = import_judgments(campaign, path)

    [(line, message)] = messages(report)
    assert line == 2 and message.startswith("bad JSON: ")
    assert state() == before


def test_names_and_texts_of_exactly_the_limit_are_accepted(campaign, tmp_path):
    longest = "m" * 200
    rows = [
        multi("q1", **{longest: "t" * LIMIT, "y": "2"}),
        explicit("q2", longest, "y") | {"a": side(longest, "t" * LIMIT), "category": "c" * 100},
    ]

    report = import_items(campaign, write_jsonl(tmp_path / "items.jsonl", rows))

    assert report.ok and report.written
    assert Contender.objects.filter(name=longest).exists()
