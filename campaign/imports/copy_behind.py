"""COPY one batch while the next is checked: the import's second core.

An import's Python (reading, validating, planning a batch) and its PostgreSQL backend (storing
a batch: index entries, the key checks of migration 0014) each take seconds per 100,000 lines.
Spooled to the end, they add up. Here a thread of the importing process streams each planned
batch's COPY data on the import's own connection, inside its transaction, while the main
thread checks the next batch: the backend works while Python does, and the import takes about
the longer of the two.

All or nothing still: nothing commits before the whole file is checked, and a bad line found
after batches were written rolls them back with the rest (campaign.imports.pipeline). Memory
stays flat: at most ``QUEUED`` batches wait for the thread.

The thread uses the psycopg connection under Django's: psycopg serialises its users with a
lock, so a query of the main thread (what is stored) waits for the COPY in progress, then goes
on in the same transaction. Both imports draw their ids on a connection of their own
(campaign.imports.writing.IdBlocks) so as not to wait. Django's
connection object itself is only used by the main thread.

The thread mostly waits on its socket, and each time the backend answers it must take the GIL
back from the main thread, which holds it for the interpreter's switch interval (5 ms) before
handing it over: at four or five statements a batch, up to 3 s of a 200,000-vote import with
the backend idle, waiting for the next statement (its judgments' COPYs: 4.6 s of wall time
for 2.4 s of backend CPU). While a thread copies, the process switches every
``SWITCH_INTERVAL`` seconds (``quick_switches``), from its start until ``finish``:
``bench/import_votes.py --code <before> . --modes write`` went from 19.2k to 22.6k votes/s
(17.1k to 18.5k in the other order, the machine slower).
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

QUEUED = 2
SWITCH_INTERVAL = 0.0005  # seconds; the interpreter's default is 0.005

# (COPY statement, its data) or (other statement, its parameters), in the order to run.
Batch = Sequence[tuple[str, bytes | list[Any]]]


class CopyBehind:
    """A thread that runs each batch's COPY statements, in order, one batch behind."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self._raw = connection.connection
        self._batches: queue.Queue[Batch | None] = queue.Queue(maxsize=QUEUED)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="import-copy", daemon=True)
        # Entered before the first batch is put, left once the thread is done (finish).
        self._switching = contextlib.ExitStack()
        self._switching.enter_context(quick_switches())
        self._thread.start()

    def put(self, batch: Batch) -> None:
        self._raise()
        self._batches.put(batch)

    def finish(self) -> None:
        """Wait until every batch put is stored; raise what the thread met, if anything. Also
        how the import closes it, written or not: the transaction's end decides what stays."""
        try:
            if self._thread.is_alive():
                self._batches.put(None)
                self._thread.join()
        finally:
            self._switching.close()  # a second close does nothing
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        with self._raw.cursor() as cursor:
            # The import is one transaction, so not waiting for its commit record to reach the
            # disk cannot leave part of it behind: a server crash in the moments after the
            # commit may lose the whole import (the report said written; import it again),
            # never half of it. SET LOCAL: the transaction's own setting, gone at its end.
            cursor.execute("SET LOCAL synchronous_commit = off")
            while (batch := self._batches.get()) is not None:
                if self._error is not None:
                    continue  # drain: the main thread hears of it at its next put
                try:
                    for statement, data in batch:
                        if isinstance(data, list):
                            cursor.execute(statement, data)
                        elif data:
                            with cursor.copy(statement) as copy:
                                copy.write(data)
                except BaseException as error:  # handed to the main thread, raised there
                    self._error = error


_switches = threading.Lock()
_copying = 0  # threads inside quick_switches
_usual_interval = 0.0


@contextlib.contextmanager
def quick_switches() -> Iterator[None]:
    """The interpreter's switch interval at most ``SWITCH_INTERVAL`` while any thread is in
    here (imports may run side by side in one process), then as it was."""
    global _copying, _usual_interval
    with _switches:
        if not _copying:
            _usual_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_usual_interval, SWITCH_INTERVAL))
        _copying += 1
    try:
        yield
    finally:
        with _switches:
            _copying -= 1
            if not _copying:
                sys.setswitchinterval(_usual_interval)
