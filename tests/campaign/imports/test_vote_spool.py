"""The vote import's one-pass COPY write (PostgreSQL) stores what the bulk-insert write stores.

campaign.imports.vote_spool COPYs each batch as it is checked (its annotators, default
timestamps and ``Comparison.load`` increments with it); the second-pass writer (what SQLite runs)
plans again and inserts batch by batch. Two campaigns take the same files, one each way, and
must end up with the same rows.
"""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from campaign.imports import vote_spool, votes
from campaign.imports.items import import_items
from campaign.imports.votes import import_judgments
from campaign.models import Campaign, Comparison, Enrollment, Judgment, Prompt, Response
from campaign.services import create_campaign
from tests.builders import explicit, write_jsonl

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

AWKWARD = "tab\there, newline\nthere, backslash \\ and é"
WHEN = "2020-03-04T05:06:07.000008+02:00"


def vote(annotator: str, prompt: str, a: str, b: str, winner, **extra) -> dict:
    row = {"annotator": annotator, "prompt": prompt, "model_a": a, "model_b": b, "winner": winner}
    return row | extra


FIRST = [
    vote("ann", "g1", "y", "x", "a"),  # gold, sides swapped: prefers y, the gold side
    vote("bob", "g1", "x", "y", "a"),  # gold, wrong
    vote("ann", "r1", "y", "x", -2),  # stored regular comparison, swapped
    vote("ann", "n1", "x", "z", "b", prompt_text=AWKWARD, response_a=AWKWARD, response_b="z!"),
    vote("bob", "n1", "z", "x", "tie", created_at=WHEN),  # same comparison, other order
    vote("cy", "n1", "x", "y", 2, prompt_text=AWKWARD),
    vote("cy", "n2", "y", "z", "a"),
]
SECOND = [
    vote("ann", "n1", "y", "x", 1),  # a comparison the first file created
    vote("dee", "n1", "x", "z", "a", created_at="2020-03-04T05:06:07"),
    vote("dee", "r1", "x", "y", "b"),
]


JUDGMENT_FIELDS = (
    "annotator__username",
    "comparison__prompt__external_id",
    "comparison__response_a__contender__name",
    "comparison__response_b__contender__name",
    "verdict",
    "is_gold",
    "correct",
    "left_side",
    "seconds",
    "rationale",
    "created_at",
)


def stored(campaign: Campaign) -> dict[str, object]:
    """Everything the vote import writes into ``campaign``, by names rather than ids."""
    judgments = Judgment.objects.filter(campaign=campaign).order_by("created_at", "id")
    return {
        "prompts": sorted(
            Prompt.objects.filter(campaign=campaign).values_list(
                "external_id", "text", "category", "metadata"
            )
        ),
        "responses": sorted(
            Response.objects.filter(prompt__campaign=campaign).values_list(
                "prompt__external_id", "contender__name", "text"
            )
        ),
        "comparisons": sorted(
            Comparison.objects.filter(campaign=campaign).values_list(
                "prompt__external_id",
                "response_a__contender__name",
                "response_b__contender__name",
                "gold_side",
                "load",
            )
        ),
        "judgments": [
            # The annotator's name in the file; created_at when the file gave it (2020).
            (username.rsplit("+", 1)[1], *middle, created_at if created_at.year == 2020 else None)
            for username, *middle, created_at in judgments.values_list(*JUDGMENT_FIELDS)
        ],
        "progress": sorted(
            (username.rsplit("+", 1)[1], judged)
            for username, judged in Enrollment.objects.filter(campaign=campaign).values_list(
                "user__username", "judged"
            )
        ),
    }


def import_both_ways(tmp_path: Path, monkeypatch) -> tuple[Campaign, Campaign]:
    copied = create_campaign(slug="copied", title="Copied")
    inserted = create_campaign(slug="inserted", title="Inserted")
    items = [explicit("g1", "x", "y", "b"), explicit("r1", "x", "y")]
    items_file = write_jsonl(tmp_path / "items.jsonl", items)
    for campaign in (copied, inserted):
        assert import_items(campaign, items_file).ok
    for number, rows in enumerate((FIRST, SECOND)):
        path = write_jsonl(tmp_path / f"votes-{number}.jsonl", rows)
        report = import_judgments(copied, path)
        assert report.ok and report.written, report.errors
        with monkeypatch.context() as patch:
            patch.setattr(votes, "copies", lambda: False)
            report = import_judgments(inserted, path)
        assert report.ok and report.written, report.errors
    return copied, inserted


