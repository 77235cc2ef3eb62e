"""One item row against the item format (campaign.imports.validation), without a database.

The import tests (test_items.py, test_errors.py) check a row's reason as the report shows it;
these pin what a valid row becomes and the reasons whose wording those leave loose.
"""

from __future__ import annotations

from campaign import limits
from campaign.imports.validation import ItemRecord, validate_item
from tests.builders import explicit, multi

LIMIT = 100


def validate(row: dict) -> ItemRecord | list[str]:
    return validate_item(7, row, max_chars=LIMIT)


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
