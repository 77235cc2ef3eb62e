"""The run's core (annotator scores, counted votes, online Elo, alpha) folded from tallies.

Design: docs/incremental_scoring.md. A full run folds every judgment into empty tallies
(`full_core`); an incremental run loads the tallies the previous run stored (`ScoringState`),
folds only the judgments with a larger id (`incremental_core`), and both finish the same way,
so the two give the same core by construction. The incremental fold is refused (the caller
then runs `full_core`; the reason is kept in the snapshot's stats) whenever it could differ:

- no stored state, or its ``settings_hash`` differs (scoring version, gold settings, the gold
  pool, the contenders);
- the judgments up to the stored largest id are not the ones folded (count or id sum
  differ: a deletion, or a judgment committed late with a smaller id);
- a new judgment comes before the last folded one in vote order (created_at, id): a vote
  import back-dated, which online Elo would have to replay;
- an earlier annotator's trust changed (their agreement share with the trusted consensus
  changes on every comparison they judged) or whether their votes count changed (the
  counted votes, and so online Elo's sequence, change).

The views and analyses (scoring.extras) fold the same way: their tallies, the vote cells
(scoring.numerics.vote_cells), are part of the core, stored (scoring.state_storage) and
refused with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Q
from numpy.typing import NDArray

from campaign.models import Campaign, Judgment
from scoring.campaign_data import (
    FingerprintFacts,
    RegularComparisons,
    comparison_judgments,
    gold_comparisons,
)
from scoring.judgment_reads import new_judgment_columns
from scoring.numerics.agreement import (
    add_coincidences,
    alpha_of_coincidences,
    coincidence_tallies,
)
from scoring.numerics.annotators import (
    AnnotatorScore,
    GoldSettings,
    finish_scores,
    trusted_of,
)
from scoring.numerics.flags import FlagSettings
from scoring.numerics.ratings import online_elo
from scoring.numerics.tallies import (
    AgreementTallies,
    AnnotatorTallies,
    Reach,
    agreement_tallies,
    fold_judgments,
    widen,
)
from scoring.numerics.vote_cells import VoteCells, fold_cells, moved_histogram
from scoring.numerics.votes import (
    PairCounts,
    Votes,
    counts_from_table,
    outcome_from_verdict,
    pair_table,
    unique_inverse,
)
from scoring.timed_windows import windows_covered

# Bump when the stored arrays' meaning changes (2: the vote cells; 3: windows of seconds;
# 4: the per-comparison cells as a base and a delta, and the judged comparisons' histogram).
STATE_VERSION = 4
# A core's judged histogram before it is counted (scoring.state_storage.complete_core).
_NO_COVERAGE = np.zeros((0, 1), dtype=np.int64)


@dataclass(frozen=True)
class Watermark:
    """The judgments a state has folded (see ScoringState)."""

    judgments: int
    max_id: int
    id_sum: int
    last_created_at: Any  # datetime | None
    last_id: int


@dataclass(frozen=True)
class Core:
    """What a run folds: per annotator (index k = user ``annotator_ids[k]``, sorted) the
    tallies, trust and whether their votes count; the counted votes per ordered contender
    pair and outcome (``pairs``, `pair_table`); Krippendorff's coincidences of the regular
    judgments (`coincidence_tallies`); online Elo after the last counted vote; the extras'
    tallies (``cells``); the judged regular comparisons per (category, judgments)
    (``coverage``, `judged_histogram`) for the categories ``coverage_key`` names
    (scoring.state_storage.coverage_key; "" when not known yet)."""

    annotator_ids: NDArray[np.int64]
    tallies: AnnotatorTallies
    trusted: NDArray[np.bool_]
    counted: NDArray[np.bool_]
    pairs: NDArray[np.int64]
    coincidences: NDArray[np.int64]
    elo: NDArray[np.float64]
    cells: VoteCells
    watermark: Watermark
    coverage: NDArray[np.int64]
    coverage_key: str


@dataclass(frozen=True)
class CoreResult:
    core: Core
    scores: list[AnnotatorScore]
    counts: PairCounts
    alpha: float | None
    # Why the run folded everything ("" when it folded only the new judgments).
    full_reason: str


def settings_hash(
    campaign: Campaign, gold: GoldSettings, contenders: list[tuple[int, str]], version: int
) -> str:
    gold_ids, gold_sides = gold_comparisons(campaign)
    digest = hashlib.sha256(gold_ids.tobytes() + gold_sides.tobytes()).hexdigest()
    facts = [
        STATE_VERSION,
        version,
        dataclasses.astuple(gold),
        dataclasses.astuple(FlagSettings()),
        contenders,
        digest,
    ]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def finish(core: Core, scores: list[AnnotatorScore], full_reason: str) -> CoreResult:
    """The counted votes' tallies and alpha of a core: the same step after either fold."""
    return CoreResult(
        core=core,
        scores=scores,
        counts=counts_from_table(core.pairs, core.elo.size),
        alpha=alpha_of_coincidences(core.coincidences),
        full_reason=full_reason,
    )


