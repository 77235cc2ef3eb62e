"""The participant forms: POSTed strings to typed values, and what they tolerate."""

from __future__ import annotations

import pytest

from campaign.annotate.forms import MAX_SECONDS, JudgmentForm

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
