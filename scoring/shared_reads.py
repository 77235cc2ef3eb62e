"""A run's large reads spread over extra PostgreSQL connections that share its snapshot.

Most of a full run's reading is the server packing rows (scoring.packed_rows: some 0.1 µs a
column and a row, one backend's core) while the job's process waits. Two backends packing at
once halve that wait on the two cores the product targets: a full run at 10,000,000
judgments reads about 16 s of server time (its judgments, comparisons, responses and their
style rows; docs/incremental_scoring.md).

Every reader sees exactly what the run's own transaction sees: the run exports its snapshot
(``pg_export_snapshot``) and each reader's REPEATABLE READ, READ ONLY transaction adopts it
(``SET TRANSACTION SNAPSHOT``), so judgments committed meanwhile are invisible to all of them
alike. That holds only for the run's own, outermost transaction (a snapshot shows no
uncommitted rows; a savepoint's cannot be exported), so inside an outer transaction (tests,
the demo's load), inside a savepoint, off PostgreSQL and for small runs the reads go one
after another to the run's connection, through the same code; and so they do when no reader
can connect (PostgreSQL's max_connections reached), with a warning.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
import psycopg
import psycopg.sql
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

from config.postgresql.base import DatabaseWrapper
from scoring.packed_rows import aggregated_binary, fetch_columns, serial_reads

T = TypeVar("T")
logger = logging.getLogger(__name__)

# Fewer judgments: the reads take well under a second, less than the readers' connections.
SHARED_FROM = 300_000

# Set by consistent_reads (scoring.campaign_data) when its transaction is the outermost one,
# the only one whose snapshot another connection can adopt.
shareable: contextvars.ContextVar[bool] = contextvars.ContextVar("shareable", default=False)

# pg_export_snapshot's ids: hexadecimal fields joined by dashes.
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


class Reader(Protocol):
    """One connection's reads, inside the run's snapshot."""

    def columns(
        self, sql: str, params: Sequence[Any], columns: Sequence[tuple[str, str]]
    ) -> dict[str, np.ndarray]:
        """`scoring.packed_rows.fetch_columns` on this reader's connection."""

    def value(self, sql: str, params: Sequence[Any]) -> Any:
        """The first column of the first row (None without a row)."""


class ReadsStopped(Exception):
    """The run failed: its readers' tasks end at their next query."""


