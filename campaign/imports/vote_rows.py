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
    WINNER_WORDS,
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
    record = _usual_vote(line, data, max_chars)
    if record is not None:
        return record
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


def _usual_vote(line: int, data: dict[str, Any], max_chars: int) -> VoteRecord | None:
    """The row as a VoteRecord if it is the usual one, else None (then the full checks decide).

    The usual row: our column names, every cell a non-blank string within its limit, two
    different models, a winner spelt as in WINNER_WORDS and no created_at. The full checks
    accept it too, as the same record; this asks less of it, inline (a fifth of their time).
    """
    if not data.keys() <= _USUAL_KEYS:
        return None
    get = data.get
    annotator, prompt_id, model_a, model_b = get(ANNOTATOR), get(PROMPT), get(MODEL_A), get(MODEL_B)
    prompt_text, response_a, response_b = get("prompt_text"), get("response_a"), get("response_b")
    winner = get(WINNER)
    # Exact words only ("A", " a " and integers take the full checks).
    verdict = WINNER_WORDS.get(winner) if type(winner) is str else None
    # required_text's usual cell, four times: a non-blank string within the limit.
    if (
        verdict is None
        or type(annotator) is not str
        or not 0 < len(annotator) <= MAX_ANNOTATOR_CHARS
        or annotator.isspace()
        or type(prompt_id) is not str
        or not 0 < len(prompt_id) <= limits.PROMPT_ID_MAX_CHARS
        or prompt_id.isspace()
        or type(model_a) is not str
        or not 0 < len(model_a) <= limits.CONTENDER_NAME_MAX_CHARS
        or model_a.isspace()
        or type(model_b) is not str
        or not 0 < len(model_b) <= limits.CONTENDER_NAME_MAX_CHARS
        or model_b.isspace()
        or model_a == model_b
    ):
        return None
    for text in (prompt_text, response_a, response_b):
        if text is not None and (
            type(text) is not str or not 0 < len(text) <= max_chars or text.isspace()
        ):
            return None
    return VoteRecord(
        line,
        annotator,
        prompt_id,
        model_a,
        model_b,
        verdict,
        None,
        prompt_text,
        response_a,
        response_b,
    )


_USUAL_KEYS = frozenset({*REQUIRED_KEYS, *TEXT_KEYS})


def _parse_created_at(value: Any, errors: list[str]) -> datetime.datetime | None:
    moment = value if isinstance(value, datetime.datetime) else None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.datetime.fromisoformat(value.strip())
    if moment is None:
        errors.append(f"created_at must be an ISO 8601 date and time, got {value!r}")
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)
