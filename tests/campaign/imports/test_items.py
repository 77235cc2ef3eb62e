"""The item import service: validation report, all-or-nothing, idempotency, formats."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from campaign import limits
from campaign.imports.items import ImportReport, import_items
from campaign.imports.validation import ItemRecord, validate_item
from campaign.models import SHUFFLE_KEY_LIMIT, Campaign, Comparison, Contender, Prompt, Response
from campaign.services import create_campaign
from tests.builders import explicit, multi, write_csv, write_jsonl, write_parquet

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="spring", title="Spring eval")


def row_counts() -> tuple[int, int, int, int]:
    return (
        Prompt.objects.count(),
        Response.objects.count(),
        Comparison.objects.count(),
        Contender.objects.count(),
    )


def import_rows(campaign: Campaign, tmp_path: Path, rows: list, **options) -> ImportReport:
    return import_items(campaign, write_jsonl(tmp_path / "items.jsonl", rows), **options)


def messages(report: ImportReport) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in report.errors]


def test_multi_response_prompt_makes_every_pair(campaign, tmp_path):
    report = import_rows(campaign, tmp_path, [multi("q1", x="1", y="2", z="3")])

    assert report.ok and report.written
    assert (report.prompts_created, report.responses_created, report.comparisons_created) == (
        1,
        3,
        3,
    )
    pairs = {
        frozenset((c.response_a.contender.name, c.response_b.contender.name))
        for c in Comparison.objects.select_related("response_a__contender", "response_b__contender")
    }
    assert pairs == {frozenset("xy"), frozenset("xz"), frozenset("yz")}


def test_explicit_gold_comparison_is_stored_with_its_side(campaign, tmp_path):
    report = import_rows(campaign, tmp_path, [explicit("q1", "x", "y", gold="b")])

    assert report.gold_created == 1
    comparison = Comparison.objects.get()
    assert comparison.gold_side == "b"
    assert comparison.response_a.contender.name == "x"


def test_optional_category_and_metadata_are_kept(campaign, tmp_path):
    item = multi("q1", x="1", y="2") | {"category": "coding", "metadata": {"source": "forum"}}
    import_rows(campaign, tmp_path, [item])

    prompt = Prompt.objects.get()
    assert (prompt.category, prompt.metadata) == ("coding", {"source": "forum"})


def test_a_prompt_without_metadata_stores_an_empty_object(campaign, tmp_path):
    import_rows(
        campaign,
        tmp_path,
        [multi("q1", x="1", y="2") | {"metadata": {}}, multi("q2", x="1", y="2")],
    )

    assert list(Prompt.objects.order_by("external_id").values_list("metadata", flat=True)) == [
        {},
        {},
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "bad JSON"),
        ("[1, 2]", "a line must be an object"),
        ({"prompt": "p", "responses": {"x": "1", "y": "2"}}, "missing field 'id'"),
        ({"id": "q9", "responses": {"x": "1", "y": "2"}}, "missing field 'prompt'"),
        ({"id": "q9", "prompt": "  ", "responses": {"x": "1", "y": "2"}}, "empty field 'prompt'"),
        ({"id": "q9", "prompt": "p"}, "missing field 'responses'"),
        ({"id": "q9", "prompt": "p", "responses": {"x": "1", "y": ""}}, "empty response of 'y'"),
        ({"id": "q9", "prompt": "p", "responses": {"x": "1"}}, "at least two models"),
        (multi("q9", x="1", y="2") | {"colour": "red"}, "unknown key 'colour'"),
        (explicit("q9", "x", "x"), "same model on both sides"),
        (explicit("q9", "x", "y", gold="left"), "gold must be 'a' or 'b'"),
        (explicit("q9", "x", "y") | {"b": {"model": "y"}}, "missing field 'b.text'"),
        (multi("q9", x="1", y="z" * 101), "over the size limit"),
        (multi("q9", x="1", y="2") | {"metadata": [1]}, "'metadata' must be an object"),
        (multi("q9", x="1", y="2") | explicit("q9", "x", "y"), "either 'responses' or 'a'"),
    ],
)
def test_each_bad_line_is_named_with_its_reason_and_nothing_changes(
    campaign, tmp_path, settings, line, expected
):
    settings.IMPORT_MAX_TEXT_CHARS = 100
    report = import_rows(campaign, tmp_path, [multi("q1", x="1", y="2"), line])

    assert not report.ok and not report.written
    assert any(number == 2 and expected in message for number, message in messages(report))
    assert all(number == 2 for number, _ in messages(report))
    assert row_counts() == (0, 0, 0, 0)


def test_duplicate_id_names_the_first_line(campaign, tmp_path):
    report = import_rows(
        campaign,
        tmp_path,
        [multi("q1", x="1", y="2"), multi("q2", x="1", y="2"), multi("q1", x="3", y="4")],
    )

    assert messages(report) == [(3, "duplicate id 'q1' (first on line 1)")]


def test_duplicate_explicit_comparison_is_reported_even_with_sides_swapped(campaign, tmp_path):
    report = import_rows(campaign, tmp_path, [explicit("q1", "x", "y"), explicit("q1", "y", "x")])

    assert messages(report) == [(2, "duplicate comparison 'q1' y vs x (first on line 1)")]


def test_explicit_lines_for_one_prompt_must_agree_on_its_text(campaign, tmp_path):
    other = explicit("q1", "x", "z") | {"prompt": "Something else"}
    report = import_rows(campaign, tmp_path, [explicit("q1", "x", "y"), other])

    assert messages(report) == [(2, "id 'q1' has a different prompt text than on line 1")]


def test_several_explicit_comparisons_share_one_prompt_and_its_responses(campaign, tmp_path):
    report = import_rows(
        campaign, tmp_path, [explicit("q1", "x", "y", gold="a"), explicit("q1", "x", "z")]
    )

    assert report.ok
    assert row_counts() == (1, 3, 2, 3)


def test_a_bad_last_line_leaves_the_database_untouched(campaign, tmp_path):
    import_rows(campaign, tmp_path, [multi("old", x="1", y="2")])
    before = row_counts()
    rows = [multi(f"q{i}", x="1", y="2", z="3") for i in range(5000)] + ['{"id": "broken"']

    report = import_rows(campaign, tmp_path, rows)

    assert messages(report) == [(5001, "bad JSON: Expecting ',' delimiter (column 16)")]
    assert row_counts() == before


def test_reimporting_the_same_file_changes_nothing(campaign, tmp_path):
    rows = [multi("q1", x="1", y="2", z="3"), explicit("q2", "x", "y", gold="a")]
    first = import_rows(campaign, tmp_path, rows)
    before = row_counts()

    again = import_rows(campaign, tmp_path, rows)

    assert first.comparisons_created == 4
    assert again.ok and again.comparisons_created == again.prompts_created == 0
    assert again.lines_unchanged == 2
    assert row_counts() == before


def test_reimport_adds_a_new_contender_to_an_existing_prompt(campaign, tmp_path):
    import_rows(campaign, tmp_path, [multi("q1", x="1", y="2")])

    report = import_rows(campaign, tmp_path, [multi("q1", x="1", y="2", w="3")])

    assert (report.prompts_created, report.responses_created, report.comparisons_created) == (
        0,
        1,
        2,
    )
    assert Comparison.objects.count() == 3


def test_changed_text_for_a_stored_id_is_refused(campaign, tmp_path):
    import_rows(campaign, tmp_path, [multi("q1", x="1", y="2")])

    report = import_rows(campaign, tmp_path, [multi("q1", x="1", y="changed")])

    assert messages(report) == [(1, "response of 'y' to 'q1' differs from the one already stored")]


def test_changed_gold_for_a_stored_comparison_is_refused(campaign, tmp_path):
    import_rows(campaign, tmp_path, [explicit("q1", "x", "y", gold="a")])

    report = import_rows(campaign, tmp_path, [explicit("q1", "x", "y", gold="b")])

    assert not report.ok
    assert "already stored with gold 'a'" in report.errors[0].message


def test_dry_run_reports_the_same_counts_and_writes_nothing(campaign, tmp_path):
    rows = [multi("q1", x="1", y="2", z="3"), explicit("q2", "x", "y", gold="a")]

    dry = import_rows(campaign, tmp_path, rows, dry_run=True)

    assert row_counts() == (0, 0, 0, 0)
    real = import_rows(campaign, tmp_path, rows)
    assert (dry.prompts_created, dry.responses_created, dry.comparisons_created) == (
        real.prompts_created,
        real.responses_created,
        real.comparisons_created,
    )
    assert not real.dry_run and dry.dry_run


def test_pairs_per_prompt_samples_contender_pairs_evenly(tmp_path):
    campaign = create_campaign(slug="sampled", title="Sampled", pairs_per_prompt=1)
    rows = [multi(f"q{i}", a="1", b="2", c="3", d="4") for i in range(60)]

    report = import_rows(campaign, tmp_path, rows)

    assert report.comparisons_created == 60
    usage = Counter(
        frozenset((a, b))
        for a, b in Comparison.objects.values_list(
            "response_a__contender__name", "response_b__contender__name"
        )
    )
    assert len(usage) == 6 and set(usage.values()) == {10}


@pytest.mark.parametrize("writer", [write_csv, write_parquet], ids=["csv", "parquet"])
def test_csv_and_parquet_take_the_same_flattened_columns(campaign, tmp_path, writer):
    items = [
        multi("q1", x="1", y="2") | {"category": "maths", "metadata": {"k": 1}},
        explicit("q2", "x", "gpt-3.5", gold="a"),
    ]
    suffix = ".csv" if writer is write_csv else ".parquet"

    report = import_items(campaign, writer(tmp_path / f"items{suffix}", items))

    assert report.ok, report.errors
    assert row_counts() == (2, 4, 2, 3)
    assert Prompt.objects.get(external_id="q1").metadata == {"k": 1}
    assert Contender.objects.filter(name="gpt-3.5").exists()


def test_csv_errors_name_the_file_line(campaign, tmp_path):
    path = write_csv(tmp_path / "items.csv", [multi("q1", x="1", y="2"), explicit("q2", "x", "x")])

    report = import_items(campaign, path)

    assert messages(report) == [(3, "same model on both sides ('x')")]


def test_unreadable_parquet_is_reported(campaign, tmp_path):
    path = tmp_path / "items.parquet"
    path.write_bytes(b"not parquet at all")

    report = import_items(campaign, path)

    assert not report.ok and "bad Parquet file" in report.errors[0].message


def test_command_exits_non_zero_with_the_report(campaign, tmp_path, capsys):
    path = write_jsonl(
        tmp_path / "items.jsonl", [multi("q1", x="1", y="2"), explicit("q1", "a", "b")]
    )

    with pytest.raises(CommandError, match="1 bad lines"):
        call_command("import_items", "spring", str(path), "--no-progress")

    assert "line 2: duplicate id 'q1' (first on line 1)" in capsys.readouterr().err
    assert row_counts() == (0, 0, 0, 0)


def test_command_dry_run_and_import(campaign, tmp_path, capsys):
    path = write_jsonl(tmp_path / "items.jsonl", [multi("q1", x="1", y="2", z="3")])

    call_command("import_items", "spring", str(path), "--dry-run", "--no-progress")
    assert row_counts() == (0, 0, 0, 0)
    call_command("import_items", "spring", str(path), "--no-progress")

    output = capsys.readouterr().out
    assert "Dry run, nothing written: 1 lines: would create 1 prompts" in output
    assert "created 1 prompts, 3 responses, 3 comparisons" in output


def test_command_refuses_unknown_campaign_and_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No campaign with slug 'nope'"):
        call_command("import_items", "nope", str(write_jsonl(tmp_path / "a.jsonl", ["{}"])))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_items", "nope", str(tmp_path / "missing.jsonl"))


def test_command_refuses_an_unknown_extension(campaign, tmp_path):
    path = tmp_path / "items.txt"
    path.write_text("{}", encoding="utf-8")

    with pytest.raises(CommandError, match="Cannot tell the format"):
        call_command("import_items", "spring", str(path))


def test_imported_comparisons_get_their_column_defaults(campaign, tmp_path):
    import_rows(campaign, tmp_path, [multi(f"q{i}", x="1", y="2", z="3") for i in range(20)])

    loads = set(Comparison.objects.values_list("load", flat=True))
    shuffles = set(Comparison.objects.values_list("shuffle", flat=True))
    assert loads == {0}
    assert len(shuffles) > 50
    assert all(0 <= shuffle < SHUFFLE_KEY_LIMIT for shuffle in shuffles)


def test_counts_agree_with_the_database_when_one_prompt_spans_batches(
    campaign, tmp_path, monkeypatch
):
    monkeypatch.setattr("campaign.imports.items.BATCH_SIZE", 2)
    rows = [
        explicit("q1", "x", "y"),
        multi("q2", x="1", y="2"),
        explicit("q1", "x", "z"),
        explicit("q1", "y", "z", gold="a"),
        multi("q3", x="1", y="2"),
    ]

    dry = import_rows(campaign, tmp_path, rows, dry_run=True)
    real = import_rows(campaign, tmp_path, rows)

    for report in (dry, real):
        assert (report.prompts_created, report.responses_created) == (3, 7)
        assert report.comparisons_created == 5
    assert row_counts() == (3, 7, 5, 3)


# One row against the item format, without the import: what a valid row becomes, and the
# reasons whose wording the tests above leave loose.
def validate(row: dict) -> ItemRecord | list[str]:
    """One row against the item format alone (campaign.imports.validation), on line 7."""
    return validate_item(7, row, max_chars=100)


def test_a_row_of_responses_becomes_a_record_without_pair_gold_or_category():
    record = validate(multi("q1", x="1", y="2"))

    assert record == ItemRecord(
        line=7,
        prompt_id="q1",
        prompt="Prompt q1",
        category="",
        metadata={},
        responses={"x": "1", "y": "2"},
        explicit_pair=None,
        gold="",
    )


def test_an_explicit_row_becomes_its_pair_in_order_with_its_gold_side():
    plain = validate(explicit("q1", "x", "y") | {"category": "maths", "metadata": {"k": 1}})
    gold = validate(explicit("q1", "y", "x", gold="b"))

    assert plain == ItemRecord(
        line=7,
        prompt_id="q1",
        prompt="Prompt q1",
        category="maths",
        metadata={"k": 1},
        responses={"x": "x answers q1", "y": "y answers q1"},
        explicit_pair=("x", "y"),
        gold="",
    )
    assert (gold.explicit_pair, gold.gold) == (("y", "x"), "b")


def test_an_integer_id_is_read_as_its_decimal_digits_within_the_id_limit():
    longest = int("9" * limits.PROMPT_ID_MAX_CHARS)

    assert validate(multi("q", x="1", y="2") | {"id": 17}).prompt_id == "17"
    assert validate(multi("q", x="1", y="2") | {"id": longest}).prompt_id == str(longest)
    assert validate(multi("q", x="1", y="2") | {"id": longest * 10}) == [
        f"'id' is over the size limit ({limits.PROMPT_ID_MAX_CHARS + 1} >"
        f" {limits.PROMPT_ID_MAX_CHARS} characters)"
    ]


def test_a_boolean_id_is_not_an_integer_id():
    assert validate(multi("q", x="1", y="2") | {"id": True}) == ["'id' must be a string"]


def test_every_unknown_key_is_named_in_one_reason_in_sorted_order():
    row = multi("q1", x="1", y="2") | {"size": 1, "colour": "red"}

    assert validate(row) == ["unknown key 'colour', 'size'"]


def test_a_row_with_only_side_b_is_missing_side_a():
    row = {key: value for key, value in explicit("q1", "x", "y").items() if key != "a"}

    assert validate(row) == ["missing field 'a'"]


def test_a_row_with_neither_form_is_missing_its_responses():
    assert validate({"id": "q1", "prompt": "p"}) == ["missing field 'responses' (or 'a' and 'b')"]


def test_metadata_that_is_not_an_object_is_refused_by_name():
    assert validate(multi("q1", x="1", y="2") | {"metadata": [1]}) == [
        "'metadata' must be an object"
    ]


def test_a_row_of_both_forms_is_refused_by_name():
    row = multi("q1", x="1", y="2") | explicit("q1", "x", "y")

    assert validate(row) == ["give either 'responses' or 'a' and 'b', not both"]
