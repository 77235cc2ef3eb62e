"""Forms of the participant and organiser pages: parsing and friendly field errors only.

The rules (which verdicts a scale allows, whether a rationale is required, who may judge what)
live in the services; these forms only turn POSTed strings into typed values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from campaign import limits

# Longest time we believe a person spent on one item; anything larger is a stale tab, not data.
MAX_SECONDS = 24 * 60 * 60
MAX_PROVISION = 500  # the command provisions more; a request stays short

SKIP_REASONS = [
    ("broken", "A response is broken, empty or truncated"),
    ("prompt", "The prompt is unclear or harmful"),
    ("identical", "The two responses are identical"),
    ("expertise", "I cannot judge this (outside my knowledge)"),
    ("other", "Other"),
]
# The record keeps "<label>: <detail>" within SKIP_REASON_MAX_CHARS, so a detail may hold what
# the longest label leaves: the page's box then never takes text the skip would refuse.
SKIP_DETAIL_MAX_CHARS = (
    limits.SKIP_REASON_MAX_CHARS - len(": ") - max(len(label) for _, label in SKIP_REASONS)
)


class JudgmentForm(forms.Form):
    """One verdict in on-screen (left/right) terms, as offered by ``allowed_choices``."""

    choice = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which response is better."},
    )
    rationale = forms.CharField(
        required=False, max_length=limits.RATIONALE_MAX_CHARS, widget=forms.Textarea
    )
    # Text, parsed in clean_seconds: a malformed value must not make the form invalid.
    seconds = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, choices: list[tuple[int, str]], require_rationale: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [(str(value), label) for value, label in choices]
        self.fields["rationale"].required = require_rationale
        self.fields["rationale"].error_messages["required"] = (
            "This campaign asks for a short reason with every verdict."
        )

    def clean_seconds(self) -> float | None:
        return client_seconds(self.cleaned_data.get("seconds") or "")


def client_seconds(text: str) -> float | None:
    """The client's measure of time spent, or None for the server's (the lease's age).

    The annotate script sends it, not the participant: a malformed, negative or impossible
    value is a client bug the participant can neither see nor fix, so it is ignored rather
    than refused, and the verdict itself is still good. So is a client clock that says
    "three days".
    """
    try:
        seconds = float(text)
    except ValueError:
        return None
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        return None
    return seconds


@dataclass(frozen=True)
class PostedJudgment:
    """A judge post's values as JudgmentForm cleans them."""

    choice: int
    rationale: str
    seconds: float | None


def posted_judgment(
    data: QueryDict, *, choices: list[tuple[int, str]], require_rationale: bool
) -> PostedJudgment | None:
    """What ``JudgmentForm(data, ...)`` would clean, without building the form; None when the
    form must look (it may refuse the post, and then says why).

    Every judge request parses one post: building the form (its fields deep-copied, its
    choices normalised) cost more CPU than rendering the answer (bench/judge_cost.py). This
    accepts only posts the form accepts, with the same values (a test compares the two).
    """
    allowed = {str(value): value for value, _label in choices}
    choice = data.get("choice")  # a widget reads a field's last value, as QueryDict.get
    rationale = _cleaned_text(data.get("rationale"))
    seconds = _cleaned_text(data.get("seconds"))
    if choice not in allowed or rationale is None or seconds is None:
        return None
    if len(rationale) > limits.RATIONALE_MAX_CHARS or (require_rationale and not rationale):
        return None
    return PostedJudgment(allowed[choice], rationale, client_seconds(seconds))


def _cleaned_text(value: str | None) -> str | None:
    """A CharField's value (stripped, "" when absent), or None when it holds a NUL character
    (which the field refuses)."""
    text = "" if value in (None, "") else str(value).strip()
    return None if "\x00" in text else text


class SkipForm(forms.Form):
    reason = forms.ChoiceField(
        choices=SKIP_REASONS, error_messages={"required": "Say why you skip this item."}
    )
    detail = forms.CharField(required=False, max_length=SKIP_DETAIL_MAX_CHARS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("reason") == "other" and not cleaned.get("detail", "").strip():
            self.add_error("detail", "Tell us briefly what is wrong with this item.")
        return cleaned

    def reason_text(self) -> str:
        """The reason as one line for the record: the chosen label, then any detail."""
        label = dict(SKIP_REASONS)[self.cleaned_data["reason"]]
        detail = self.cleaned_data.get("detail", "").strip()
        return f"{label}: {detail}" if detail else label


class ProvisionForm(forms.Form):
    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_PROVISION,
        initial=10,
        label="Number of accounts",
        help_text=f"Between 1 and {MAX_PROVISION}.",
    )
