"""The participant forms: POSTed strings to typed values, and what they tolerate."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign import limits
from campaign.annotate.forms import MAX_SECONDS, JudgmentForm, PostedJudgment, posted_judgment

CHOICES = [(-1, "Left better"), (0, "Tie"), (1, "Right better")]


def judgment_form(**data: str) -> JudgmentForm:
    return JudgmentForm({"choice": "1", **data}, choices=CHOICES, require_rationale=False)


@pytest.mark.parametrize(
    "seconds", ["", "abc", "-1", "NaN", "nan", "Infinity", "1e400", str(MAX_SECONDS + 1), "1,5"]
)
def test_an_unusable_client_timing_is_ignored_and_the_verdict_kept(seconds):
    # The annotate script measures the time itself: a bad value is a client bug that the
    # participant can neither see nor fix, and the server has its own measure (the lease age).
    form = judgment_form(seconds=seconds)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["seconds"] is None
    assert form.cleaned_data["choice"] == 1


@pytest.mark.parametrize(("seconds", "parsed"), [("4.5", 4.5), ("0", 0.0), (" 12 ", 12.0)])
def test_a_usable_client_timing_is_kept(seconds, parsed):
    form = judgment_form(seconds=seconds)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["seconds"] == parsed


# Texts the judge form treats specially: blanks, padding, NUL, the length limit, numbers that
# float() reads in unusual ways.
TEXTS = [
    "",
    " ",
    "1",
    " 1",
    "-1",
    "2",
    "x",
    "\x00",
    "ok\x00",
    "4.5",
    " 12 ",
    "1_000",
    "1e3",
    "inf",
    "nan",
    "a" * limits.RATIONALE_MAX_CHARS,
    " " + "a" * limits.RATIONALE_MAX_CHARS + " ",
    "a" * (limits.RATIONALE_MAX_CHARS + 1),
]
FIELDS = ("choice", "rationale", "seconds")


def assert_parsed_as_the_form_cleans(data: QueryDict, require_rationale: bool) -> None:
    rules = {"choices": CHOICES, "require_rationale": require_rationale}
    posted = posted_judgment(data, **rules)
    form = JudgmentForm(data, **rules)
    if posted is not None:  # the fast parse accepts only what the form accepts, as it reads it
        assert form.is_valid(), form.errors
        assert PostedJudgment(**form.cleaned_data) == posted
    elif form.is_valid():  # and refuses only what the form refuses
        raise AssertionError(f"refused a post the form accepts: {form.cleaned_data}")


def posted(**fields: str | list[str]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


@pytest.mark.parametrize("require_rationale", [False, True])
@pytest.mark.parametrize("field", FIELDS)
def test_the_fast_parse_of_a_judge_post_agrees_with_the_form(field, require_rationale):
    base = {"choice": "1", "rationale": "because", "seconds": "3"}
    for text in TEXTS:
        assert_parsed_as_the_form_cleans(posted(**{**base, field: text}), require_rationale)
    del base[field]  # absent
    assert_parsed_as_the_form_cleans(posted(**base), require_rationale)


@pytest.mark.parametrize("require_rationale", [False, True])
def test_the_fast_parse_reads_a_repeated_field_as_the_form_does(require_rationale):
    assert_parsed_as_the_form_cleans(posted(choice=["1", "x"]), require_rationale)
    assert_parsed_as_the_form_cleans(posted(choice=["x", "-1"], rationale=["", "r"]), True)
    assert_parsed_as_the_form_cleans(posted(choice="0", seconds=["1", "\x00"]), False)


@given(
    fields=st.dictionaries(
        st.sampled_from(FIELDS),
        st.lists(st.one_of(st.sampled_from(TEXTS), st.text(max_size=8)), min_size=1, max_size=2),
    ),
    require_rationale=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_the_fast_parse_agrees_with_the_form_on_any_post(fields, require_rationale):
    assert_parsed_as_the_form_cleans(posted(**fields), require_rationale)
