"""Import errors the README and PRODUCT.md promise whose exact words no other test pinned.

Each bad file holds a good line before the bad one, on top of a campaign that already holds an
earlier import, so "nothing changed" means neither the good line nor anything else was written.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campaign.imports.items import import_items
from campaign.imports.verdicts import winners_accepted
from campaign.imports.votes import import_judgments
from tests.builders import explicit, multi, write_jsonl
from tests.campaign.imports.test_errors import campaign, messages, state, vote

pytestmark = pytest.mark.django_db
__all__ = ["campaign"]  # the fixture: a campaign holding an earlier import of q0

# The csv module refuses a cell longer than this (csv.field_size_limit()'s default).
CSV_FIELD_LIMIT = 131_072


ITEM_ERRORS = [
    (multi("q9", x="1", y="2") | explicit("q9", "x", "y"),
     "give either 'responses' or 'a' and 'b', not both"),
    ({"id": "q9", "prompt": "p", "category": "c"}, "missing field 'responses' (or 'a' and 'b')"),
    (explicit("q9", "x", "y", gold="left"), "gold must be 'a' or 'b', got 'left'"),
    (explicit("q9", "x", "y") | {"gold": None}, "gold must be 'a' or 'b', got None"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), ITEM_ERRORS)
def test_an_item_line_of_neither_or_both_forms_or_a_bad_gold_is_refused_in_these_words(
    campaign, tmp_path, line, expected
):
    before = state()

    report = import_items(
        campaign, write_jsonl(tmp_path / "items.jsonl", [multi("q1", x="1", y="2"), line])
    )

    assert not report.ok and not report.written
    assert messages(report) == [(2, expected)]
    assert state() == before


VOTE_ERRORS = [
    (vote(winner="left"), f"winner must be {winners_accepted()}, got 'left'"),
    (vote(winner=3), f"winner must be {winners_accepted()}, got 3"),
    (vote(created_at="yesterday"),
     "created_at must be an ISO 8601 date and time, got 'yesterday'"),
    (vote(created_at=20240101), "created_at must be an ISO 8601 date and time, got 20240101"),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), VOTE_ERRORS)
def test_a_vote_with_a_bad_winner_or_date_is_refused_in_these_words(
    campaign, tmp_path, line, expected
):
    before = state()

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", [vote(), line]))

    assert not report.ok and not report.written
    assert messages(report) == [(2, expected)]
    assert state() == before


def csv_with_a_huge_cell(path: Path, header: list[str], good: list[str], huge: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerows([header, good, huge])
    return path


def test_a_csv_cell_over_the_csv_readers_limit_is_named_by_its_line_and_changes_nothing(
    campaign, tmp_path
):
    header = ["id", "prompt", "responses.x", "responses.y"]
    path = csv_with_a_huge_cell(
        tmp_path / "items.csv",
        header,
        ["q1", "p", "1", "2"],
        ["q2", "p" * (CSV_FIELD_LIMIT + 1), "1", "2"],
    )
    before = state()

    report = import_items(campaign, path)

    assert not report.ok and not report.written
    assert messages(report) == [(3, f"bad CSV: field larger than field limit ({CSV_FIELD_LIMIT})")]
    assert state() == before


@pytest.mark.parametrize("command", ["import_items", "import_judgments"])
def test_both_import_commands_fail_on_a_csv_cell_over_the_limit(
    campaign, tmp_path, capsys, command
):
    if command == "import_items":
        header, good = ["id", "prompt", "responses.x", "responses.y"], ["q1", "p", "1", "2"]
        huge = ["q2", "p" * (CSV_FIELD_LIMIT + 1), "1", "2"]
    else:
        header, good = (
            ["annotator", "prompt", "model_a", "model_b", "winner"],
            list(vote().values()),
        )
        huge = ["a" * (CSV_FIELD_LIMIT + 1), "q0", "x", "y", "a"]
    path = csv_with_a_huge_cell(tmp_path / "file.csv", header, good, huge)
    before = state()

    with pytest.raises(CommandError, match="1 bad lines, 1 problems; nothing was imported"):
        call_command(command, "spring", str(path))

    assert f"line 3: bad CSV: field larger than field limit ({CSV_FIELD_LIMIT})" in (
        capsys.readouterr().err
    )
    assert state() == before


def test_a_header_cell_over_the_csv_readers_limit_is_named_as_line_1(campaign, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("id,prompt," + "h" * (CSV_FIELD_LIMIT + 1) + "\nq1,p,1\n", encoding="utf-8")
    before = state()

    report = import_items(campaign, path)

    assert messages(report) == [(1, f"bad CSV: field larger than field limit ({CSV_FIELD_LIMIT})")]
    assert state() == before
