"""The verdict vocabulary: how a vote file says who won, and which columns name what.

Pure (no Django, no I/O): the vote import (``manage.py import_judgments``) and the command
line (``python -m scoring ratings``) both read votes through it, so a file one accepts the
other accepts too.

A verdict is an integer -2…+2 relative to the row's own ``model_a``/``model_b``; negative
prefers a (PRODUCT.md "Verdicts"). A file writes the winner as

* a word, case-insensitive: ``a`` or ``model_a`` (-1), ``b`` or ``model_b`` (+1), ``tie`` or
  ``tie (bothbad)`` (0). The ``model_`` forms and "tie (bothbad)" are Chatbot Arena's;
* an integer -2…+2, or its string (CSV cells are strings), kept at its strength.

``left``/``right`` are understood only where the side columns are named by the reader
(``python -m scoring ratings --a COL``: left is the --a column). In Crowdeval "left" is where a
response was shown on screen, which an imported vote does not know, so the import refuses it.

Columns: ours (``annotator``, ``prompt``, ``model_a``, ``model_b``, ``winner``) or Chatbot
Arena's battles format (``judge`` for the annotator, ``question_id`` for the prompt). A row
in Arena's format may carry Arena's other columns (the conversations, ``tstamp``, ...); they
are not used, and votes keep file order.
"""

from __future__ import annotations

from typing import Any

VERDICT_MIN, VERDICT_MAX = -2, 2

ANNOTATOR, PROMPT, MODEL_A, MODEL_B, WINNER = "annotator", "prompt", "model_a", "model_b", "winner"

WINNER_WORDS = {
    "a": -1,
    "model_a": -1,
    "b": 1,
    "model_b": 1,
    "tie": 0,
    "tie (bothbad)": 0,
}
SCREEN_WORDS = {"left": -1, "right": 1}

# Chatbot Arena's battles (FastChat's clean_battle files, lmsys/chatbot_arena_conversations):
# its name for a column -> ours, and the columns it carries that a vote does not use.
ARENA_COLUMNS = {"judge": ANNOTATOR, "question_id": PROMPT}
ARENA_UNUSED = frozenset(
    {
        "conversation_a",
        "conversation_b",
        "turn",
        "anony",
        "language",
        "tstamp",
        "openai_moderation",
        "toxic_chat_tag",
    }
)


def winners_accepted(*, screen_words: bool = False) -> str:
    """The accepted winners in words, for error messages."""
    words = "a, b, tie, model_a, model_b, tie (bothbad)"
    if screen_words:
        words += ", left, right"
    return f"{words} or an integer -2…+2"


def parse_winner(value: Any, *, screen_words: bool = False) -> int | None:
    """The verdict a winner cell stands for, or None when it is not one.

    ``screen_words`` also accepts ``left`` (-1) and ``right`` (+1), for readers that know
    which column is on the left.
    """
    if isinstance(value, str):
        word = value.strip().lower()
        verdict = WINNER_WORDS.get(word)
        if verdict is None and screen_words:
            verdict = SCREEN_WORDS.get(word)
        if verdict is not None:
            return verdict
        try:
            value = int(word)
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value if VERDICT_MIN <= value <= VERDICT_MAX else None
    return None


def our_columns(row: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """The row with Chatbot Arena's column names turned into ours, Arena's unused ones dropped.

    A row in our format comes back as it is. Naming one column both ways is an error, added to
    ``errors``.
    """
    if not any(name in row for name in ARENA_COLUMNS):
        return row
    renamed: dict[str, Any] = {}
    for key, value in row.items():
        if key in ARENA_UNUSED:
            continue
        ours = ARENA_COLUMNS.get(key, key)
        if ours != key and ours in row:
            errors.append(f"give either {ours!r} or {key!r}, not both")
        renamed[ours] = value
    return renamed