@pytest.mark.parametrize("batch_size", [votes.BATCH_SIZE, 2])
def test_the_copy_write_stores_the_rows_the_bulk_insert_write_stores(
    tmp_path, monkeypatch, batch_size
):
    # Batches of 2: rows stored while later lines are checked, loads completed at the end.
    monkeypatch.setattr(votes._VoteImport, "batch_size", batch_size)
    copied, inserted = import_both_ways(tmp_path, monkeypatch)

    rows = stored(copied)

    assert rows == stored(inserted)
    assert ("n1", "x", "z", "", 3) in rows["comparisons"]  # ann, bob and dee
    assert ("r1", "x", "y", "", 2) in rows["comparisons"]  # stored: its load went up
    assert ("g1", "x", "y", "b", 0) in rows["comparisons"]  # gold: never loaded
    texts = {(prompt_id, model): text for prompt_id, model, text in rows["responses"]}
    assert (texts[("n1", "x")], texts[("n1", "z")]) == (AWKWARD, "z!")
    by_vote = {(j[0], j[1]): j for j in rows["judgments"]}
    assert by_vote[("ann", "g1")][4:7] == (1, True, True)
    assert by_vote[("bob", "g1")][4:7] == (-1, True, False)
    assert by_vote[("bob", "n1")][10] == datetime.datetime.fromisoformat(WHEN)
    assert by_vote[("dee", "n1")][10] == datetime.datetime(2020, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    assert dict(rows["progress"])["ann"] == 4


def test_a_file_without_new_votes_writes_nothing_but_reports_the_errors(tmp_path) -> None:
    campaign = create_campaign(slug="copied", title="Copied")
    path = write_jsonl(tmp_path / "votes.jsonl", [vote("ann", "q1", "x", "y", "a")] * 2)

    report = import_judgments(campaign, path)

    assert [problem.line for problem in report.errors] == [2] and not report.written
    assert not Judgment.objects.exists() and not Prompt.objects.exists()


def test_a_bad_line_after_stored_batches_takes_them_back(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(votes._VoteImport, "batch_size", 2)
    campaign = create_campaign(slug="copied", title="Copied")
    rows = [vote(f"ann{index}", f"q{index}", "x", "y", "a") for index in range(9)]
    rows.append(vote("ann0", "q0", "y", "x", "b"))  # line 10 repeats line 1, sides swapped

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", rows))

    assert [(p.line, p.message) for p in report.errors] == [
        (10, "'ann0' judges 'q0' y vs x twice (first on line 1)")
    ]
    assert not report.written
    assert not Judgment.objects.exists() and not Comparison.objects.exists()
    assert not Prompt.objects.exists() and not User.objects.exists()


def test_a_repeat_by_a_stored_annotator_is_a_repeat_not_a_stored_vote(tmp_path, monkeypatch):
    # The import's own earlier batches are in the database when later lines are checked.
    campaign = create_campaign(slug="copied", title="Copied")
    first = write_jsonl(tmp_path / "first.jsonl", [vote("ann", "q0", "x", "y", "a")])
    assert import_judgments(campaign, first).ok
    monkeypatch.setattr(votes._VoteImport, "batch_size", 2)
    rows = [vote("ann", f"q{index}", "x", "y", "a") for index in range(1, 6)]
    rows.append(vote("ann", "q1", "x", "y", "b"))

    report = import_judgments(campaign, write_jsonl(tmp_path / "second.jsonl", rows))

    assert [(p.line, p.message) for p in report.errors] == [
        (6, "'ann' judges 'q1' x vs y twice (first on line 1)")
    ]
    assert Judgment.objects.count() == 1


def test_default_timestamps_end_at_the_start_counting_the_rows_of_an_uploaded_file(
    monkeypatch,
) -> None:
    monkeypatch.setattr(votes._VoteImport, "batch_size", 2)
    start = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    monkeypatch.setattr(votes.timezone, "now", lambda: start)
    campaign = create_campaign(slug="copied", title="Copied")
    rows = [vote(f"ann{index}", "q1", "x", "y", "a") for index in range(5)]
    # Blank lines keep their numbers but are no rows: 5 rows on lines 1, 3, 4, 5 and 7.
    lines = [json.dumps(row) for row in rows]
    upload = io.BytesIO("\n".join([lines[0], "", *lines[1:4], "  ", lines[4]]).encode())
    upload.name = "votes.jsonl"

    report = import_judgments(campaign, upload)

    assert report.ok and report.written and report.lines == 5
    created = Judgment.objects.order_by("created_at").values_list("created_at", flat=True)
    offsets = [(start - moment) // datetime.timedelta(microseconds=1) for moment in created]
    assert offsets == [5 - line for line in (1, 3, 4, 5, 7)]


@pytest.mark.parametrize("microsecond", [0, 999_990])
def test_default_times_are_the_start_plus_the_line_in_microseconds(microsecond) -> None:
    start = datetime.datetime(2030, 12, 31, 23, 59, 59, microsecond, tzinfo=datetime.UTC)
    times = vote_spool._DefaultTimes(
        start.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    )

    for line in (0, 9, 10, 11, 1_000_010, 3_600_000_007):
        expected = start + datetime.timedelta(microseconds=line)
        assert datetime.datetime.fromisoformat(times.text(line)) == expected
