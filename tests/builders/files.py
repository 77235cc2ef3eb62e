"""Import files: item and vote rows written as JSONL, CSV (dotted columns) or Parquet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


def multi(prompt_id: str, **responses: str) -> dict[str, Any]:
    """An item row with one response per contender (the import pairs them all)."""
    return {"id": prompt_id, "prompt": f"Prompt {prompt_id}", "responses": responses}


def explicit(prompt_id: str, model_a: str, model_b: str, gold: str | None = None) -> dict:
    """An item row naming its side a and side b, gold when ``gold`` names a side."""
    item: dict[str, Any] = {
        "id": prompt_id,
        "prompt": f"Prompt {prompt_id}",
        "a": {"model": model_a, "text": f"{model_a} answers {prompt_id}"},
        "b": {"model": model_b, "text": f"{model_b} answers {prompt_id}"},
    }
    if gold is not None:
        item["gold"] = gold
    return item


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """One JSON line per row; a string row is written as it is (for broken lines)."""
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _flatten(item: dict[str, Any]) -> dict[str, Any]:
    """A row's nested objects as dotted columns, metadata as a JSON string (CSV, Parquet)."""
    flat: dict[str, Any] = {}
    for key, value in item.items():
        if key == "metadata":
            flat[key] = json.dumps(value)
        elif isinstance(value, dict):
            for inner, inner_value in value.items():
                flat[f"{key}.{inner}"] = inner_value
        else:
            flat[key] = value
    return flat


def write_csv(path: Path, items: list[dict[str, Any]]) -> Path:
    rows = [_flatten(item) for item in items]
    columns = sorted({column for row in rows for column in row})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def write_parquet(path: Path, items: list[dict[str, Any]]) -> Path:
    rows = [_flatten(item) for item in items]
    columns = sorted({column for row in rows for column in row})
    table = pa.table({column: [row.get(column) for row in rows] for column in columns})
    pq.write_table(table, path)
    return path