class Reads:
    """Where a run sends its large reads: ``submit`` a function of a `Reader`. When shared,
    it runs on the first reader free, the ``first`` tasks before the others (a read the run
    waits for now before the slices of a long one), else in the order submitted; when not, at
    once on the run's connection. The readers open with the first task: a run that reads
    little (an incremental one, its comparison cache kept) opens none."""

    def __init__(self, *, shared: bool = False) -> None:
        self._shared = shared
        self._readers: list[_SharedReader] = []
        self._threads: list[threading.Thread] = []
        self._tasks: queue.PriorityQueue[_Queued] = queue.PriorityQueue()
        self._order = itertools.count()
        self._stopped = threading.Event()

    @classmethod
    def serial(cls) -> Reads:
        """Reads on the run's connection alone."""
        return cls()

    @property
    def shared(self) -> bool:
        return self._shared

    def submit(self, task: Callable[[Reader], T], *, first: bool = False) -> Future[T]:
        future: Future[T] = Future()
        if self._shared and not self._readers:
            self._open()
        if not self._shared:
            _run(task, _RunConnection(), future)
            return future
        self._tasks.put(_Queued(0 if first else 1, next(self._order), task, future))
        return future

    def columns(
        self,
        sql: str,
        params: Sequence[Any],
        columns: Sequence[tuple[str, str]],
        *,
        first: bool = False,
    ) -> Future[dict[str, np.ndarray]]:
        return self.submit(lambda reader: reader.columns(sql, params, columns), first=first)

    def close(self, *, failed: bool) -> None:
        """Stop the readers and close their connections: after the tasks queued, or at once
        when the run ``failed`` (queued tasks dropped, running ones stopped at their next
        query and their current query cancelled)."""
        try:
            if failed:
                self._stopped.set()
                self._drop_queued()
                for reader in self._readers:
                    reader.cancel()
        finally:
            try:
                for _ in self._threads:
                    self._tasks.put(_Queued(2, next(self._order), None, None))
                for thread in self._threads:
                    thread.join()
            finally:
                for reader in self._readers:
                    reader.close()

    def _open(self) -> None:
        # Exported by the run's connection, in the run's thread (Django's connection is not
        # shared between threads); the readers' threads use their own connections only.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        for k in range(settings.SCORING_SHARED_READERS):
            try:
                reader = _SharedReader(snapshot, self._stopped)
            except psycopg.OperationalError as error:  # "too many clients", most likely
                logger.warning("A scoring reader could not connect (%s): %s", k, error)
                break
            self._readers.append(reader)
            thread = threading.Thread(
                target=self._serve, args=(reader,), name=f"shared-read-{k}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        self._shared = bool(self._readers)

    def _drop_queued(self) -> None:
        while True:
            try:
                queued = self._tasks.get_nowait()
            except queue.Empty:
                return
            if queued.future is not None:
                queued.future.cancel()

    def _serve(self, reader: _SharedReader) -> None:
        while True:
            queued = self._tasks.get()
            if queued.task is None or queued.future is None:
                return
            if queued.future.set_running_or_notify_cancel():
                _run(queued.task, reader, queued.future)


@dataclass(order=True)
class _Queued:
    rank: int  # 0: first, 1: in turn, 2: the thread's end
    order: int
    task: Callable[[Reader], Any] | None = field(compare=False)
    future: Future[Any] | None = field(compare=False)


def _run(task: Callable[[Reader], T], reader: Reader, future: Future[T]) -> None:
    try:
        future.set_result(task(reader))
    except BaseException as error:  # handed to whoever waits on the future, as a pool does
        future.set_exception(error)


@contextlib.contextmanager
def shared_reads(rows: int) -> Iterator[Reads]:
    """Reads for a run about to read some ``rows`` rows: shared with
    ``settings.SCORING_SHARED_READERS`` extra connections when there are at least
    `SHARED_FROM` and the snapshot can be shared (call inside consistent_reads); the readers
    are closed on the way out."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    shared = (
        isinstance(wrapper, DatabaseWrapper)
        and shareable.get()
        and not wrapper.savepoint_ids
        and rows >= SHARED_FROM
        and settings.SCORING_SHARED_READERS > 0
    )
    reads = Reads(shared=shared)
    try:
        yield reads
    except BaseException:
        reads.close(failed=True)
        raise
    reads.close(failed=False)


class _RunConnection:
    """The run's own connection (Django's), its scans kept serial (scoring.packed_rows)."""

    def columns(
        self, sql: str, params: Sequence[Any], columns: Sequence[tuple[str, str]]
    ) -> dict[str, np.ndarray]:
        with serial_reads():
            return fetch_columns(sql, params, columns)

    def value(self, sql: str, params: Sequence[Any]) -> Any:
        with connection.cursor() as cursor:
            return _first_value(cursor, sql, params)


class _SharedReader:
    """A connection of its own, set up as Django's, in the run's snapshot."""

    def __init__(self, snapshot: str, stopped: threading.Event) -> None:
        if not _SNAPSHOT_ID.fullmatch(snapshot):
            raise RuntimeError(f"unexpected snapshot id {snapshot!r}")
        self._stopped = stopped
        wrapper = connections[DEFAULT_DB_ALIAS]
        assert isinstance(wrapper, DatabaseWrapper)  # shared_reads checked it
        self._connection = wrapper.extra_connection()
        try:
            with self._connection.cursor() as cursor:
                # The first statements of the reader's one transaction (psycopg opens it).
                # The snapshot's id cannot be a parameter: checked above, then quoted.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(
                    psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(
                        psycopg.sql.Literal(snapshot)
                    )
                )
                # As the run's own reads: no JIT for a few big scans, no parallel workers,
                # which hand rows out in their own order.
                cursor.execute("SET LOCAL jit = off")
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        except BaseException:
            self._connection.close()
            raise

    def columns(
        self, sql: str, params: Sequence[Any], columns: Sequence[tuple[str, str]]
    ) -> dict[str, np.ndarray]:
        self._go_on()
        with self._connection.cursor() as cursor:
            return aggregated_binary(cursor, sql, params, columns)

    def value(self, sql: str, params: Sequence[Any]) -> Any:
        self._go_on()
        with self._connection.cursor() as cursor:
            return _first_value(cursor, sql, params)

    def _go_on(self) -> None:
        # A task of several queries (a slice of judgments) stops between them once the run
        # failed: the cancel reaches only the query running at that moment.
        if self._stopped.is_set():
            raise ReadsStopped

    def cancel(self) -> None:
        """Cancel the query running, if any (from another thread)."""
        self._connection.cancel_safe()

    def close(self) -> None:
        self._connection.close()


def _first_value(cursor: Any, sql: str, params: Sequence[Any]) -> Any:
    cursor.execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else row[0]
