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
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from typing import Any

from django.db import connection

QUEUED = 2

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
        self._thread.start()

    def put(self, batch: Batch) -> None:
        self._raise()
        self._batches.put(batch)

    def finish(self) -> None:
        """Wait until every batch put is stored; raise what the thread met, if anything. Also
        how the import closes it, written or not: the transaction's end decides what stays."""
        if self._thread.is_alive():
            self._batches.put(None)
            self._thread.join()
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
