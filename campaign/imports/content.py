"""What an import row may hold, whatever its format: text PostgreSQL can store, JSON it can keep.

Pure (no Django). PostgreSQL refuses NUL characters in text and jsonb, and UTF-8 has no lone
surrogates (JSON's ``"\\ud800"`` decodes to one); Python's json refuses integers of more than
4,300 digits and recurses once per level of nesting; ``1e400`` and ``NaN`` parse to floats that
jsonb refuses. Each becomes one reason for the line's report instead of a traceback, in a dry run
as in a real one.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from campaign import limits

NUL = "text contains a NUL character"
LONE_SURROGATE = "invalid Unicode (lone surrogate)"
TOO_DEEP = "JSON nested too deeply"
TOO_LARGE = "number too large"
NOT_A_NUMBER = "not a number (NaN)"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_json(text: str, *, what: str, column: bool = False) -> tuple[Any, str | None]:
    """``text`` parsed, or None and why not (``what`` names the bad JSON, ``column`` locates it)."""
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        where = f" (column {error.colno})" if column else ""
        return None, f"{what}: {error.msg}{where}"
    except RecursionError:
        return None, TOO_DEEP
    except ValueError:
        # The only other refusal of json.loads: an integer over Python's 4,300-digit limit.
        return None, TOO_LARGE


def content_problem(data: Any, *, texts_storable: bool = False) -> str | None:
    """The first reason the database could not keep ``data`` (a row), or None.

    Walks keys and values without recursion, so a hostile depth costs no stack.
    ``texts_storable`` skips the texts: a JSON line without a ``\\u`` escape decodes to
    neither NUL nor a lone surrogate (the file itself is strict UTF-8).
    """
    if texts_storable and type(data) is dict and _flat(data.values()):
        return None
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            problem = None if texts_storable else _text_problem(value)
            if problem:
                return problem
        elif isinstance(value, dict | list):
            if depth > limits.IMPORT_JSON_MAX_DEPTH:
                return TOO_DEEP
            if isinstance(value, dict):
                if not texts_storable:
                    for key in value:
                        problem = _text_problem(key) if isinstance(key, str) else None
                        if problem:
                            return problem
                value = list(value.values())
            pending.extend((inner, depth + 1) for inner in value)
        elif isinstance(value, float) and not math.isfinite(value):
            return NOT_A_NUMBER if math.isnan(value) else TOO_LARGE
    return None


# Values that are storable whatever they hold once their texts are known to be (a float may be
# NaN or infinite, so it takes the full walk).
_SCALARS = frozenset({str, int, bool, type(None)})


def _flat(values: Iterable[Any]) -> bool:
    """Whether ``values`` are scalars or objects of scalars: two levels, far from the depth
    limit, with nothing for the full walk to find (the shape of nearly every import row)."""
    scalars = _SCALARS
    for value in values:
        kind = type(value)
        if kind not in scalars and not (
            kind is dict and all(type(inner) in scalars for inner in value.values())
        ):
            return False
    return True


def repeated_column(names: Iterable[str]) -> str | None:
    """The first column a header names twice, or None (a row as a dict would keep one)."""
    counts = Counter(names)
    return next((name for name, count in counts.items() if count > 1), None)


def _text_problem(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL if found.group() == "\x00" else LONE_SURROGATE
