"""The judgments export as JSON Lines on PostgreSQL, without a join per judgment.

Joining each judgment to its comparison, prompt, two responses, contenders and annotator, and
building the line with ``json_build_object``, cost PostgreSQL about 15 µs of CPU a row at a
million judgments (four index probes a row, and ``json_build_object`` alone about 8 µs). Here
the campaign's comparisons are read once into compact arrays (16 bytes a comparison, about 30
a prompt: 13 MiB for bench/export.py's million judgments on 300,000 prompts), the judgments
stream alone in id order through a server-side cursor with their own fields already written
as JSON text by PostgreSQL (string concatenation: about 1 µs a row), and each line is put
together here, in about 2 µs, from pieces rendered once per prompt, contender pair and
annotator.

The lines hold the same keys in the same order and the same values as the generic encoder
(scoring.exports.formats.jsonl_chunks over ``judgment_rows``), which SQLite uses; a test
compares the two. The read runs in one transaction, REPEATABLE READ when it is the outermost,
so the comparisons and the judgments come from the same snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from campaign.models import Campaign
from scoring.exports.formats import TEXT_ROWS, Progress
from scoring.selectors import annotator_trust, latest_snapshot

# Rows per round trip of the judgments cursor, and per read of the comparisons.
FETCH_ROWS = 10_000

# Each judgment's own fields, as JSON text, in three pieces that go between the others.
_JUDGMENTS = """
SELECT j.comparison_id, j.annotator_id,
  '"verdict": ' || j.verdict || ', "left_side": '
    || CASE WHEN j.left_side = '' THEN 'null' ELSE to_json(j.left_side)::text END || ', ',
  '"seconds": ' || COALESCE(to_json(j.seconds)::text, 'null')
    || ', "rationale": ' || to_json(j.rationale)::text
    || ', "created_at": "'
    || to_char(j.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00"'
    || ', "gold": ' || CASE WHEN j.is_gold THEN 'true' ELSE 'false' END || ', ',
  '"correct": ' || COALESCE(to_json(j.correct)::text, 'null') || ', '
FROM campaign_judgment j WHERE j.campaign_id = %s ORDER BY j.id
"""
_PROMPTS = """
SELECT id, to_json(external_id)::text, category FROM campaign_prompt
WHERE campaign_id = %s ORDER BY id
"""
_COMPARISONS = """
SELECT c.id, c.prompt_id, ra.contender_id, rb.contender_id, c.gold_side
FROM campaign_comparison c
JOIN campaign_response ra ON ra.id = c.response_a_id
JOIN campaign_response rb ON rb.id = c.response_b_id
WHERE c.campaign_id = %s ORDER BY c.id
"""


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass
class _Prompts:
    """Each prompt's id as JSON, packed in one UTF-8 buffer, and its category as a code."""

    ids: np.ndarray  # sorted prompt ids
    text: bytearray
    offsets: np.ndarray  # prompt i's external id is text[offsets[i]:offsets[i + 1]]
    category: np.ndarray  # index into ``categories``
    categories: list[str]  # '"category": …, '

    @classmethod
    def load(cls, campaign_id: int) -> _Prompts:
        ids: list[np.ndarray] = []
        text = bytearray()
        ends: list[np.ndarray] = []
        category: list[np.ndarray] = []
        codes: dict[str, int] = {}
        for rows in _batches(_PROMPTS, campaign_id):
            chunk = []
            for _pk, external_id, _category in rows:
                text += external_id.encode()
                chunk.append(len(text))
            ids.append(np.fromiter((row[0] for row in rows), np.int64, len(rows)))
            ends.append(np.array(chunk, np.int64))
            category.append(
                np.fromiter((codes.setdefault(row[2], len(codes)) for row in rows), np.int32)
            )
        offsets = np.concatenate([np.zeros(1, np.int64), *ends])
        categories = [f'"category": {_dumps(name)}, ' for name in codes]
        return cls(_concatenate(ids), text, offsets, _concatenate(category, np.int32), categories)


@dataclass
class _Comparisons:
    """Per comparison (sorted by id): its prompt's index and its (models, gold side) piece."""

    ids: np.ndarray
    prompt: np.ndarray  # index into _Prompts
    piece: np.ndarray  # index into ``pieces``
    pieces: list[tuple[str, str]]  # '"model_a": …, "model_b": …, ', '"gold_side": …, '

    @classmethod
    def load(cls, campaign: Campaign, prompts: _Prompts) -> _Comparisons:
        names = {pk: _dumps(name) for pk, name in campaign.contenders.values_list("pk", "name")}
        codes: dict[tuple[int, int, str], int] = {}
        pieces: list[tuple[str, str]] = []
        ids: list[np.ndarray] = []
        prompt: list[np.ndarray] = []
        piece: list[np.ndarray] = []
        for rows in _batches(_COMPARISONS, campaign.pk):
            chunk = []
            for _pk, _prompt, contender_a, contender_b, gold in rows:
                key = (contender_a, contender_b, gold)
                code = codes.get(key)
                if code is None:
                    code = codes[key] = len(pieces)
                    pieces.append(
                        (
                            f'"model_a": {names[contender_a]}, "model_b": {names[contender_b]}, ',
                            f'"gold_side": {_dumps(gold or None)}, ',
                        )
                    )
                chunk.append(code)
            ids.append(np.fromiter((row[0] for row in rows), np.int64, len(rows)))
            prompt_ids = np.fromiter((row[1] for row in rows), np.int64, len(rows))
            prompt.append(np.searchsorted(prompts.ids, prompt_ids).astype(np.int32))
            piece.append(np.array(chunk, np.int32))
        return cls(
            _concatenate(ids), _concatenate(prompt, np.int32), _concatenate(piece, np.int32), pieces
        )


def _batches(sql: str, campaign_id: int) -> Iterator[list[tuple[Any, ...]]]:
    # A server-side cursor: a client-side one would hold the whole result in libpq's memory.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [campaign_id])
        while rows := cursor.fetchmany(FETCH_ROWS):
            yield rows


def _concatenate(arrays: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


class _Annotators:
    """Each annotator's ``"annotator": …, `` and ``"trusted": …}`` pieces, read as they appear."""

    def __init__(self, campaign: Campaign) -> None:
        self.trust = annotator_trust(latest_snapshot(campaign))
        self.pieces: dict[int, tuple[str, str]] = {}

    def load(self, cursor: CursorWrapper, user_ids: set[int]) -> None:
        missing = [pk for pk in user_ids if pk not in self.pieces]
        if not missing:
            return
        cursor.execute("SELECT id, handle FROM accounts_user WHERE id = ANY(%s)", [missing])
        for pk, handle in cursor.fetchall():
            self.pieces[pk] = (
                f'"annotator": {_dumps(handle)}, ',
                f'"trusted": {_dumps(self.trust.get(pk))}}}',
            )


def judgment_lines(campaign: Campaign, progress: Progress) -> Iterator[bytes]:
    """The campaign's judgments as JSON Lines, in the order recorded, chunk by chunk."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        prompts = _Prompts.load(campaign.pk)
        comparisons = _Comparisons.load(campaign, prompts)
        annotators = _Annotators(campaign)
        head = f'{{"campaign": {_dumps(campaign.slug)}, "comparison_id": '
        for rows in _batches(_JUDGMENTS, campaign.pk):
            annotators.load(cursor, {row[1] for row in rows})
            yield from _chunks(rows, head, prompts, comparisons, annotators.pieces)
            progress(len(rows))


def _chunks(
    rows: list[tuple[int, int, str, str, str]],
    head: str,
    prompts: _Prompts,
    comparisons: _Comparisons,
    annotators: dict[int, tuple[str, str]],
) -> Iterator[bytes]:
    wanted = np.fromiter((row[0] for row in rows), np.int64, len(rows))
    where = np.searchsorted(comparisons.ids, wanted)
    found = where < len(comparisons.ids)
    if not found.all() or not (comparisons.ids[where] == wanted).all():
        # Not under REPEATABLE READ (inside a caller's transaction) a comparison can go.
        raise RuntimeError("a comparison changed while the judgments were being exported")
    prompt = comparisons.prompt[where]
    starts = prompts.offsets[prompt].tolist()
    ends = prompts.offsets[prompt + 1].tolist()
    category = prompts.category[prompt].tolist()
    categories = prompts.categories
    pieces = comparisons.pieces
    codes = comparisons.piece[where].tolist()
    text = prompts.text
    key = ', "prompt_id": '
    for first in range(0, len(rows), TEXT_ROWS):
        lines = []
        for index in range(first, min(first + TEXT_ROWS, len(rows))):
            comparison_id, annotator_id, own, more, correct = rows[index]
            models, gold_side = pieces[codes[index]]
            who, trusted = annotators[annotator_id]
            lines.append(
                f"{head}{comparison_id}{key}{text[starts[index] : ends[index]].decode()}, "
                f"{categories[category[index]]}{models}"
                f"{own}{who}{more}{gold_side}{correct}{trusted}\n"
            )
        yield "".join(lines).encode()
