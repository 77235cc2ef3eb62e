"""A campaign's judgments for one scoring run, read straight into numpy arrays.

No model instances and no Python object per judgment where it can be avoided: every query
here is read through scoring.packed_rows (on PostgreSQL the server packs its rows into one
value, read through a structured numpy dtype). A run counts the model ratings' votes from
these columns (scoring.snapshots); ``rated_pair_counts`` counts the same votes in the
database (GROUP BY contender pair), for benches and checks.

Every read of a run happens inside ``consistent_reads()``: on PostgreSQL one REPEATABLE READ,
READ ONLY transaction, so the fingerprint, the per-judgment columns and the comparisons all
see the same committed judgments while annotation goes on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from numpy.typing import NDArray

from campaign.ledger import totals
from campaign.models import Campaign, gold_pool
from scoring.numerics.votes import PairCounts
from scoring.packed_rows import by_id, fetch_columns
from scoring.shared_reads import Reads, shareable


@dataclass(frozen=True)
class FingerprintFacts:
    """What identifies the judgments of a campaign cheaply: any insert or delete changes it."""

    count: int
    max_id: int
    id_sum: int


@dataclass(frozen=True)
class JudgmentColumns:
    """Every judgment of the campaign in vote order (created_at, id), one array per column."""

    annotator_id: NDArray[np.int64]
    comparison_id: NDArray[np.int64]
    verdict: NDArray[np.int32]
    a_on_left: NDArray[np.bool_]
    seconds: NDArray[np.float64]  # NaN when unknown
    gold: NDArray[np.int8]  # -1 gold answer a, +1 gold answer b, 0 not gold

    @property
    def size(self) -> int:
        return int(self.annotator_id.size)


@contextlib.contextmanager
def consistent_reads() -> Iterator[None]:
    """One snapshot of the database for all reads inside (read only on PostgreSQL).

    Inside an outer transaction (tests) the reads simply join it: the isolation level can
    only be set by a transaction's first statement, and no other connection can share it.
    """
    own = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if own:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # The run's few big scans gain nothing from JIT: compiling them costs more
                # than it saves (about 0.1 s on the judgments' read at a million).
                cursor.execute("SET LOCAL jit = off")
        # Only this transaction's own snapshot can be shared (scoring.shared_reads).
        shared = shareable.set(own)
        try:
            yield
        finally:
            shareable.reset(shared)


def fingerprint_facts(campaign: Campaign) -> FingerprintFacts:
    """The judgments' count, largest id and id sum: from campaign.ledger, without a scan on
    PostgreSQL (the largest id written, which a deletion does not lower)."""
    return FingerprintFacts(*totals(campaign.pk, "judgments"))


def comparison_judgments(
    campaign: Campaign, comparison_ids: NDArray[np.int64]
) -> dict[str, NDArray[np.int64]]:
    """Every judgment of the given comparisons: id, annotator, comparison and verdict (the
    judgments an incremental run re-reads to refresh those comparisons' agreement tallies).

    The comparisons are the campaign's, and so are all their judgments (a judgment's key is
    (campaign, comparison), migration 0017): no campaign condition, so that the read is an
    index-only scan of the unique key, which carries id and verdict (migration 0018)."""
    ids = [int(pk) for pk in comparison_ids]
    if not ids:
        return {
            name: np.empty(0, dtype=np.int64)
            for name in ("id", "annotator", "comparison", "verdict")
        }
    return fetch_columns(
        f"""SELECT CAST(j.id AS BIGINT), CAST(j.annotator_id AS BIGINT),
                  CAST(j.comparison_id AS BIGINT), CAST(j.verdict AS BIGINT)
           FROM campaign_judgment j
           WHERE j.comparison_id IN ({_trusted_set(ids)})""",  # noqa: S608
        _trusted_params(ids),
        [
            ("id", "bigint"),
            ("annotator", "bigint"),
            ("comparison", "bigint"),
            ("verdict", "bigint"),
        ],
    )


def timed_seconds(
    campaign: Campaign, annotator_ids: NDArray[np.int64] | None
) -> dict[str, np.ndarray]:
    """Every timed judgment's annotator and seconds, of the given annotators (all when None):
    what an incremental run rebuilds a window of medians from
    (scoring.numerics.seconds_windows). Through the (annotator, campaign) index when the
    annotators are given."""
    params: list[object] = [campaign.pk]
    who = ""
    if annotator_ids is not None:
        ids = [int(pk) for pk in annotator_ids]
        who = f"AND j.annotator_id IN ({_trusted_set(ids)})"
        params += _trusted_params(ids)
    return fetch_columns(
        f"""SELECT CAST(j.annotator_id AS BIGINT), CAST(j.seconds AS DOUBLE PRECISION)
           FROM campaign_judgment j
           WHERE j.campaign_id = %s AND j.seconds IS NOT NULL {who}""",  # noqa: S608
        params,
        [("annotator", "bigint"), ("seconds", "double")],
    )


def rated_pair_counts(
    campaign: Campaign, trusted_annotator_ids: Sequence[int], contender_ids: Sequence[int]
) -> PairCounts:
    """Non-gold judgments by trusted annotators, counted per (contender a, contender b).

    ``contender_ids[k]`` is contender index k. A verdict below zero is a win for the
    comparison's a, zero a tie, above zero a win for b.
    """
    trusted = [int(pk) for pk in trusted_annotator_ids]
    if not trusted or len(contender_ids) < 2:
        return _no_counts(len(contender_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT ra.contender_id, rb.contender_id,
                       SUM(CASE WHEN j.verdict < 0 THEN 1 ELSE 0 END),
                       SUM(CASE WHEN j.verdict = 0 THEN 1 ELSE 0 END),
                       SUM(CASE WHEN j.verdict > 0 THEN 1 ELSE 0 END)
                FROM campaign_judgment j
                JOIN campaign_comparison c ON c.id = j.comparison_id
                JOIN campaign_response ra ON ra.id = c.response_a_id
                JOIN campaign_response rb ON rb.id = c.response_b_id
                WHERE j.campaign_id = %s AND c.gold_side = ''
                  AND j.annotator_id IN ({_trusted_set(trusted)})
                GROUP BY ra.contender_id, rb.contender_id""",  # noqa: S608 (placeholders only)
            [campaign.pk, *_trusted_params(trusted)],
        )
        rows = cursor.fetchall()
    if not rows:
        return _no_counts(len(contender_ids))
    a, b, a_wins, ties, b_wins = (
        np.array(column, dtype=np.int64) for column in zip(*rows, strict=True)
    )
    index = contender_indexer(contender_ids)
    return PairCounts(index(a), index(b), a_wins, ties, b_wins, n_contenders=len(contender_ids))


