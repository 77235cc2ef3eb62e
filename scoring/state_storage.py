"""Where the incremental state lives between runs: `ScoringState`'s row of a campaign.

The core (scoring.incremental.Core: annotator tallies, counted pairs, online Elo, alpha's
coincidences, the extras' vote cells) as numpy arrays in one ``np.savez`` bytea, and the
watermark of the judgments it has folded. The timed seconds are kept as windows around the
medians, not whole (scoring.numerics.seconds_windows): the judgments hold them all. Written
in the snapshot's transaction, read at the start of the next run.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import numpy as np

from campaign.models import Campaign, Judgment
from scoring.campaign_data import FingerprintFacts
from scoring.incremental import Core, Watermark
from scoring.models import ScoringState
from scoring.numerics.seconds_windows import Windows
from scoring.numerics.tallies import COUNTS, AgreementTallies, AnnotatorTallies
from scoring.numerics.vote_cells import VoteCells
from scoring.packing import decoded, encode_grouped_seconds, encode_sorted

# The tallies' windows of timed seconds (scoring.numerics.seconds_windows): a few hundred
# values per annotator and some tens of thousands for the campaign, whatever its size.
_WINDOWS = ("seconds", "campaign_seconds")
_WINDOW_PARTS = ("below", "sizes", "values")


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
    row = ScoringState.objects.filter(campaign=campaign).first()
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
        **{f.name: arrays.pop(f"cells_{f.name}") for f in dataclasses.fields(VoteCells)}
    )
    watermark = Watermark(row.judgments, row.max_id, row.id_sum, row.last_created_at, row.last_id)
    return Core(tallies=tallies, cells=cells, watermark=watermark, **arrays)


def save_state(campaign: Campaign, key: str, core: Core) -> None:
    """Store the core (call inside the snapshot's transaction)."""
    arrays: dict[str, np.ndarray] = {
        f.name: getattr(core, f.name)
        for f in dataclasses.fields(Core)
        if f.name not in ("tallies", "cells", "watermark")
    }
    for f in dataclasses.fields(VoteCells):
        arrays[f"cells_{f.name}"] = getattr(core.cells, f.name)
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
    buffer = io.BytesIO()
    np.savez(buffer, **small)
    mark = core.watermark
    row = {
        "settings_hash": key,
        "judgments": mark.judgments,
        "max_id": mark.max_id,
        "id_sum": mark.id_sum,
        "last_created_at": mark.last_created_at,
        "last_id": mark.last_id,
        "arrays": buffer.getvalue(),
    }
    # Not update_or_create: its SELECT would fetch the stored arrays (megabytes) for nothing.
    if not ScoringState.objects.filter(campaign=campaign).update(**row):
        ScoringState.objects.create(campaign=campaign, **row)
