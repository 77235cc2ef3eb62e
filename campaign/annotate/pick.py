"""The assignment engine's pick as SQL (campaign.annotate.assignment says why it is correct).

Written out rather than built by the ORM for two reasons: building these queries cost more CPU
than running them, and sides such as ``gold_side = ''`` must be literals, not parameters, or a
prepared statement's generic plan could not use the partial indexes they name.
"""

from __future__ import annotations

import functools

from django.db import connection

from campaign.annotate.allocation import adaptive_regular_sql, taken_sql
from campaign.models import Assignment, Comparison, Enrollment
from campaign.rows import insert_fields
from campaign.selectors import TEXT_COLUMNS, text_joins

# The lease's fields that the pick statement fills in from what it picked, and from which of
# the picked row's columns.
PICKED = {"comparison_id": "id", "is_gold": "is_gold"}


def regular_sql(*, adaptive: bool) -> str:
    """The regular pick with named parameters (campaign, target, annotator; floor if adaptive)."""
    if adaptive:
        return adaptive_regular_sql()
    regular = pick_regular_sql().replace("%s", "%(campaign)s", 1)
    return regular.replace("%s", "%(target)s", 1).replace("%s", "%(annotator)s", 1)


def take_room_sql(regular: str, *, adaptive: bool) -> str:
    if adaptive:
        return taken_sql(regular)
    return f"UPDATE {Comparison._meta.db_table} SET load = load + 1 WHERE id = ({regular})"  # noqa: S608


@functools.lru_cache(maxsize=2)
def pick_sql(*, adaptive: bool) -> str:
    """The pick as one statement (PostgreSQL): data-modifying CTEs run whatever is chosen.

    ``gold`` is MATERIALIZED and read by the final SELECT, so its index walk runs on every
    request, not only when gold is due. ``leased`` inserts the lease (the assignment's other
    columns are the ``lease_*`` parameters) in the same round trip, and the final SELECT reads
    the picked comparison's texts (campaign.selectors.TEXT_COLUMNS) for the page that shows
    it, which spares that page a round trip of its own.
    """
    enrollment = Enrollment._meta.db_table
    regular = regular_sql(adaptive=adaptive)
    taken = take_room_sql("SELECT id FROM regular", adaptive=adaptive)
    return (
        f"WITH regular AS MATERIALIZED ({regular}),"  # noqa: S608 - table names, no input
        f" gold AS MATERIALIZED ({gold_candidate_sql()}),"
        " chosen AS MATERIALIZED (SELECT gold.id FROM gold, regular WHERE %(gold_due)s),"
        f" taken AS ({taken} AND NOT EXISTS (SELECT 1 FROM chosen) RETURNING id),"
        f" served AS (UPDATE {enrollment} SET gold_served = gold_served + 1"
        " WHERE id = %(enrollment)s AND EXISTS (SELECT 1 FROM chosen) RETURNING id),"
        " picked AS (SELECT COALESCE((SELECT id FROM chosen), (SELECT id FROM taken)) AS id,"
        " EXISTS (SELECT 1 FROM chosen) AS is_gold),"
        f" leased AS ({lease_sql()} FROM picked WHERE picked.id IS NOT NULL RETURNING id)"
        " SELECT picked.id, picked.is_gold, (SELECT id FROM leased), (SELECT id FROM gold),"
        f" (SELECT count(*) FROM served), {TEXT_COLUMNS} FROM picked"
        f" LEFT JOIN {Comparison._meta.db_table} c ON c.id = picked.id{text_joins('LEFT JOIN')}"
    )


def lease_sql() -> str:
    """``INSERT INTO assignment (...) SELECT ...``: the picked comparison and whether it is gold
    from ``picked``, every other column from its ``lease_*`` parameter."""
    quote = connection.ops.quote_name
    fields = insert_fields(Assignment)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    values = ", ".join(
        f"picked.{PICKED[field.attname]}"
        if field.attname in PICKED
        else f"%(lease_{field.attname})s"
        for field in fields
    )
    return f"INSERT INTO {Assignment._meta.db_table} ({columns}) SELECT {values}"


def gold_candidate_sql() -> str:
    """A gold comparison this participant has not met, entered at a random point of the pool.

    Two walks of ``comparison_gold_pool`` from ``start`` (then from the front, to wrap
    around), the second only read when the first finds nothing. Gold has no target, so
    nothing is counted or locked: many participants may hold one gold comparison at once.
    """
    comparison, assignment = Comparison._meta.db_table, Assignment._meta.db_table
    walk = (
        f"SELECT c.id FROM {comparison} c"  # noqa: S608 - table names, no input
        " WHERE c.campaign_id = %(campaign)s AND c.gold_side IN ('a', 'b') AND c.shuffle {op}"
        f" %(start)s AND NOT EXISTS (SELECT 1 FROM {assignment} a"
        " WHERE a.annotator_id = %(annotator)s AND a.comparison_id = c.id)"
        " ORDER BY c.shuffle LIMIT 1"
    )
    return (
        f"SELECT * FROM ({walk.format(op='>=')}) AS after_start"  # noqa: S608 - no input
        f" UNION ALL SELECT * FROM ({walk.format(op='<')}) AS before_start LIMIT 1"
    )


def pick_regular_sql() -> str:
    """The uniform regular pick, positional parameters (campaign, target, annotator).

    NO KEY UPDATE is strong enough against other pickers, yet it does not block the
    foreign-key checks of judgments and leases being inserted for this comparison.
    """
    comparison, assignment = Comparison._meta.db_table, Assignment._meta.db_table
    lock = " FOR NO KEY UPDATE OF c SKIP LOCKED" if connection.vendor == "postgresql" else ""
    return (
        f"SELECT c.id FROM {comparison} c"  # noqa: S608 - table names, no input
        " WHERE c.campaign_id = %s AND c.gold_side = '' AND c.load < %s"
        f" AND NOT EXISTS (SELECT 1 FROM {assignment} a"
        " WHERE a.annotator_id = %s AND a.comparison_id = c.id)"
        f" ORDER BY c.load, c.shuffle LIMIT 1{lock}"
    )