@dataclass(frozen=True)
class RegularComparisons:
    """The campaign's regular (non-gold) comparisons, ids sorted: each one's contenders
    (indices into the run's contender ids) and its prompt's category (an index into
    ``categories``, every category of the campaign's prompts, in the database's order)."""

    ids: NDArray[np.int64]
    a: NDArray[np.intp]
    b: NDArray[np.intp]
    category: NDArray[np.intp]
    categories: list[str]
    # Both responses' style counts, (comparisons, 4) in STYLE_FEATURES order
    # (scoring.numerics.style): filled by a run's read (scoring.comparison_cache), None here.
    # 32 bits: they live through a whole run and only the style view reads them (192 MB as
    # 64-bit integers at 10M judgments, at the full run's peak).
    style_a: NDArray[np.int32] | None = None
    style_b: NDArray[np.int32] | None = None

    def used_categories(self) -> NDArray[np.intp]:
        """The category indices some regular comparison has, ascending."""
        return np.flatnonzero(np.bincount(self.category, minlength=len(self.categories)))


def regular_comparisons(campaign: Campaign, contender_ids: Sequence[int]) -> RegularComparisons:
    """One pass over the regular comparisons for everything a run needs of them.

    With the vote-ordered judgment columns this gives online Elo its ordered votes, and the
    per-category views and the coverage tally their categories, for the cost of one pass over
    the comparisons instead of a second pass over the judgments (or a pass per extra).
    """
    comparisons, _response_a, _response_b = comparisons_and_responses(campaign, contender_ids)
    return comparisons


