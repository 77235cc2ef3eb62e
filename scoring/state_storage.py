"""Where the incremental state lives between runs: `ScoringState`'s row of a campaign.

The core (scoring.incremental.Core: annotator tallies, counted pairs, online Elo, alpha's
coincidences, the extras' vote cells) as numpy arrays in one ``np.savez`` bytea, and the
watermark of the judgments it has folded. The timed seconds are kept as windows around the
medians, not whole (scoring.numerics.seconds_windows): the judgments hold them all. Written
in the snapshot's transaction, read at the start of the next run.

The vote cells' base (scoring.numerics.vote_cells: the voter and per-comparison cells) lives
in a column of its own, ``comparison_base``: read only by a run that needs the merged cells
(`complete_core`) and written only when the deltas were merged into it; the deltas are among
the ``arrays``. An
UPDATE that leaves the column out keeps its stored value as it is (PostgreSQL keeps the
TOAST pointer), so a run that does not merge reads and writes only the small delta.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from campaign.models import Campaign, Judgment
from scoring.campaign_data import FingerprintFacts, RegularComparisons
from scoring.incremental import Core, Watermark
from scoring.models import ScoringState
from scoring.numerics.seconds_windows import Windows
from scoring.numerics.tallies import COUNTS, AgreementTallies, AnnotatorTallies
from scoring.numerics.vote_cells import (
    Base,
    CountRows,
    VoteCells,
    delta_bound,
    judged_histogram,
    with_base,
    with_merged_base,
)
from scoring.packing import (
    decoded,
    encode_grouped_seconds,
    encode_sorted,
    npz,
    packed,
    unpacked_npz,
)

# The tallies' windows of timed seconds (scoring.numerics.seconds_windows): a few hundred
# values per annotator and some tens of thousands for the campaign, whatever its size.
_WINDOWS = ("seconds", "campaign_seconds")
_WINDOW_PARTS = ("below", "sizes", "values")
# The vote cells' arrays stored as they are (the per-comparison ones are a base and a delta).
_CELLS = ("sides", "pair_judgments", "gold_tie_users", "gold_ties")


def watermark_of(campaign: Campaign, facts: FingerprintFacts) -> Watermark:
    last = (
        Judgment.objects.filter(campaign=campaign)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "pk")
        .first()
    )
    return Watermark(
        judgments=facts.count,
        max_id=facts.max_id,
        id_sum=facts.id_sum,
        last_created_at=last[0] if last else None,
        last_id=last[1] if last else 0,
    )


def load_state(campaign: Campaign, key: str) -> Core | str:
    """The stored core, or why there is none to fold into."""
    row = ScoringState.objects.filter(campaign=campaign).defer("comparison_base").first()
    if row is None:
        return "no stored state"
    if row.settings_hash != key:
        return "settings, gold pool, contenders or scoring version changed"
    with np.load(io.BytesIO(bytes(row.arrays))) as stored:
        arrays = decoded(
            {name: stored[name] for name in stored.files},
            {f"{name}_values": f"{name}_sizes" for name in _WINDOWS},
        )
    agreement = AgreementTallies(
        **{f.name: arrays.pop(f"agreement_{f.name}") for f in dataclasses.fields(AgreementTallies)}
    )
    seconds, campaign_seconds = (
        Windows(*(arrays.pop(f"{name}_{part}") for part in _WINDOW_PARTS)) for name in _WINDOWS
    )
    counts: dict[str, Any] = {name: arrays.pop(f"tallies_{name}") for name in COUNTS}
    tallies = AnnotatorTallies(
        **counts, seconds=seconds, campaign_seconds=campaign_seconds, agreement=agreement
    )
    cells = VoteCells(
        **{name: arrays.pop(f"cells_{name}") for name in _CELLS},
        voter_delta=CountRows(arrays.pop("voter_delta_keys"), arrays.pop("voter_delta_counts")),
        comparison_delta=CountRows(arrays.pop("delta_ids"), arrays.pop("delta_counts")),
        base=None,
        base_rows=int(arrays.pop("base_rows")),
        base_stored=True,
    )
    watermark = Watermark(row.judgments, row.max_id, row.id_sum, row.last_created_at, row.last_id)
    covered = str(arrays.pop("coverage_key"))
    return Core(tallies=tallies, cells=cells, watermark=watermark, coverage_key=covered, **arrays)


def coverage_key(cache_key: str, categories: Sequence[str]) -> str:
    """What the judged histogram's rows depend on: the comparisons' categories, which only an
    item edit, a new category or other contenders change (the comparison cache's key, and
    the categories' list)."""
    return hashlib.sha256(json.dumps([cache_key, list(categories)]).encode()).hexdigest()


def complete_core(
    campaign: Campaign,
    core: Core,
    comparisons: RegularComparisons,
    key: str,
    *,
    merged_cells: bool,
) -> Core:
    """``core`` with what this run needs of it beyond the fold, read inside the run's
    consistent read: the per-comparison cells' stored base when ``merged_cells`` (the
    extras that read them are fitted), when the deltas are to be merged into it (past
    `delta_bound`, or a full run's fresh cells) or when the judged histogram is not that of
    ``key`` (`coverage_key`: then counted anew from the merged cells)."""
    cells = core.cells
    merge = cells.delta_rows > delta_bound(cells) or not cells.base_stored
    if cells.base is None and (merged_cells or merge or core.coverage_key != key):
        cells = with_base(cells, load_comparison_base(campaign))
    if merge:
        cells = with_merged_base(cells)
    coverage = core.coverage
    if core.coverage_key != key:
        place = np.searchsorted(comparisons.ids, cells.comparison_ids)
        coverage = judged_histogram(
            comparisons.category[place], cells.comparison_counts[:, 0], len(comparisons.categories)
        )
    return dataclasses.replace(core, cells=cells, coverage=coverage, coverage_key=key)


def load_comparison_base(campaign: Campaign) -> Base:
    blob = ScoringState.objects.filter(campaign=campaign).values_list("comparison_base", flat=True)
    arrays = unpacked_npz(bytes(blob.get()))
    return Base(*(CountRows(arrays[f"{name}_keys"], arrays[f"{name}_counts"]) for name in _BASE))


_BASE = ("voters", "comparisons")


def encode_base(base: Base) -> bytes:
    """The base as stored: keys as the first and the steps (sorted, so the steps are small),
    counts in the smallest integer type (`scoring.packing`)."""
    arrays: dict[str, Any] = {}
    for name in _BASE:
        rows: CountRows = getattr(base, name)
        arrays.update(encode_sorted(f"{name}_keys", rows.keys))
        arrays[f"{name}_counts"] = packed(rows.counts)
    return npz(arrays)


def save_state(campaign: Campaign, key: str, core: Core) -> None:
    """Store the core (call inside the snapshot's transaction; after `complete_core`): its
    per-comparison cells' base only when it changed."""
    cells = core.cells
    arrays: dict[str, np.ndarray] = {
        f.name: getattr(core, f.name)
        for f in dataclasses.fields(Core)
        if f.name not in ("tallies", "cells", "watermark", "coverage_key")
    }
    for name in _CELLS:
        arrays[f"cells_{name}"] = getattr(cells, name)
    arrays["voter_delta_keys"] = cells.voter_delta.keys
    arrays["voter_delta_counts"] = cells.voter_delta.counts
    arrays["delta_ids"] = cells.comparison_delta.keys
    arrays["delta_counts"] = cells.comparison_delta.counts
    arrays["base_rows"] = np.array(cells.base_rows, dtype=np.int64)
    for name in COUNTS:
        arrays[f"tallies_{name}"] = getattr(core.tallies, name)
    for f in dataclasses.fields(AgreementTallies):
        arrays[f"agreement_{f.name}"] = getattr(core.tallies.agreement, f.name)
    small: dict[str, Any] = {}
    for name, array in arrays.items():
        small.update(encode_sorted(name, array))
    for name in _WINDOWS:
        windows: Windows = getattr(core.tallies, name)
        for part in ("below", "sizes"):
            small.update(encode_sorted(f"{name}_{part}", getattr(windows, part)))
        small.update(encode_grouped_seconds(f"{name}_values", windows.values, windows.sizes))
    small["coverage_key"] = np.array(core.coverage_key)
    mark = core.watermark
    row = {
        "settings_hash": key,
        "judgments": mark.judgments,
        "max_id": mark.max_id,
        "id_sum": mark.id_sum,
        "last_created_at": mark.last_created_at,
        "last_id": mark.last_id,
        "arrays": npz(small),
    }
    if not cells.base_stored:
        if cells.base is None:  # pragma: no cover - complete_core's invariant
            raise RuntimeError("new vote cells without their base")
        row["comparison_base"] = encode_base(cells.base)
    # Not update_or_create: its SELECT would fetch the stored arrays (megabytes) for nothing.
    if not ScoringState.objects.filter(campaign=campaign).update(**row):
        ScoringState.objects.create(campaign=campaign, **row)
