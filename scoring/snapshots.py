"""Scoring a campaign: its judgments in, one stored Snapshot out (PRODUCT.md "Scoring").

`compute_snapshot` reads everything it needs in one consistent read (scoring.campaign_data),
runs the pure numerics outside any transaction, and stores the result in one INSERT at the
very end, so a run that dies half-way leaves nothing behind. A run whose fingerprint (the
judgments' count, largest id and id sum, plus every setting that changes the scores) equals
the latest snapshot's stores nothing: retries and repeated beat runs are free of effect.

Jobs, the recompute button and `manage.py score_campaign` reach it through scoring.jobs,
which adds the per-campaign lock; nothing here knows about Celery or Redis.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from campaign.models import Campaign
from campaign.participants.trust import campaign_has_gold
from config.memory import release_freed_memory
from scoring.campaign_data import (
    FingerprintFacts,
    consistent_reads,
    fingerprint_facts,
)
from scoring.comparison_cache import (
    ComparisonFacts,
    comparison_facts,
    run_comparisons,
    store_comparisons,
    with_style,
)
from scoring.extras import ScoringRun, compute_extras, extras_to_fit, read_extras, row_dict
from scoring.extras_schedule import (
    ExtrasMark,
    carried_extras,
    extras_due,
    extras_key,
    latest_marks,
    pending,
)
from scoring.full_core import full_core_of
from scoring.incremental import (
    Core,
    finish,
    incremental_core,
    settings_hash,
)
from scoring.judgment_reads import start_judgment_columns
from scoring.models import Snapshot
from scoring.numerics.annotators import (
    AnnotatorScore,
    GoldSettings,
)
from scoring.numerics.flags import AT_CHANCE, GOLD_SPOTTER
from scoring.numerics.participants import rank_participants
from scoring.numerics.ratings import ContenderRating, pairwise_matrices, rate_contenders
from scoring.numerics.tallies import Reach
from scoring.numerics.votes import (
    PairCounts,
)
from scoring.publication import is_publication
from scoring.shared_reads import shared_reads
from scoring.state_storage import (
    complete_core,
    coverage_key,
    load_state,
    save_state,
    watermark_of,
)

logger = logging.getLogger(__name__)

# Bump when the same data and settings would now give different scores (a numerics change),
# so the next run stores a fresh snapshot instead of keeping the old one.
SCORING_VERSION = 6  # 2: campaigns without gold count every vote; gold spotters; 3: spotter
# rule against chance agreement, untrusted annotators vouched for by agreement, crowd_bt view;
# 4: Bradley-Terry fits stop once the next Newton step is predicted below tolerance (ratings
# move by at most ~1e-7 Elo); 5: `at_chance` annotators' votes left out, the spotter rule's
# bar raised to the crowd's typical agreement; 6: the extras from tallies (the style view's
# covariate scale weighed per comparison: the last bits of its figures move)
SEED = 0  # the bootstrap's seed: the same data gives the same intervals


def compute_snapshot(
    campaign: Campaign,
    *,
    rounds: int | None = None,
    full: bool = False,
    extras: bool | None = None,
) -> Snapshot | None:
    """Score the campaign and store the snapshot; None if the latest one already says it all.

    Works for any campaign: without judgments, contenders or trusted annotators the snapshot
    simply has empty or neutral rows (every contender at the mean rating, no participants);
    its ``rated_judgments`` 0 tells pages to show why instead of a ranking.

    The core (annotator scores, counted votes, online Elo, alpha, the extras' vote cells)
    folds only the judgments newer than the stored state's watermark when it can
    (scoring.incremental), and all of them when ``full`` or when folding could differ from a
    full run; the same result either way. Only a full run reads every judgment.

    The extras (views and analyses) are refitted when due and otherwise carried forward from
    the latest snapshot (scoring.extras_schedule; ``extras`` True always refits them, False
    carries them whenever there are some).
    """
    rounds = settings.SCORING_BOOTSTRAP_ROUNDS if rounds is None else rounds
    clock = _Stopwatch()
    with consistent_reads():
        computed_at = timezone.now()
        contenders = list(campaign.contenders.order_by("name").values_list("pk", "name"))
        contender_ids = [pk for pk, _name in contenders]
        facts = fingerprint_facts(campaign)
        items = comparison_facts(campaign)
        gold = gold_settings(campaign)
        fingerprint = _fingerprint(facts, items, gold, contenders, rounds)
        latest = latest_marks(campaign)
        key = extras_key(
            SCORING_VERSION,
            dataclasses.astuple(items),
            dataclasses.astuple(gold),
            contenders,
            rounds,
        )
        due = extras_due(
            campaign, latest, key=key, judgments=facts.count, now=computed_at, asked=full or extras
        )
        # Nothing new, or nothing but extras that are not due yet.
        if (
            latest is not None
            and latest.fingerprint in (fingerprint, pending(fingerprint))
            and (latest.fingerprint == fingerprint or not due)
        ):
            return None
        state_key = settings_hash(campaign, gold, contenders, SCORING_VERSION)
        watermark = watermark_of(campaign, facts)
        clock.lap("fingerprint")
        state = None if full else load_state(campaign, state_key)
        with shared_reads(facts.count) as reads:
            # A run that must fold every judgment starts reading them now, beside the
            # comparisons' reads (scoring.shared_reads).
            judgments = None if isinstance(state, Core) else start_judgment_columns(campaign, reads)
            read = run_comparisons(campaign, contender_ids, items, full=full, reads=reads)
            comparisons = read.comparisons
            clock.lap("comparisons")
            covered = coverage_key(read.key, comparisons.categories)
            if isinstance(state, Core):
                folded = incremental_core(
                    campaign, state, facts, watermark, comparisons, gold, seconds_reach(), covered
                )
            else:
                folded = "a full run was asked for" if state is None else state
            if isinstance(folded, str):
                reason = folded
                # Handed over in a list, no reference kept here: the fold frees each column
                # after its last use (peak RSS).
                loaded = [(judgments or start_judgment_columns(campaign, reads))()]
        if isinstance(folded, str):
            # A full run's phases each free hundreds of MB in pieces the next one's arrays
            # do not fit: the free pages go back after the load and after the fold
            # (config.memory; peak RSS). Not before the load: it fills them again, and a
            # page given back costs a fault to take again.
            release_freed_memory()
            clock.lap("judgment_load")
            folded = full_core_of(
                loaded.pop(), comparisons, gold, watermark, len(contender_ids), seconds_reach()
            )
            release_freed_memory()
        else:
            reason = ""
        result = finish(*folded, reason)
        scores, counts = result.scores, result.counts
        annotator_ids = result.core.annotator_ids
        clock.lap("annotator_scores_and_votes")
        handles = dict(
            User.objects.filter(pk__in=annotator_ids.tolist()).values_list("pk", "handle")
        )
        if reason and not due:
            due = "every judgment was folded"
        fitted = extras_to_fit(all_of_them=bool(due))
        # Only the extras fitted when due read the sparse vote cells (Extra.every_run).
        merged_cells = any(not extra.every_run for extra in fitted)
        core = complete_core(campaign, result.core, comparisons, covered, merged_cells=merged_cells)
        clock.lap("comparison_cells")
        if any(extra.needs_style for extra in fitted):
            read = with_style(campaign, read)
            comparisons = read.comparisons
        extra_facts = read_extras(campaign, contender_ids, fitted)
        # Not due: there is a latest snapshot with a mark (extras_due).
        carried = None if due or latest is None else carried_extras(latest)
        clock.lap("extra_reads")
    names = [name for _pk, name in contenders]
    ratings = rate_contenders(names, counts, rounds=rounds, seed=SEED, online=core.elo)
    clock.lap("ratings")
    alpha = result.alpha
    annotator_handles = [handles.get(int(pk), "") for pk in annotator_ids]
    participants = rank_participants(annotator_handles, scores)
    run = ScoringRun(
        campaign=campaign,
        names=names,
        contender_ids=contender_ids,
        annotator_ids=annotator_ids,
        scores=scores,
        tallies=core.tallies,
        cells=core.cells,
        coverage=core.coverage,
        comparisons=comparisons,
        counts=counts,
        ratings=ratings,
        rounds=rounds,
        seed=SEED,
    )
    views, analysis, failed_extras = compute_extras(run, extra_facts, clock.lap)
    if carried is None:
        mark = ExtrasMark(facts.count, computed_at, key).as_json()
    else:
        fresh = [extra.name for extra in fitted]
        views, analysis, failed_extras = carried.with_fresh(fresh, views, analysis, failed_extras)
        mark, fingerprint = carried.mark, pending(fingerprint)
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            campaign=campaign,
            computed_at=computed_at,
            judgments=facts.count,
            rated_judgments=int(counts.a_wins.sum() + counts.ties.sum() + counts.b_wins.sum()),
            fingerprint=fingerprint,
            contenders=[row_dict(row) for row in ratings],
            participants=[row_dict(row) for row in participants],
            annotators=snapshot_annotator_rows(annotator_ids.tolist(), annotator_handles, scores),
            matrices=_matrices(names, ratings, counts),
            views=views,
            analysis=analysis,
            published=is_publication(campaign=campaign, judgments=facts.count),
            stats={
                "version": SCORING_VERSION,
                "rounds": rounds,
                "seed": SEED,
                "alpha": alpha,
                "annotators": len(scores),
                # False: a campaign without gold; nobody vetted, every vote counted.
                "vetted": gold.has_gold,
                "trusted_annotators": sum(score.trusted is True for score in scores),
                "counted_annotators": sum(score.votes_count for score in scores),
                "gold_spotters": sum(GOLD_SPOTTER in score.flags for score in scores),
                "at_chance": sum(AT_CHANCE in score.flags for score in scores),
                "gold_judgments": int(core.tallies.gold_seen.sum()),
                # The newest judgment scored: pages count the unscored ones from it
                # (scoring.selectors.scoring_lag).
                "max_judgment_id": facts.max_id,
                # Why the core folded every judgment; "" when only the new ones
                # (scoring.incremental).
                "full_reason": reason,
                # How the regular comparisons were read (scoring.comparison_cache).
                "comparisons_read": read.read,
                # Extras whose fit failed on this data, and why (scoring.extras).
                "failed_extras": failed_extras,
                # The judgments the views and analyses were fitted on, and why this run
                # refitted them ("": carried from an earlier snapshot;
                # scoring.extras_schedule).
                "extras": mark,
                "extras_refit": due,
                "seconds": round(clock.total(), 3),
                "timings": clock.laps,
            },
        )
        save_state(campaign, state_key, core)
        store_comparisons(campaign, read)
    logger.info(
        "Scored campaign %s: %s judgments (%s rated) in %.2f s",
        campaign.slug,
        snapshot.judgments,
        snapshot.rated_judgments,
        clock.total(),
    )
    return snapshot


def gold_settings(campaign: Campaign) -> GoldSettings:
    """The campaign's settings the annotator scores depend on, gold present or not."""
    return GoldSettings(
        min_gold_seen=campaign.min_gold_seen,
        min_gold_accuracy=campaign.min_gold_accuracy,
        has_gold=campaign_has_gold(campaign),
        exclude_gold_spotters=campaign.exclude_gold_spotters,
    )


def _fingerprint(
    facts: FingerprintFacts,
    items: ComparisonFacts,
    gold: GoldSettings,
    contenders: list[tuple[int, str]],
    rounds: int,
) -> str:
    scored = [
        SCORING_VERSION,
        # New items change the coverage tally the run stores (scoring.coverage), not only
        # new judgments; an edited one may change a view.
        dataclasses.astuple(items),
        facts.count,
        facts.max_id,
        facts.id_sum,
        dataclasses.astuple(gold),
        contenders,
        rounds,
        SEED,
    ]
    return hashlib.sha256(json.dumps(scored).encode()).hexdigest()


def seconds_reach() -> Reach:
    """How many timed seconds the state keeps either side of each median (settings)."""
    annotator, campaign = settings.SCORING_SECONDS_REACH
    return Reach(annotator=annotator, campaign=campaign)


def snapshot_annotator_rows(
    user_ids: Sequence[int], handles: Sequence[str], scores: Sequence[AnnotatorScore]
) -> list[dict[str, Any]]:
    """The snapshot's ``annotators`` column: ``scores[k]`` of user ``user_ids[k]``."""
    rows = []
    for pk, handle, score in zip(user_ids, handles, scores, strict=True):
        row = row_dict(score)
        del row["annotator"]  # an index of this run only; user_id names the person
        row.update(user_id=int(pk), handle=handle, flags=list(score.flags))
        rows.append(row)
    return rows


def _matrices(
    names: list[str], ratings: list[ContenderRating], counts: PairCounts
) -> dict[str, Any]:
    """Vote and win-rate matrices with rows and columns in leaderboard order."""
    tables = pairwise_matrices(counts)
    order = [names.index(row.name) for row in ratings]
    return {
        "names": [row.name for row in ratings],
        "votes": tables.votes[np.ix_(order, order)].tolist(),
        "win_rate": tables.win_rate[np.ix_(order, order)].round(4).tolist(),
    }


class _Stopwatch:
    """Seconds per step of a run, kept in the snapshot's stats for benches and operators."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 4)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start
