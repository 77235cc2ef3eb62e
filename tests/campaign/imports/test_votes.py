"""The vote import: rows to judgments in file order, validation report, all-or-nothing, demo."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from campaign.demo.votes import VOTES_SLUG, load_pandalm_votes
from campaign.imports.items import import_items
from campaign.imports.votes import JudgmentImportReport, import_judgments
from campaign.models import (
    Campaign,
    Comparison,
    Contender,
    Enrollment,
    Judgment,
    Prompt,
    Response,
)
from campaign.services import create_campaign
from tests.builders import explicit, write_csv, write_jsonl, write_parquet

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="arena", title="Arena votes")


def vote(annotator: str, prompt: str, model_a: str, model_b: str, winner, **extra) -> dict:
    return {
        "annotator": annotator,
        "prompt": prompt,
        "model_a": model_a,
        "model_b": model_b,
        "winner": winner,
        **extra,
    }


def import_rows(campaign: Campaign, tmp_path: Path, rows: list, **options) -> JudgmentImportReport:
    return import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", rows), **options)


def messages(report: JudgmentImportReport) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in report.errors]


def stored_votes() -> list[tuple[str, str, str, str, int]]:
    """(annotator, prompt, model a, model b, verdict) ordered by (created_at, id)."""
    return [
        (
            judgment.annotator.username.rsplit("+", 1)[1],
            judgment.comparison.prompt.external_id,
            judgment.comparison.response_a.contender.name,
            judgment.comparison.response_b.contender.name,
            judgment.verdict,
        )
        for judgment in Judgment.objects.order_by("created_at", "id").select_related(
            "annotator",
            "comparison__prompt",
            "comparison__response_a__contender",
            "comparison__response_b__contender",
        )
    ]


def import_gold_item(campaign: Campaign, tmp_path: Path, gold: str) -> Comparison:
    report = import_items(
        campaign, write_jsonl(tmp_path / "items.jsonl", [explicit("g1", "x", "y", gold)])
    )
    assert report.ok
    return Comparison.objects.get(prompt__external_id="g1")


def test_votes_create_prompts_contenders_comparisons_and_imported_annotators(campaign, tmp_path):
    report = import_rows(
        campaign,
        tmp_path,
        [vote("ann", "q1", "x", "y", "a"), vote("bob", "q1", "x", "y", "b")],
    )

    assert report.ok and report.written
    assert (report.judgments_created, report.annotators_created) == (2, 2)
    assert (report.prompts_created, report.responses_created) == (1, 2)
    assert (report.comparisons_created, report.contenders_created) == (1, 2)
    assert Prompt.objects.get().text == ""
    assert set(Response.objects.values_list("text", flat=True)) == {""}
    judgment = Judgment.objects.get(annotator__username="imported+arena+ann")
    assert (judgment.verdict, judgment.assignment, judgment.left_side, judgment.seconds) == (
        -1,
        None,
        "",
        None,
    )
    assert (judgment.is_gold, judgment.correct) == (False, None)
    annotator = judgment.annotator
    assert annotator.is_imported and not annotator.has_usable_password()
    assert annotator.handle and annotator.handle != annotator.username
    assert Enrollment.objects.filter(campaign=campaign).count() == 2
    # Comparison.load counts judgments of regular comparisons, as for live votes.
    assert Comparison.objects.get().load == 2


def test_texts_in_the_file_become_the_prompt_and_responses(campaign, tmp_path):
    texts = {"prompt_text": "Say hi", "response_a": "hi", "response_b": "hello"}
    import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "tie", **texts)])

    assert Prompt.objects.get().text == "Say hi"
    assert dict(Response.objects.values_list("contender__name", "text")) == {
        "x": "hi",
        "y": "hello",
    }


@pytest.mark.parametrize(
    ("winner", "verdict"),
    [("a", -1), ("tie", 0), ("b", 1), ("B", 1), (-2, -2), (2, 2), ("+2", 2), ("-1", -1), (0, 0)],
)
def test_winner_words_map_to_one_and_integers_are_kept(campaign, tmp_path, winner, verdict):
    import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", winner)])

    assert Judgment.objects.get().verdict == verdict


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('{"annotator": "ann", ', "bad JSON"),
        ("[1, 2]", "bad JSON: a line must be an object"),
        (
            {"annotator": "ann", "prompt": "q1", "model_a": "x", "winner": "a"},
            "missing field 'model_b'",
        ),
        (vote("ann", "q1", "x", "y", "a") | {"annotator": " "}, "empty field 'annotator'"),
        (vote("ann", "q1", "x", "y", "a", weight=2), "unknown key 'weight'"),
        (vote("ann", "q1", "x", "x", "a"), "same model on both sides ('x')"),
        (vote("ann", "q1", "x", "y", "left"), "winner must be"),
        (vote("ann", "q1", "x", "y", 3), "winner must be"),
        (vote("ann", "q1", "x", "y", 1.5), "winner must be"),
        (vote("ann", "q1", "x", "y", True), "winner must be"),
        (vote("ann", "q1", "x", "y", "a", created_at="yesterday"), "created_at must be"),
        (vote("ann", "q1", "x", "y", "a", prompt_text=""), "empty field 'prompt_text'"),
    ],
)
def test_a_bad_row_is_reported_with_its_line(campaign, tmp_path, row, message):
    report = import_rows(campaign, tmp_path, [vote("ann", "q0", "x", "y", "a"), row])

    assert not report.ok and not report.written
    assert [line for line, _message in messages(report)] == [2]
    assert message in messages(report)[0][1]
    assert not Judgment.objects.exists()


def test_one_annotator_judging_one_comparison_twice_in_the_file_is_an_error(campaign, tmp_path):
    rows = [vote("ann", "q1", "x", "y", "a"), vote("ann", "q1", "y", "x", "b")]

    report = import_rows(campaign, tmp_path, rows)

    assert messages(report) == [(2, "'ann' judges 'q1' y vs x twice (first on line 1)")]


def test_a_vote_already_stored_is_an_error(campaign, tmp_path):
    assert import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "a")]).ok

    report = import_rows(
        campaign, tmp_path, [vote("ann", "q2", "x", "y", "a"), vote("ann", "q1", "x", "y", "b")]
    )

    assert messages(report) == [(2, "'ann' already judged 'q1' x vs y (stored)")]
    assert Judgment.objects.count() == 1


def test_a_second_file_reuses_the_imported_annotator(campaign, tmp_path):
    import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "a")])
    report = import_rows(campaign, tmp_path, [vote("ann", "q2", "x", "y", "b")])

    assert report.ok and report.annotators_created == 0
    assert User.objects.filter(is_imported=True).count() == 1
    assert Enrollment.objects.count() == 1


def test_imported_votes_count_in_the_annotators_progress(campaign, tmp_path):
    import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "a")])
    import_rows(
        campaign,
        tmp_path,
        [vote("ann", "q2", "x", "y", "b"), vote("bob", "q2", "x", "y", "tie")],
    )

    judged = dict(Enrollment.objects.values_list("user__username", "judged"))
    assert judged == {"imported+arena+ann": 2, "imported+arena+bob": 1}


def test_a_prompt_text_differing_from_the_stored_one_is_an_error(campaign, tmp_path):
    import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "a", prompt_text="Old")])

    report = import_rows(campaign, tmp_path, [vote("bob", "q1", "x", "y", "a", prompt_text="New")])

    assert messages(report) == [(1, "prompt 'q1' has a different text than the one stored")]


def test_texts_differing_between_lines_of_the_file_are_errors(campaign, tmp_path):
    rows = [
        vote("ann", "q1", "x", "y", "a", prompt_text="One", response_a="xa"),
        vote("bob", "q1", "x", "y", "a", prompt_text="Two", response_a="xb"),
    ]

    report = import_rows(campaign, tmp_path, rows)

    assert messages(report) == [
        (2, "prompt 'q1' has a different text than on line 1"),
        (2, "response of 'x' to 'q1' has a different text than on line 1"),
    ]


def test_a_text_for_a_prompt_first_named_without_one_is_an_error(campaign, tmp_path):
    rows = [vote("ann", "q1", "x", "y", "a"), vote("bob", "q1", "x", "y", "a", prompt_text="P")]

    report = import_rows(campaign, tmp_path, rows)

    assert messages(report) == [
        (
            2,
            "prompt 'q1' first appears without a text on line 1; give its text on every line "
            "that names it, or on none",
        )
    ]


def test_an_existing_login_account_with_the_imported_username_is_refused(campaign, tmp_path):
    User.objects.create(username="imported+arena+ann", handle="real-person-001")

    report = import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "a")] * 2)

    assert len(report.errors) == 1
    assert "belongs to an account that was not imported" in report.errors[0].message


def test_a_bad_last_line_writes_nothing(campaign, tmp_path):
    rows = [vote(f"ann{index}", f"q{index}", "x", "y", "a") for index in range(20)]
    rows.append(vote("ann", "q1", "x", "y", "maybe"))

    report = import_rows(campaign, tmp_path, rows)

    assert messages(report)[0][0] == 21
    assert "nothing was imported" in report.summary()
    assert not Judgment.objects.exists()
    assert not Prompt.objects.exists() and not Contender.objects.exists()
    assert not User.objects.exists()


def test_dry_run_reports_what_it_would_create_and_writes_nothing(campaign, tmp_path):
    report = import_rows(campaign, tmp_path, [vote("ann", "q1", "x", "y", "a")], dry_run=True)

    assert report.ok and not report.written and report.judgments_created == 1
    assert "would create 1 judgments" in report.summary()
    assert not Judgment.objects.exists() and not User.objects.exists()


def test_votes_keep_file_order_under_created_at_then_id(campaign, tmp_path):
    rows = [
        vote("zed", "q2", "y", "x", "b"),
        vote("ann", "q1", "x", "y", "a"),
        vote("zed", "q1", "x", "y", "tie"),
        vote("bob", "q3", "x", "z", 2),
        vote("ann", "q2", "y", "x", "a"),
    ]

    import_rows(campaign, tmp_path, rows)

    assert stored_votes() == [
        ("zed", "q2", "y", "x", 1),
        ("ann", "q1", "x", "y", -1),
        ("zed", "q1", "x", "y", 0),
        ("bob", "q3", "x", "z", 2),
        ("ann", "q2", "y", "x", -1),
    ]


def test_votes_with_equal_timestamps_keep_file_order_by_id(campaign, tmp_path):
    moment = "2024-03-01T12:00:00Z"
    rows = [vote(name, "q1", "x", "y", "a", created_at=moment) for name in ("zed", "ann", "bob")]

    import_rows(campaign, tmp_path, rows)

    assert [row[0] for row in stored_votes()] == ["zed", "ann", "bob"]


def test_created_at_from_the_file_is_kept_and_naive_means_utc(campaign, tmp_path):
    rows = [
        vote("ann", "q1", "x", "y", "a", created_at="2024-03-01T12:00:00+02:00"),
        vote("bob", "q1", "x", "y", "a", created_at="2024-03-01T12:00:00"),
        vote("cat", "q1", "x", "y", "a", created_at="2024-03-01T09:00:00Z"),
    ]

    import_rows(campaign, tmp_path, rows)

    stamps = dict(Judgment.objects.values_list("annotator__username", "created_at"))
    utc = datetime.UTC
    assert stamps["imported+arena+ann"] == datetime.datetime(2024, 3, 1, 10, tzinfo=utc)
    assert stamps["imported+arena+bob"] == datetime.datetime(2024, 3, 1, 12, tzinfo=utc)
    assert stamps["imported+arena+cat"] == datetime.datetime(2024, 3, 1, 9, tzinfo=utc)


def test_swapped_sides_flip_the_verdict_to_the_stored_comparison(campaign, tmp_path):
    comparison = import_gold_item(campaign, tmp_path, "a")  # a = x, b = y
    Comparison.objects.filter(pk=comparison.pk).update(gold_side="")

    import_rows(
        campaign, tmp_path, [vote("ann", "g1", "y", "x", "a"), vote("bob", "g1", "y", "x", -2)]
    )

    assert stored_votes() == [("ann", "g1", "x", "y", 1), ("bob", "g1", "x", "y", 2)]
    assert Comparison.objects.count() == 1


def test_gold_votes_are_marked_and_scored_on_the_gold_side(campaign, tmp_path):
    import_gold_item(campaign, tmp_path, "b")  # a = x, b = y; y is right
    rows = [
        vote("right", "g1", "x", "y", "b"),
        vote("swapped", "g1", "y", "x", -2),
        vote("wrong", "g1", "x", "y", "a"),
        vote("tie", "g1", "x", "y", "tie"),
    ]

    import_rows(campaign, tmp_path, rows)

    results = {
        username.rsplit("+", 1)[1]: (is_gold, correct)
        for username, is_gold, correct in Judgment.objects.values_list(
            "annotator__username", "is_gold", "correct"
        )
    }
    assert results == {
        "right": (True, True),
        "swapped": (True, True),
        "wrong": (True, False),
        "tie": (True, False),
    }
    # Gold has no target, so its load is never counted.
    assert Comparison.objects.get().load == 0


def test_csv_and_parquet_files_import_like_jsonl(campaign, tmp_path):
    rows = [vote("ann", "q1", "x", "y", "-2", prompt_text="P"), vote("bob", "q1", "y", "x", "tie")]

    assert import_judgments(campaign, write_csv(tmp_path / "votes.csv", rows)).ok
    parquet_rows = [vote("cat", "q2", "x", "y", "b")]
    assert import_judgments(campaign, write_parquet(tmp_path / "votes.parquet", parquet_rows)).ok

    assert stored_votes() == [
        ("ann", "q1", "x", "y", -2),
        ("bob", "q1", "x", "y", 0),
        ("cat", "q2", "x", "y", 1),
    ]


def test_queries_do_not_grow_with_the_number_of_votes(campaign, tmp_path):
    def queries_for(count: int, prefix: str) -> int:
        rows = [
            vote(f"{prefix}{index % 3}", f"{prefix}{index}", f"{prefix}-x", f"{prefix}-y", "a")
            for index in range(count)
        ]
        with CaptureQueriesContext(connection) as context:
            assert import_rows(campaign, tmp_path, rows).ok
        return len(context.captured_queries)

    # Both into a campaign with content: the planner then looks up what is stored.
    assert import_rows(campaign, tmp_path, [vote("seed", "seed", "x", "y", "a")]).ok
    assert queries_for(10, "small") == queries_for(200, "large")


def test_command_imports_and_fails_with_the_report_on_a_bad_file(campaign, tmp_path, capsys):
    good = write_jsonl(tmp_path / "good.jsonl", [vote("ann", "q1", "x", "y", "a")])
    call_command("import_judgments", "arena", str(good), "--no-progress")
    assert "created 1 judgments" in capsys.readouterr().out

    bad = write_jsonl(tmp_path / "bad.jsonl", [vote("bob", "q1", "x", "y", "a"), "{oops"])
    with pytest.raises(CommandError, match="1 bad lines"):
        call_command("import_judgments", "arena", str(bad), "--no-progress")
    assert "line 2: bad JSON" in capsys.readouterr().err
    assert Judgment.objects.count() == 1


def test_pandalm_votes_load_once_into_a_closed_campaign():
    first = load_pandalm_votes()
    second = load_pandalm_votes()

    assert first.created and not second.created
    campaign = Campaign.objects.get(slug=VOTES_SLUG)
    assert campaign.status == Campaign.Status.CLOSED
    assert Judgment.objects.filter(campaign=campaign).count() == 2997
    assert User.objects.filter(is_imported=True).count() == 3
    assert Contender.objects.filter(campaign=campaign).count() == 5
    assert Comparison.objects.filter(campaign=campaign).count() == 999
    # PandaLM's label counts over all three annotators: 1,255 response1, 326 tie, 1,416 response2.
    verdicts = Counter(Judgment.objects.filter(campaign=campaign).values_list("verdict", flat=True))
    assert verdicts == {-1: 1255, 0: 326, 1: 1416}
