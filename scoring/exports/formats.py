"""Rows to bytes: JSONL, CSV and Parquet, each a generator of chunks with flat memory.

An export is a typed column list (``Column``) and an iterator of tuples in that order. Each
encoder yields ``bytes`` as it goes, so a management command writes them to a file and an HTTP
view hands the same generator to a streaming response; neither holds the whole export.
Parquet is written one record batch of ``BATCH_ROWS`` rows at a time through pyarrow's
``ParquetWriter`` into a sink that is drained after every batch.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from django.http import StreamingHttpResponse

from campaign.spreadsheet import SafeWriter

Format = Literal["jsonl", "csv", "parquet"]
# Told how many more rows were encoded, batch by batch: a command's progress bar, a count.
Progress = Callable[[int], None]
FORMATS: tuple[Format, ...] = ("jsonl", "csv", "parquet")
CONTENT_TYPES: dict[Format, str] = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
# Rows per Parquet record batch (and row group): large enough for pyarrow to be fast, small
# enough that one batch of judgments with rationales stays a few MiB.
BATCH_ROWS = 16_384
# Lines joined into one chunk of a text format: one write per row would cost a system call each.
TEXT_ROWS = 1_024

_ARROW_TYPES = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Column:
    """One column of an export: its name and its type (a key of ``_ARROW_TYPES``)."""

    name: str
    type: str


def download(
    chunks: Iterator[bytes], *, slug: str, export: str, fmt: Format
) -> StreamingHttpResponse:
    """A file sent chunk by chunk as it is made, named for the browser to save."""
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{file_name(slug, export, fmt)}"'
    return response


def file_name(slug: str, export: str, fmt: Format) -> str:
    """The name a download suggests: ``spring-judgments.parquet``."""
    return f"{slug}-{export}.{fmt}"


def arrow_schema(columns: Sequence[Column]) -> pa.Schema:
    return pa.schema([pa.field(column.name, _ARROW_TYPES[column.type]) for column in columns])


def encode(
    rows: Iterable[tuple[Any, ...]],
    columns: Sequence[Column],
    *,
    fmt: Format,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """``rows`` (tuples in the order of ``columns``) as chunks of a ``fmt`` file."""
    if progress is not None:
        rows = _reported(rows, progress)
    if fmt == "jsonl":
        return jsonl_chunks(rows, columns)
    if fmt == "csv":
        return csv_chunks(rows, columns)
    if fmt == "parquet":
        return parquet_chunks(rows, columns)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def jsonl_chunks(rows: Iterable[tuple[Any, ...]], columns: Sequence[Column]) -> Iterator[bytes]:
    names = [column.name for column in columns]
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    for batch in _batches(rows, TEXT_ROWS):
        lines = [dumps(dict(zip(names, row, strict=True))) for row in batch]
        lines.append("")
        yield "\n".join(lines).encode()


def csv_chunks(rows: Iterable[tuple[Any, ...]], columns: Sequence[Column]) -> Iterator[bytes]:
    """A header, then the rows; every cell through SafeWriter (PRODUCT.md: no formulas)."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(column.name for column in columns)
    for batch in _batches(rows, TEXT_ROWS):
        writer.writerows(tuple(_csv_cell(value) for value in row) for row in batch)
        yield _drain_text(buffer).encode()
    tail = _drain_text(buffer)  # the header alone, for an export without rows
    if tail:
        yield tail.encode()


def parquet_chunks(rows: Iterable[tuple[Any, ...]], columns: Sequence[Column]) -> Iterator[bytes]:
    schema = arrow_schema(columns)
    sink = _Drain()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for batch in _batches(rows, BATCH_ROWS):
            arrays = [
                pa.array([row[index] for row in batch], type=field.type)
                for index, field in enumerate(schema)
            ]
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            yield sink.take()
    yield sink.take()  # the footer, written on close


def _reported(rows: Iterable[tuple[Any, ...]], progress: Progress) -> Iterator[tuple[Any, ...]]:
    for batch in _batches(rows, TEXT_ROWS):
        yield from batch
        progress(len(batch))


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def timestamp_text(value: datetime.datetime) -> str:
    """ISO 8601 in UTC, always to the microsecond, so every row has one width and the
    PostgreSQL path (scoring.exports.judgment_lines) can write the same text: plain
    isoformat() drops a zero fraction, and PostgreSQL also trims its trailing zeros."""
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _json_default(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return timestamp_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timestamp_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _drain_text(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


class _Drain(io.RawIOBase):
    """A write-only file that keeps what was written until ``take`` hands it over."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data
