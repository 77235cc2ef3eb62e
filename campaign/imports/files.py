"""Reading import files row by row: JSON Lines, CSV and Parquet, never the whole file at once.

Each row comes back as a plain dict in the nested shape of PRODUCT.md's JSONL format, with the
line (or row) number that error reports name. CSV and Parquet columns may be flattened with
dots (``responses.model-x``, ``a.model``, ``a.text``); only the first dot splits, because model
names such as ``gpt-3.5`` contain dots themselves.

Content neither PostgreSQL nor Python can take is refused here, once for both imports, as a
line of the report (campaign.imports.content): text with NUL or lone surrogates, JSON nested
too deeply, numbers too large, and a header that names a column twice.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol, TypeVar

from django.conf import settings

from campaign.exceptions import UnsupportedFileFormat
from campaign.imports.content import content_problem, parse_json, repeated_column

T = TypeVar("T")

FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}
_EXTENSIONS |= {".parquet": "parquet", ".pq": "parquet"}


class RawRow(NamedTuple):
    """One row as read (a tuple: made once per line, cheaper than a frozen dataclass)."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None
    texts_storable: bool = False  # known to hold no NUL and no lone surrogate


def detect_format(name: str, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise UnsupportedFileFormat(f"Unknown format {explicit!r}; use one of {FORMATS}.")
        return explicit
    suffix = Path(name).suffix.lower()
    try:
        return _EXTENSIONS[suffix]
    except KeyError:
        raise UnsupportedFileFormat(
            f"Cannot tell the format of {name!r} from its extension; "
            "use .jsonl, .csv or .parquet (or name the format)."
        ) from None


def source_format(source: Path | IO[bytes], explicit: str | None = None) -> str:
    """The format of a path or an uploaded file, from its name unless given explicitly."""
    name = source.name if isinstance(source, Path) else getattr(source, "name", "") or ""
    return detect_format(name, explicit)


def jsonl_source(rows: Iterable[dict[str, Any]], name: str) -> io.BytesIO:
    """Rows as an in-memory JSON Lines file, for importing data the code itself builds."""
    source = io.BytesIO("\n".join(json.dumps(row) for row in rows).encode())
    source.name = name
    return source


def read_rows(source: Path | IO[bytes], file_format: str) -> Iterator[RawRow]:
    """Rows of ``source`` (a path or a binary file object, read from its start).

    A row holding what the database cannot store comes back as an error, whatever its format.
    """
    if not isinstance(source, Path):
        source.seek(0)
    if file_format == "jsonl":
        rows = _jsonl_rows(source)
    elif file_format == "csv":
        rows = _csv_rows(source)
    elif file_format == "parquet":
        rows = _parquet_rows(source)
    else:
        raise UnsupportedFileFormat(f"Unknown format {file_format!r}; use one of {FORMATS}.")
    for row in rows:
        problem = (
            content_problem(row.data, texts_storable=row.texts_storable)
            if row.data is not None
            else None
        )
        yield RawRow(row.line, None, problem) if problem else row


def count_rows(source: Path | IO[bytes], file_format: str) -> int:
    """How many rows ``read_rows`` gives (the report's ``lines``), without parsing JSON Lines.

    A file object is left where it was: this may run while the file is being read.
    """
    position = None if isinstance(source, Path) else source.tell()
    try:
        if file_format != "jsonl":
            return sum(1 for _row in read_rows(source, file_format))
        if not isinstance(source, Path):
            source.seek(0)
        stream = _open_text(source)
        count = 0
        try:
            for line in stream:
                # _jsonl_rows' test of a blank line (isspace is strip's test of blankness).
                if not line.isspace():
                    count += 1
        except UnicodeDecodeError:
            count += 1  # _jsonl_rows' last row: the line it could not decode
        finally:
            _release(stream, source)
        return count
    finally:
        if position is not None and not isinstance(source, Path):
            source.seek(position)


def _open_text(source: Path | IO[bytes]) -> IO[str]:
    if isinstance(source, Path):
        return source.open(encoding="utf-8", newline="")
    return io.TextIOWrapper(source, encoding="utf-8", newline="")


def _jsonl_rows(source: Path | IO[bytes]) -> Iterator[RawRow]:
    stream = _open_text(source)
    number = 0
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            data, problem = parse_json(line.rstrip("\r\n"), what="bad JSON", column=True)
            if problem:
                yield RawRow(number, None, problem)
                continue
            if not isinstance(data, dict):
                yield RawRow(number, None, "bad JSON: a line must be an object")
                continue
            # Only a \u escape decodes to NUL or a lone surrogate: raw NUL is bad JSON.
            # (Positional: a NamedTuple made with a keyword costs a third more, per line.)
            yield RawRow(number, data, None, "\\u" not in line)
    except UnicodeDecodeError:
        yield RawRow(number + 1, None, "the file is not UTF-8 text")
    finally:
        _release(stream, source)


def _csv_rows(source: Path | IO[bytes]) -> Iterator[RawRow]:
    stream = _open_text(source)
    try:
        reader = csv.DictReader(stream)
        try:
            repeated = repeated_column(reader.fieldnames or ())
            if repeated is not None:
                # csv.DictReader would keep the last cell of the repeated column silently.
                yield RawRow(1, None, f"CSV header repeats column {repeated!r}")
                return
            for record in reader:
                line = reader.line_num
                if None in record:
                    yield RawRow(line, None, "more cells than header columns")
                    continue
                cells = {key: value for key, value in record.items() if value not in ("", None)}
                if not cells:
                    continue
                if "metadata" in cells:
                    cells["metadata"], problem = parse_json(
                        cells["metadata"], what="bad JSON in metadata"
                    )
                    if problem:
                        yield RawRow(line, None, problem)
                        continue
                yield RawRow(line, _unflatten(cells))
        except csv.Error as error:
            # DictReader's own line_num moves only after a whole record: on a failed one it
            # still names the line before (or 0 in the header). Its reader's counts the line
            # read when the cell broke.
            yield RawRow(reader.reader.line_num, None, f"bad CSV: {error}")
        except UnicodeDecodeError:
            yield RawRow(reader.line_num + 1, None, "the file is not UTF-8 text")
    finally:
        _release(stream, source)


def _release(stream: IO[str], source: Path | IO[bytes]) -> None:
    if isinstance(source, Path):
        stream.close()
    elif isinstance(stream, io.TextIOWrapper):
        # Leave the caller's binary file open: it may be read again (validation, then write).
        stream.detach()


def _parquet_rows(source: Path | IO[bytes]) -> Iterator[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as error:
        yield RawRow(1, None, f"bad Parquet file: {error}")
        return
    repeated = repeated_column(parquet.schema_arrow.names)
    if repeated is not None:
        # A row as a dict would keep the last of the repeated columns silently.
        yield RawRow(0, None, f"Parquet file repeats column {repeated!r}")
        return
    number = 0
    for batch in parquet.iter_batches(batch_size=2000):
        for record in batch.to_pylist():
            number += 1
            cells = _drop_nulls(record)
            if "metadata" in cells and isinstance(cells["metadata"], str):
                cells["metadata"], problem = parse_json(
                    cells["metadata"], what="bad JSON in metadata"
                )
                if problem:
                    yield RawRow(number, None, problem)
                    continue
            yield RawRow(number, _unflatten(cells))


def _drop_nulls(record: dict[str, Any]) -> dict[str, Any]:
    # Parquet gives every row every column; an absent cell is a null, not a value.
    cleaned: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, dict):
            value = _drop_nulls(value)
            if not value:
                continue
        if value is None or value == "":
            continue
        cleaned[key] = value
    return cleaned


def _unflatten(cells: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in cells.items():
        head, dot, rest = key.partition(".")
        if dot and rest:
            group = nested.setdefault(head, {})
            if isinstance(group, dict):
                group[rest] = value
            else:
                nested[key] = value
        else:
            nested[key] = value
    return nested


class ProblemReport(Protocol):
    lines: int

    def add_error(self, line: int, message: str) -> None: ...


def validated_batches(
    source: Path | IO[bytes],
    file_format: str,
    validate: Callable[..., T | list[str]],
    batch_size: int,
    report: ProblemReport | None,
    progress: Callable[[str, int], None] | None,
    phase: str,
) -> Iterator[list[T]]:
    """The valid rows of a file in batches; each bad row's reasons go to ``report``.

    Shared by the item and vote imports: ``validate(line, data, max_chars=...)`` turns one row
    into a record or a list of reasons. Without a report (a second pass over a file already
    validated) reasons are dropped.
    """
    max_chars = settings.IMPORT_MAX_TEXT_CHARS
    batch: list[T] = []
    done = 0
    for row in read_rows(source, file_format):
        done += 1
        if report is not None:
            report.lines += 1
        if row.error is not None or row.data is None:
            if report is not None:
                report.add_error(row.line, row.error or "unreadable row")
            continue
        result = validate(row.line, row.data, max_chars=max_chars)
        if isinstance(result, list):
            if report is not None:
                for message in result:
                    report.add_error(row.line, message)
            continue
        batch.append(result)
        if len(batch) >= batch_size:
            yield batch
            batch = []
            if progress:
                progress(phase, done)
    if batch:
        yield batch
    if progress:
        progress(phase, done)
    if report is not None and report.lines == 0:
        report.add_error(0, "the file holds no rows")
