"""Reading a whole campaign's rows from PostgreSQL as a stream, at flat memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import QuerySet


def stream(queryset: QuerySet[Any, Any], *, chunk_size: int) -> Iterator[Any]:
    """``queryset``'s rows through a server-side cursor, ``chunk_size`` per round trip.

    Inside a transaction of its own: outside one, Django declares the cursor WITH HOLD, and
    PostgreSQL then runs the whole query and stores its result before the first row comes
    back (44 s of silence for a million judgments in bench/export.py, where the transaction
    gives the first rows in about a second). The transaction only reads; it lasts as long as
    the consumer takes, and ends (rolled back) if the consumer stops early.
    """
    with transaction.atomic():
        yield from queryset.iterator(chunk_size=chunk_size)
