"""One row of a vote file, checked alone: columns and winners as campaign.imports.verdicts says.

Pure (no database); campaign.imports.vote_planning then plans the valid rows against the
campaign and earlier lines.
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any, NamedTuple

from django.utils import timezone

from campaign import limits
from campaign.imports.validation import required_text
from campaign.imports.verdicts import (
    ANNOTATOR,
    MODEL_A,
    MODEL_B,
    PROMPT,
    WINNER,
    our_columns,
    parse_winner,
    winners_accepted,
)

REQUIRED_KEYS = (ANNOTATOR, PROMPT, MODEL_A, MODEL_B, WINNER)
TEXT_KEYS = ("prompt_text", "response_a", "response_b")
ALLOWED_KEYS = frozenset({*REQUIRED_KEYS, *TEXT_KEYS, "created_at"})
MAX_ANNOTATOR_CHARS = 64  # keeps "imported+<64-char slug>+<name>" within a 150-char username


class VoteRecord(NamedTuple):
    """One valid row (a tuple: made once per line, cheaper than a frozen dataclass)."""

    line: int
    annotator: str
    prompt_id: str
    model_a: str
    model_b: str
    verdict: int  # relative to this row's model_a / model_b
    created_at: datetime.datetime | None
    prompt_text: str | None
    response_a: str | None
    response_b: str | None


def validate_vote(line: int, data: dict[str, Any], *, max_chars: int) -> VoteRecord | list[str]:
    """The row as a VoteRecord, or every reason it is bad (no database).

    The row may name its columns as Chatbot Arena's battles do (campaign.imports.verdicts).
    """
    errors: list[str] = []
    data = our_columns(data, errors)
    unknown = sorted(set(data) - ALLOWED_KEYS)
    if unknown:
        errors.append("unknown key " + ", ".join(repr(key) for key in unknown))
    annotator = required_text(
        data, ANNOTATOR, errors, max_chars=MAX_ANNOTATOR_CHARS, allow_int=True
    )
    prompt_id = required_text(
        data, PROMPT, errors, max_chars=limits.PROMPT_ID_MAX_CHARS, allow_int=True
    )
    model_a = required_text(data, MODEL_A, errors, max_chars=limits.CONTENDER_NAME_MAX_CHARS)
    model_b = required_text(data, MODEL_B, errors, max_chars=limits.CONTENDER_NAME_MAX_CHARS)
    if model_a and model_a == model_b:
        errors.append(f"same model on both sides ({model_a!r})")
    verdict = parse_winner(data[WINNER]) if WINNER in data else None
    if WINNER not in data:
        errors.append(f"missing field {WINNER!r}")
    elif verdict is None:
        errors.append(f"winner must be {winners_accepted()}, got {data[WINNER]!r}")
    created_at = _parse_created_at(data["created_at"], errors) if "created_at" in data else None
    texts = {
        key: required_text(data, key, errors, max_chars=max_chars) if key in data else None
        for key in TEXT_KEYS
    }
    if errors or verdict is None:
        return errors
    return VoteRecord(line, annotator, prompt_id, model_a, model_b, verdict, created_at, **texts)


def _parse_created_at(value: Any, errors: list[str]) -> datetime.datetime | None:
    moment = value if isinstance(value, datetime.datetime) else None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.datetime.fromisoformat(value.strip())
    if moment is None:
        errors.append(f"created_at must be an ISO 8601 date and time, got {value!r}")
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)
