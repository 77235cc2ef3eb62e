"""Lines that contradict each other or the campaign, and files that name no known format."""

from __future__ import annotations

import pytest

from campaign.exceptions import UnsupportedFileFormat
from campaign.imports.items import import_items
from tests.builders import explicit, multi, write_jsonl
from tests.campaign.imports.test_errors import campaign, messages, state

pytestmark = pytest.mark.django_db
__all__ = ["campaign"]  # the fixture: a campaign holding an earlier import of q0


def test_an_id_already_stored_with_another_prompt_text_is_refused(campaign, tmp_path):
    before = state()
    changed = multi("q0", x="0x", y="0y") | {"prompt": "A different question"}

    report = import_items(campaign, write_jsonl(tmp_path / "items.jsonl", [changed]))

    assert messages(report) == [
        (1, "id 'q0' already exists in this campaign with a different prompt text")
    ]
    assert state() == before


def test_a_response_that_changes_between_two_lines_of_one_file_is_refused(campaign, tmp_path):
    before = state()
    # The explicit form may pair one prompt's responses over several lines; x's text must agree.
    rows = [
        explicit("q1", "x", "y"),
        explicit("q1", "x", "z") | {"a": {"model": "x", "text": "another answer"}},
    ]

    report = import_items(campaign, write_jsonl(tmp_path / "items.jsonl", rows))

    assert (2, "response of 'x' to 'q1' differs from an earlier line") in messages(report)
    assert state() == before


def test_a_format_the_import_does_not_know_is_refused_by_name(campaign, tmp_path):
    before = state()
    path = write_jsonl(tmp_path / "items.jsonl", [multi("q1", x="1", y="2")])

    with pytest.raises(UnsupportedFileFormat, match=r"Unknown format 'xlsx'; use one of"):
        import_items(campaign, path, file_format="xlsx")
    assert state() == before


def test_a_csv_row_of_empty_cells_is_skipped_like_a_blank_line(campaign, tmp_path):
    path = tmp_path / "items.csv"
    path.write_text(
        "id,prompt,responses.x,responses.y\nq1,Prompt q1,1x,1y\n,,,\nq2,Prompt q2,2x,2y\n",
        encoding="utf-8",
    )

    report = import_items(campaign, path)

    assert report.ok, messages(report)
    assert {prompt for prompt, *_ in state()["prompts"]} == {"q0", "q1", "q2"}