def full_core(
    annotator_ids: NDArray[np.int64],
    tallies: AnnotatorTallies,
    gold: GoldSettings,
    scores: list[AnnotatorScore],
    votes: tuple[NDArray[np.int64], NDArray[np.float64]],
    coincidences: NDArray[np.int64],
    cells: VoteCells,
    watermark: Watermark,
) -> Core:
    """The core of every judgment: ``tallies`` of all and their ``scores``, ``votes`` every
    counted vote's `vote_tables`, ``coincidences`` every regular judgment's
    (`regular_coincidences`), ``cells`` every judgment's (`fold_vote_cells`). The caller
    reduces the votes and judgments to these first, so that their arrays (hundreds of MB at
    10M) are not alive beside the cells' fold."""
    pairs, elo = votes
    return Core(
        annotator_ids=annotator_ids,
        tallies=tallies,
        trusted=trusted_of(tallies, gold),
        counted=np.array([score.votes_count for score in scores], dtype=bool),
        pairs=pairs,
        coincidences=coincidences,
        elo=elo,
        cells=cells,
        watermark=watermark,
        coverage=_NO_COVERAGE,
        coverage_key="",
    )


def vote_tables(votes: Votes) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The counted votes (in vote order) per pair and outcome, and online Elo over them."""
    return pair_table(votes), online_elo(votes)


def regular_coincidences(
    comparison: NDArray[np.int64], verdict: NDArray[np.intp]
) -> NDArray[np.int64]:
    """Krippendorff's coincidences of the regular judgments (each one's comparison id and
    verdict)."""
    return coincidence_tallies(_verdict_table(comparison, verdict))


def fold_vote_cells(
    cells: VoteCells,
    verdict: NDArray[np.int32],
    a_on_left: NDArray[np.bool_],
    annotator: NDArray[np.intp],
    annotator_ids: NDArray[np.int64],
    place: NDArray[np.intp],
    counted: NDArray[np.bool_],
    comparisons: RegularComparisons,
) -> VoteCells:
    """``cells`` plus these judgments (their ``verdict`` and ``a_on_left`` columns, by
    annotator ``annotator``, each on regular comparison ``place``, -1 on gold; ``counted`` the
    counted votes): the same step in either fold."""
    return fold_cells(
        cells,
        annotator=annotator,
        annotator_ids=annotator_ids,
        place=place,
        comparisons=comparisons.ids,
        contender_a=comparisons.a,
        contender_b=comparisons.b,
        verdict=verdict,
        a_on_left=a_on_left,
        counted=counted,
    )


def incremental_core(
    campaign: Campaign,
    state: Core,
    facts: FingerprintFacts,
    watermark: Watermark,
    comparisons: RegularComparisons,
    gold: GoldSettings,
    reach: Reach,
    coverage_key: str,
) -> tuple[Core, list[AnnotatorScore]] | str:
    """``state`` with the judgments newer than its watermark folded in, and the scores; or
    why it cannot be (the module docstring's rules). ``reach``: the seconds' windows';
    ``coverage_key``: the run's categories (the stored histogram moves only if it is the
    state's)."""
    old = state.watermark
    ids, new = new_judgment_columns(campaign, old.max_id)
    if (facts.count, facts.id_sum) != (old.judgments + ids.size, old.id_sum + int(ids.sum())):
        return "judgments up to the watermark changed (deleted, or committed late)"
    if old.last_created_at is not None and (
        Judgment.objects.filter(campaign=campaign, pk__gt=old.max_id)
        .filter(
            Q(created_at__lt=old.last_created_at)
            | Q(created_at=old.last_created_at, pk__lt=old.last_id)
        )
        .exists()
    ):
        return "a new judgment comes before the last folded one in vote order"
    annotator_ids = np.union1d(state.annotator_ids, new.annotator_id).astype(np.int64)
    n = annotator_ids.size
    before = np.searchsorted(annotator_ids, state.annotator_ids)
    annotator = np.searchsorted(annotator_ids, new.annotator_id).astype(np.intp)
    verdict = new.verdict.astype(np.intp)
    tallies = fold_judgments(
        widen(state.tallies, before, n),
        annotator,
        verdict,
        new.a_on_left,
        new.seconds,
        new.gold.astype(np.intp),
        reach,
    )
    trusted = trusted_of(tallies, gold)
    if not np.array_equal(trusted[before], state.trusted):
        return "an annotator's trust changed"
    covered = windows_covered(campaign, tallies, annotator_ids, reach)
    if isinstance(covered, str):
        return covered
    tallies = covered
    regular = new.gold == 0
    touched = np.unique(new.comparison_id[regular])
    rows = comparison_judgments(campaign, touched)
    agreement, coincidences = _refresh_comparisons(
        tallies.agreement, state.coincidences, rows, old.max_id, annotator_ids, trusted
    )
    tallies = dataclasses.replace(tallies, agreement=agreement)
    scores = finish_scores(tallies, gold=gold)
    counted = np.array([score.votes_count for score in scores], dtype=bool)
    if not np.array_equal(counted[before], state.counted):
        return "whether an annotator's votes count changed"
    place = _regular_places(comparisons.ids, new.comparison_id, regular)
    if place is None:
        # Not seen inside one consistent read; a full run takes such judgments as gold.
        return "a new judgment's comparison is not among the regular comparisons"
    on_counted = regular & counted[annotator]
    votes = _counted_votes(new, annotator, on_counted, comparisons, state.elo.size)
    cells = fold_vote_cells(
        state.cells,
        new.verdict,
        new.a_on_left,
        annotator,
        annotator_ids,
        place,
        on_counted,
        comparisons,
    )
    coverage, known = _NO_COVERAGE, ""
    if state.coverage_key == coverage_key:
        coverage = _moved_coverage(state.coverage, rows, touched, old.max_id, comparisons)
        known = coverage_key
    core = Core(
        annotator_ids=annotator_ids,
        tallies=tallies,
        trusted=trusted,
        counted=counted,
        pairs=state.pairs + pair_table(votes),
        coincidences=coincidences,
        elo=online_elo(votes, start=state.elo),
        cells=cells,
        watermark=watermark,
        coverage=coverage,
        coverage_key=known,
    )
    return core, scores


def _moved_coverage(
    coverage: NDArray[np.int64],
    rows: dict[str, NDArray[np.int64]],
    touched: NDArray[np.int64],
    max_id: int,
    comparisons: RegularComparisons,
) -> NDArray[np.int64]:
    """The judged histogram with the ``touched`` comparisons moved from their judgments up to
    ``max_id`` to all of them (``rows``: every judgment of those comparisons, this run's
    read; every one up to ``max_id`` is folded, the watermark's check)."""
    which = np.searchsorted(touched, rows["comparison"])
    before = np.bincount(which[rows["id"] <= max_id], minlength=touched.size)
    after = np.bincount(which, minlength=touched.size)
    category = comparisons.category[np.searchsorted(comparisons.ids, touched)]
    return moved_histogram(coverage, category, before.astype(np.int64), after.astype(np.int64))


def _regular_places(
    ids: NDArray[np.int64], comparison: NDArray[np.int64], regular: NDArray[np.bool_]
) -> NDArray[np.intp] | None:
    """Each judgment's index among the regular comparisons ``ids`` (-1 where not
    ``regular``); None if a regular one's comparison is not there."""
    place = np.full(comparison.size, -1, dtype=np.intp)
    if not regular.any():
        return place
    if ids.size == 0:
        return None
    place[regular] = np.searchsorted(ids, comparison[regular]).clip(max=ids.size - 1)
    return place if np.array_equal(ids[place[regular]], comparison[regular]) else None


def _refresh_comparisons(
    agreement: AgreementTallies,
    coincidences: NDArray[np.int64],
    rows: dict[str, NDArray[np.int64]],
    max_id: int,
    annotator_ids: NDArray[np.int64],
    trusted: NDArray[np.bool_],
) -> tuple[AgreementTallies, NDArray[np.int64]]:
    """The touched comparisons' share of the agreement tallies and of the coincidences taken
    out as it was (their judgments up to ``max_id``) and put back as it is (all of them)."""
    n = annotator_ids.size
    who = np.searchsorted(annotator_ids, rows["annotator"]).astype(np.intp)
    comparison, verdict = rows["comparison"], rows["verdict"].astype(np.intp)
    earlier = rows["id"] <= max_id
    then = agreement_tallies(who[earlier], comparison[earlier], verdict[earlier], trusted, n)
    now = agreement_tallies(who, comparison, verdict, trusted, n)
    # The same units in both tables (a comparison without earlier judgments has a zero row).
    units = np.unique(comparison)
    before = coincidence_tallies(_verdict_table(comparison[earlier], verdict[earlier], units))
    after = coincidence_tallies(_verdict_table(comparison, verdict, units))
    coincidences = add_coincidences(add_coincidences(coincidences, before, -1), after)
    return agreement - then + now, coincidences


def _verdict_table(
    comparison: NDArray[np.int64],
    verdict: NDArray[np.intp],
    units: NDArray[np.int64] | None = None,
) -> NDArray[np.int64]:
    """Verdicts -2..+2 counted per comparison (rows: ``units``, or the comparisons given)."""
    if units is None:
        # A full run's 9M judgments: a table over the ids, not a sort and binary searches (8 s).
        units, place = unique_inverse(comparison)
    else:
        place = np.searchsorted(units, comparison)
    table = np.bincount(place * 5 + (verdict + 2), minlength=units.size * 5)
    return table.reshape(-1, 5).astype(np.int64)


def _counted_votes(
    new: Any,
    annotator: NDArray[np.intp],
    counted: NDArray[np.bool_],
    comparisons: RegularComparisons,
    n_contenders: int,
) -> Votes:
    if not counted.any() or n_contenders < 2:
        empty = np.empty(0, dtype=np.intp)
        return Votes(empty, empty, empty, n_contenders=n_contenders)
    place = np.searchsorted(comparisons.ids, new.comparison_id[counted])
    return Votes(
        comparisons.a[place],
        comparisons.b[place],
        outcome_from_verdict(new.verdict[counted]),
        n_contenders=n_contenders,
    )
