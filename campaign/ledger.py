"""The judgments' and comparisons' count, id sum and largest id per campaign, without a scan.

On PostgreSQL, statement-level triggers (migration campaign 0015) add a row to
``campaign_rowledger`` for every INSERT or DELETE statement on the two tables, in the
statement's own transaction: the ledger's sums are the tables' in any snapshot. Elsewhere
(the embedded SQLite demo) the tables are scanned, as they are small there.

The largest id is the largest ever written: a deletion does not lower it (ids only grow, so
anything written later is still above it), and changes the count and the id sum.
"""

from __future__ import annotations

from typing import Literal

from django.db import connection, transaction

Kind = Literal["judgments", "comparisons"]
_CODES = {"judgments": "j", "comparisons": "c"}
_TABLES = {"judgments": "campaign_judgment", "comparisons": "campaign_comparison"}
# A campaign's entries beyond this many are folded into one by `compact`.
COMPACT_ABOVE = 1000


def totals(campaign_id: int, kind: Kind) -> tuple[int, int, int]:
    """(rows, largest id, id sum) of the campaign's judgments or comparisons; zeros if none."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT coalesce(sum(rows), 0), coalesce(max(max_id), 0), coalesce(sum(id_sum), 0) "
                "FROM campaign_rowledger WHERE campaign_id = %s AND kind = %s",
                [campaign_id, _CODES[kind]],
            )
        else:
            cursor.execute(
                "SELECT count(*), coalesce(max(id), 0), coalesce(sum(id), 0) "  # noqa: S608
                f"FROM {_TABLES[kind]} WHERE campaign_id = %s",
                [campaign_id],
            )
        count, max_id, id_sum = cursor.fetchone()
    return int(count), int(max_id), int(id_sum)


def compact(campaign_id: int) -> int:
    """Fold the campaign's ledger entries into one per kind when there are more than
    COMPACT_ABOVE; the number of entries folded (0 on SQLite, or when there were few).

    Concurrent writers never wait: they only insert, and an entry committed while this runs
    is not among those deleted, so the sums stay the tables'. Call it outside the scoring
    run's consistent read (it writes)."""
    if connection.vendor != "postgresql":
        return 0
    folded = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for code in _CODES.values():
            cursor.execute(
                "SELECT count(*) > %s FROM campaign_rowledger WHERE campaign_id = %s AND kind = %s",
                [COMPACT_ABOVE, campaign_id, code],
            )
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(
                """WITH gone AS (
                       DELETE FROM campaign_rowledger WHERE campaign_id = %s AND kind = %s
                       RETURNING rows, id_sum, max_id
                   )
                   INSERT INTO campaign_rowledger (campaign_id, kind, rows, id_sum, max_id)
                   SELECT %s, %s, sum(rows), sum(id_sum), max(max_id) FROM gone
                   HAVING count(*) > 0
                   RETURNING (SELECT count(*) FROM gone)""",
                [campaign_id, code, campaign_id, code],
            )
            row = cursor.fetchone()
            folded += int(row[0]) if row else 0
    return folded
