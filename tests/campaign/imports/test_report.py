"""The run both imports share (campaign.imports.pipeline): the line report, the cap on listed
problems, an empty file, and the progress each phase reports."""

from __future__ import annotations

import pytest

from campaign.imports.items import import_items
from campaign.imports.votes import import_judgments
from campaign.models import Prompt
from campaign.services import create_campaign
from tests.builders import multi, write_jsonl

pytestmark = pytest.mark.django_db


def item_row(index: int) -> dict:
    return multi(f"p{index}", x=f"x answers {index}", y=f"y answers {index}")


def vote_row(index: int) -> dict:
    return {
        "annotator": "ann",
        "prompt": f"p{index}",
        "model_a": "x",
        "model_b": "y",
        "winner": "a",
    }


IMPORTS = pytest.mark.parametrize(
    ("run", "good_row"),
    [(import_items, item_row), (import_judgments, vote_row)],
    ids=["items", "votes"],
)


@pytest.fixture
def campaign():
    return create_campaign(slug="shared", title="Shared run")


@IMPORTS
def test_problems_beyond_the_cap_are_counted_and_listed_ones_are_in_line_order(
    campaign, tmp_path, settings, run, good_row
):
    settings.IMPORT_MAX_ERRORS = 3
    rows = [good_row(0), *["{oops"] * 5, good_row(1)]

    report = run(campaign, write_jsonl(tmp_path / "file.jsonl", rows))

    assert [problem.line for problem in report.errors] == [2, 3, 4]
    assert report.errors_not_listed == 2
    assert report.summary() == "3 bad lines, 3 problems (and 2 more); nothing was imported."
    assert not report.written and not Prompt.objects.exists()


@IMPORTS
def test_an_empty_file_is_a_problem(campaign, tmp_path, run, good_row):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")

    report = run(campaign, path)

    assert [(problem.line, problem.message) for problem in report.errors] == [
        (0, "the file holds no rows")
    ]


@IMPORTS
def test_progress_reaches_every_line_in_both_phases(campaign, tmp_path, run, good_row):
    heard: dict[str, int] = {}

    report = run(
        campaign,
        write_jsonl(tmp_path / "file.jsonl", [good_row(index) for index in range(7)]),
        progress=lambda phase, done: heard.__setitem__(phase, done),
    )

    assert report.ok and report.written and report.lines == 7
    assert heard == {"validating": 7, "writing": 7}


@IMPORTS
def test_a_dry_run_validates_and_writes_nothing(campaign, tmp_path, run, good_row):
    path = write_jsonl(tmp_path / "file.jsonl", [good_row(0), good_row(1)])

    report = run(campaign, path, dry_run=True)

    assert report.ok and report.dry_run and not report.written
    assert report.summary().startswith("2 lines: would create ")
    assert not Prompt.objects.exists()
