"""Validation of one import row against PRODUCT.md's item format; pure, no database."""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from campaign import limits

ALLOWED_KEYS = frozenset({"id", "prompt", "category", "metadata", "responses", "a", "b", "gold"})
SIDE_KEYS = frozenset({"model", "text"})


class ItemRecord(NamedTuple):
    """One valid row: a prompt with several responses, or one explicit (maybe gold) comparison.

    A tuple: made once per line, cheaper than a frozen dataclass.
    """

    line: int
    prompt_id: str
    prompt: str
    category: str
    metadata: dict[str, Any]
    responses: dict[str, str]
    explicit_pair: tuple[str, str] | None = None
    gold: str = ""


def validate_item(line: int, data: dict[str, Any], *, max_chars: int) -> ItemRecord | list[str]:
    """The row as an ItemRecord, or every reason it is bad."""
    errors: list[str] = []
    if not ALLOWED_KEYS.issuperset(data):
        unknown = sorted(set(data) - ALLOWED_KEYS)
        errors.append("unknown key " + ", ".join(repr(key) for key in unknown))

    prompt_id = required_text(
        data, "id", errors, max_chars=limits.PROMPT_ID_MAX_CHARS, allow_int=True
    )
    prompt = required_text(data, "prompt", errors, max_chars=max_chars)
    category = _optional_text(data, "category", errors, max_chars=limits.CATEGORY_MAX_CHARS)
    metadata = data.get("metadata", {})
    if not isinstance(metadata, dict):
        errors.append("'metadata' must be an object")
        metadata = {}

    has_responses = "responses" in data
    has_sides = "a" in data or "b" in data
    responses: dict[str, str] = {}
    explicit_pair: tuple[str, str] | None = None
    gold = ""
    if has_responses and has_sides:
        errors.append("give either 'responses' or 'a' and 'b', not both")
    elif has_responses:
        if "gold" in data:
            errors.append("'gold' belongs to the explicit form with 'a' and 'b'")
        responses = _validate_responses(data["responses"], errors, max_chars=max_chars)
    elif has_sides:
        model_a, text_a = _validate_side(data, "a", errors, max_chars=max_chars)
        model_b, text_b = _validate_side(data, "b", errors, max_chars=max_chars)
        if model_a and model_b:
            if model_a == model_b:
                errors.append(f"same model on both sides ({model_a!r})")
            else:
                explicit_pair = (model_a, model_b)
                responses = {model_a: text_a, model_b: text_b}
        gold = _validate_gold(data, errors)
    else:
        errors.append("missing field 'responses' (or 'a' and 'b')")

    if errors:
        return errors
    # Positional: a NamedTuple built by keyword costs noticeably more, once per line.
    return ItemRecord(line, prompt_id, prompt, category, metadata, responses, explicit_pair, gold)


def digest(*parts: str) -> bytes:
    """An 8-byte fingerprint of texts (joined by NUL): compares texts without keeping them."""
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()


def required_text(
    data: dict[str, Any],
    key: str,
    errors: list[str],
    *,
    max_chars: int,
    allow_int: bool = False,
    label: str | None = None,
) -> str:
    """``data[key]`` as non-empty text within ``max_chars``, or "" with the reason in ``errors``.

    ``allow_int`` accepts an integer (an id written as a number) as its decimal string.
    """
    value = data.get(key)
    # The usual cell first, with nothing allocated: a non-blank string within the limit
    # (isspace is strip's own test of blankness).
    if type(value) is str and 0 < len(value) <= max_chars and not value.isspace():
        return value
    name = label or key
    if key not in data:
        errors.append(f"missing field {name!r}")
        return ""
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        errors.append(f"{name!r} must be a string")
        return ""
    if not value.strip():
        errors.append(f"empty field {name!r}")
        return ""
    if len(value) > max_chars:
        errors.append(f"{name!r} is over the size limit ({len(value)} > {max_chars} characters)")
        return ""
    return value


def _optional_text(data: dict[str, Any], key: str, errors: list[str], *, max_chars: int) -> str:
    if key not in data:
        return ""
    return required_text(data, key, errors, max_chars=max_chars)


def _validate_responses(value: Any, errors: list[str], *, max_chars: int) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.append("'responses' must be an object of model name to text")
        return {}
    if len(value) < 2:
        errors.append("'responses' needs at least two models to compare")
    responses: dict[str, str] = {}
    name_limit = limits.CONTENDER_NAME_MAX_CHARS
    for model, text in value.items():
        # The usual response first, in one test: a non-blank name and a non-blank text, each
        # within its limit (isspace is strip's own test of blankness). The branches below
        # give the reason when it is not.
        if (
            type(text) is str
            and type(model) is str
            and 0 < len(model) <= name_limit
            and 0 < len(text) <= max_chars
            and not model.isspace()
            and not text.isspace()
        ):
            responses[model] = text
        elif not str(model).strip():
            errors.append("empty model name in 'responses'")
        elif len(model) > limits.CONTENDER_NAME_MAX_CHARS:
            errors.append(
                f"model name over {limits.CONTENDER_NAME_MAX_CHARS} characters in 'responses'"
            )
        elif not isinstance(text, str):
            errors.append(f"response of {model!r} must be a string")
        elif not text.strip():
            errors.append(f"empty response of {model!r}")
        elif len(text) > max_chars:
            errors.append(
                f"response of {model!r} is over the size limit "
                f"({len(text)} > {max_chars} characters)"
            )
        else:
            responses[model] = text
    return responses


def _validate_side(
    data: dict[str, Any], side: str, errors: list[str], *, max_chars: int
) -> tuple[str, str]:
    value = data.get(side)
    if value is None:
        errors.append(f"missing field {side!r}")
        return "", ""
    if not isinstance(value, dict):
        errors.append(f"{side!r} must be an object with 'model' and 'text'")
        return "", ""
    unknown = sorted(set(value) - SIDE_KEYS)
    if unknown:
        errors.append(f"unknown key in {side!r}: " + ", ".join(repr(key) for key in unknown))
    model = required_text(
        value, "model", errors, max_chars=limits.CONTENDER_NAME_MAX_CHARS, label=f"{side}.model"
    )
    text = required_text(value, "text", errors, max_chars=max_chars, label=f"{side}.text")
    return model, text


def _validate_gold(data: dict[str, Any], errors: list[str]) -> str:
    if "gold" not in data:
        return ""
    gold = data["gold"]
    if gold not in ("a", "b"):
        errors.append(f"gold must be 'a' or 'b', got {gold!r}")
        return ""
    return gold