def comparisons_and_responses(
    campaign: Campaign, contender_ids: Sequence[int], reads: Reads | None = None
) -> tuple[RegularComparisons, NDArray[np.int64], NDArray[np.int64]]:
    """`regular_comparisons`, and each one's responses' ids (a's, b's); read on ``reads``
    (by default the run's connection).

    The comparisons, their prompts' categories and the responses' contenders are read
    apart, each table once, and joined here: the responses table is the largest after the
    judgments (it holds the texts), so a join per side would read it twice, and the server's
    hash joins and sorts of millions of rows spilled to disk at the default work_mem (4.1 s
    and 5.3 s at 10M judgments, the reads below 1-2 s each). Rows in the tables' order,
    mostly the ids' already (no parallel workers: scoring.packed_rows.serial_reads).
    """
    reads = reads or Reads.serial()
    # The largest first: the readers finish together.
    pending_responses = reads.columns(
        """SELECT CAST(r.id AS BIGINT), CAST(r.contender_id AS BIGINT)
           FROM campaign_response r WHERE r.campaign_id = %s""",
        [campaign.pk],
        [("id", "bigint"), ("contender", "bigint")],
        first=True,
    )
    pending_comparisons = reads.columns(
        """SELECT CAST(c.id AS BIGINT), CAST(c.prompt_id AS BIGINT),
                  CAST(c.response_a_id AS BIGINT), CAST(c.response_b_id AS BIGINT)
           FROM campaign_comparison c WHERE c.campaign_id = %s AND c.gold_side = ''""",
        [campaign.pk],
        [("id", "bigint"), ("prompt", "bigint"), ("a", "bigint"), ("b", "bigint")],
        first=True,
    )
    # The prompts' read needs their categories: asked on the run's connection meanwhile (a
    # scan of the prompts, 0.9 s at 10M judgments).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT category FROM campaign_prompt WHERE campaign_id = %s "
            "ORDER BY category",
            [campaign.pk],
        )
        categories = [str(category) for (category,) in cursor.fetchall()]
    pending_prompts = reads.columns(
        f"""SELECT CAST(p.id AS BIGINT), CAST({category_code(categories)} AS BIGINT)
            FROM campaign_prompt p WHERE p.campaign_id = %s""",  # noqa: S608
        [*categories, campaign.pk],
        [("id", "bigint"), ("category", "bigint")],
        first=True,
    )
    columns = by_id(pending_comparisons.result())
    prompts = by_id(pending_prompts.result())
    responses = by_id(pending_responses.result())
    category = prompts["category"][np.searchsorted(prompts["id"], columns["prompt"])]
    if category.size and category.min() < 0:
        raise RuntimeError("a prompt's category changed during the run's consistent read")
    contender = contender_indexer(contender_ids)(responses["contender"])
    comparisons = RegularComparisons(
        ids=columns["id"],
        a=contender[np.searchsorted(responses["id"], columns["a"])],
        b=contender[np.searchsorted(responses["id"], columns["b"])],
        category=category.astype(np.intp),
        categories=categories,
    )
    return comparisons, columns["a"], columns["b"]


def category_code(categories: Sequence[str]) -> str:
    """SQL: the index in ``categories`` of the category of prompt ``p``, -1 if not there; its
    placeholders take ``categories`` as parameters, in order. A CASE over the few categories:
    portable (SQLite too), and no text per row crosses over."""
    code = " ".join(f"WHEN %s THEN {k}" for k in range(len(categories)))
    return f"CASE p.category {code} ELSE -1 END" if categories else "-1"


def gold_comparisons(campaign: Campaign) -> tuple[NDArray[np.int64], NDArray[np.int32]]:
    rows = gold_pool(campaign).order_by("pk").values_list("pk", "gold_side")
    ids = np.array([pk for pk, _side in rows], dtype=np.int64)
    sides = np.array([-1 if side == "a" else 1 for _pk, side in rows], dtype=np.int32)
    return ids, sides


def _trusted_set(trusted: list[int]) -> str:
    # PostgreSQL: one array parameter, hashed by the planner; elsewhere one placeholder each.
    # (Any list of ids, despite the name.)
    return (
        "SELECT unnest(%s::bigint[])"
        if connection.vendor == "postgresql"
        else (", ".join(["%s"] * len(trusted)))
    )


def _trusted_params(trusted: list[int]) -> list[int | str]:
    # The array in its text form: psycopg's list dumper costs ~10 µs an element (0.09 s for
    # the 10,000 comparisons an incremental run at a million judgments re-reads).
    if connection.vendor == "postgresql":
        return ["{" + ",".join(map(str, trusted)) + "}"]
    return list(trusted)


_CONTENDER_TABLE = 1 << 20  # entries at most (8 MB): a wider range is searched


def contender_indexer(contender_ids: Sequence[int]) -> Callable[[np.ndarray], NDArray[np.intp]]:
    """Contender primary keys → contender indices (positions in ``contender_ids``)."""
    ids = np.asarray(contender_ids, dtype=np.int64)
    order = np.argsort(ids)
    # A campaign's contenders have ids close together: a table over their range maps the
    # millions of responses' contenders in a gather (1 s of binary searches at 10M).
    low = int(ids.min()) if ids.size else 0
    span = int(ids.max()) - low + 1 if ids.size else 0
    table = np.full(span if span <= _CONTENDER_TABLE else 0, -1, dtype=np.intp)
    if table.size:
        table[ids - low] = np.arange(ids.size)

    def index(pks: np.ndarray) -> NDArray[np.intp]:
        if pks.size == 0:
            return np.empty(0, dtype=np.intp)
        if table.size and pks.min() >= low and pks.max() - low < table.size:
            return table[pks - low]
        return order[np.searchsorted(ids[order], pks)].astype(np.intp)

    return index


def _no_counts(n_contenders: int) -> PairCounts:
    empty = np.empty(0, dtype=np.int64)
    return PairCounts(empty, empty, empty, empty, empty, n_contenders=n_contenders)
