"""The vote import: judgments collected elsewhere, one row per vote, in file order, all or nothing.

PRODUCT.md "Import format", last paragraph. Each row names an ``annotator``, a ``prompt`` id,
``model_a``, ``model_b`` and a ``winner``, optionally ``created_at`` and the texts
``prompt_text``, ``response_a``, ``response_b``. Rules chosen here:

* Winners and column names are campaign.imports.verdicts' (``a`` → -1, ``tie`` → 0, ``b`` → +1,
  an integer -2…+2 as is; Chatbot Arena's battles as they come). Verdicts are stored relative
  to the comparison's own a/b: when the file names a stored comparison with its sides
  swapped, the verdict is negated.
* Order: ids follow file order; ``created_at`` is the file's (ISO 8601, naive means UTC) or, when
  absent, the import's start time plus the line number in microseconds. Without file timestamps
  (or with non-decreasing ones), ordering by (created_at, id) reproduces the file (online Elo).
* Annotators become login-less accounts per campaign, username ``imported+<slug>+<annotator>``,
  ``is_imported``, an unusable password and a generated handle, enrolled in the campaign.
* The first line naming a missing prompt, response or comparison creates it (texts empty when
  the line gives none; the comparison takes that line's a/b order). A text given later must
  equal the one stored or created, and one annotator judges one comparison at most once.

The run is campaign.imports.pipeline's, like the item import's: one pass validates and plans
the whole file (campaign.imports.vote_planning) under one transaction holding the campaign,
nothing committed unless the whole file is good. On PostgreSQL that pass also COPYs each
planned batch while the next is checked (campaign.imports.vote_spool); a bad line rolls back
what was stored. SQLite has no COPY: there a second pass plans again and writes batch by batch
with bulk inserts.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from campaign.events import judgments_recorded
from campaign.imports.files import count_rows, source_format
from campaign.imports.pipeline import Batches, run_import
from campaign.imports.report import FileReport, ProgressCallback
from campaign.imports.vote_planning import BatchPlan, Planner
from campaign.imports.vote_rows import validate_vote
from campaign.imports.vote_spool import VoteSpool, imported_accounts
from campaign.imports.writing import IdBlocks, ids_by_load, insert_rows
from campaign.models import Campaign, Comparison, Contender, Judgment, Prompt, Response
from campaign.participants.progress import add_judged

BATCH_SIZE = 2000


@dataclass
class JudgmentImportReport(FileReport):
    """The shared line report plus the votes and the annotators the import creates."""

    judgments_created: int = 0
    annotators_created: int = 0

    def created(self) -> str:
        return (
            f"{self.judgments_created} judgments by {self.annotators_created} new imported "
            f"annotators, {self.prompts_created} prompts, {self.responses_created} responses, "
            f"{self.comparisons_created} comparisons, {self.contenders_created} contenders"
        )


def import_judgments(
    campaign: Campaign,
    source: Path | IO[bytes],
    *,
    file_format: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> JudgmentImportReport:
    """Validate every vote in the file, then (unless ``dry_run`` or any error) write them all."""
    spooling = not dry_run and copies()
    rows = functools.partial(count_rows, source, source_format(source, file_format))
    return run_import(
        campaign,
        source,
        begin=lambda: _VoteImport(campaign, spooling=spooling, rows=rows, progress=progress),
        report=JudgmentImportReport(dry_run=dry_run),
        file_format=file_format,
        progress=progress,
    )


def copies() -> bool:
    """Whether the database takes COPY (PostgreSQL): the one-pass write."""
    return connection.vendor == "postgresql"


class _VoteImport:
    """The vote import's part of the shared run (campaign.imports.pipeline.FileImport)."""

    batch_size = BATCH_SIZE
    validate = staticmethod(validate_vote)

    def __init__(
        self,
        campaign: Campaign,
        *,
        spooling: bool,
        rows: Callable[[], int],
        progress: ProgressCallback | None,
    ) -> None:
        self.campaign = campaign
        self.progress = progress
        self.start = timezone.now()
        self.rows = rows
        self.rows_counted: int | None = None
        ids = IdBlocks() if spooling else None
        self.planner = Planner(campaign, ids)
        self.spool = (
            None if ids is None else VoteSpool(campaign, ids, default_start=self._default_start)
        )

    def _default_start(self) -> datetime.datetime:
        """Where default timestamps start: they end at the start of the import, one microsecond
        a line, so this needs the file's number of rows before it is read through."""
        if self.rows_counted is None:
            self.rows_counted = self.rows()
        return self.start - datetime.timedelta(microseconds=self.rows_counted)

    def check(self, batch: list, report: JudgmentImportReport) -> None:
        plan = self.planner.plan(batch, report)
        # Once a line is bad nothing will be committed: stop storing.
        if self.spool is not None and report.ok:
            self.spool.add(plan, self.planner)

    def write(self, batches: Batches, report: JudgmentImportReport) -> None:
        if self.spool is not None:
            judged = self.spool.finish()
            if self.rows_counted not in (None, report.lines):  # pragma: no cover - a bug
                raise RuntimeError(f"counted {self.rows_counted} rows, read {report.lines}")
            if self.progress:
                self.progress("writing", report.lines)
        else:
            start = self.start - datetime.timedelta(microseconds=report.lines)
            planner = Planner(self.campaign)
            writer = _Writer(self.campaign, start)
            for batch in batches():
                check = JudgmentImportReport()
                plan = planner.plan(batch, check)
                if not check.ok:  # pragma: no cover - the campaign is locked: only a bug gets here
                    raise RuntimeError(f"vote import changed under its feet: {check.errors[:3]}")
                writer.write(plan)
            judged = {writer.annotator_ids[name]: n for name, n in writer.judged.items()}
        # Imported votes bypass the annotate services that keep the counters.
        add_judged(campaign=self.campaign, judged=judged)
        # Scored after the commit, like judgments made here (debounced with them).
        campaign_id = self.campaign.pk
        transaction.on_commit(lambda: judgments_recorded(campaign_id))

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()


class _Writer:
    """Turns a batch plan into rows: a fixed number of statements per batch, whatever its size."""

    def __init__(self, campaign: Campaign, start: datetime.datetime) -> None:
        self.campaign = campaign
        self.start = start  # of the default timestamps
        self.contender_ids = dict(campaign.contenders.values_list("name", "id"))
        self.annotator_ids: dict[str, int] = {}
        self.judged: Counter[str] = Counter()  # annotator name -> votes written

    def write(self, plan: BatchPlan) -> None:
        if plan.contenders:
            Contender.objects.bulk_create(
                [Contender(campaign=self.campaign, name=name) for name in sorted(plan.contenders)]
            )
            self.contender_ids = dict(self.campaign.contenders.values_list("name", "id"))
        self._create_annotators(plan.annotators)
        self.annotator_ids |= plan.annotator_ids
        self.judged.update(vote.annotator for vote in plan.votes)
        prompt_ids = self._create_prompts(plan, {vote.prompt_id for vote in plan.votes})
        response_ids = self._create_responses(plan, prompt_ids)
        comparison_ids = self._create_comparisons(plan, prompt_ids, response_ids)
        judgments = []
        regular: Counter[int] = Counter()
        for vote in plan.votes:
            comparison_id = comparison_ids[(vote.prompt_id, vote.model_a, vote.model_b)]
            if not vote.gold_side:
                regular[comparison_id] += 1
            judgments.append(
                Judgment.build(
                    campaign_id=self.campaign.pk,
                    comparison_id=comparison_id,
                    gold_side=vote.gold_side,
                    annotator_id=self.annotator_ids[vote.annotator],
                    verdict=vote.verdict,
                    created_at=vote.created_at
                    or self.start + datetime.timedelta(microseconds=vote.line),
                )
            )
        Judgment.objects.bulk_create(judgments)
        # Comparison.load counts the judgments of regular comparisons
        # (campaign.annotate.assignment).
        for count, ids in ids_by_load(regular.items()).items():
            Comparison.objects.filter(pk__in=ids).update(load=F("load") + count)

    def _create_annotators(self, names: list[str]) -> None:
        self.annotator_ids |= imported_accounts(self.campaign, names)

    def _create_prompts(self, plan: BatchPlan, needed: set[str]) -> dict[str, int]:
        insert_rows(
            Prompt,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "external_id": prompt_id,
                    "text": text,
                    "category": "",
                }
                for prompt_id, text in plan.prompts.items()
            ],
        )
        return dict(
            Prompt.objects.filter(campaign=self.campaign, external_id__in=needed).values_list(
                "external_id", "id"
            )
        )

    def _create_responses(
        self, plan: BatchPlan, prompt_ids: dict[str, int]
    ) -> dict[tuple[int, int], int]:
        insert_rows(
            Response,
            [
                {
                    "prompt_id": prompt_ids[prompt_id],
                    "campaign_id": self.campaign.pk,
                    "contender_id": self.contender_ids[model],
                    "text": text,
                }
                for (prompt_id, model), text in plan.responses.items()
            ],
        )
        responses = Response.objects.filter(prompt_id__in=prompt_ids.values())
        return {
            (prompt_id, contender_id): pk
            for pk, prompt_id, contender_id in responses.values_list(
                "id", "prompt_id", "contender_id"
            )
        }

    def _create_comparisons(
        self,
        plan: BatchPlan,
        prompt_ids: dict[str, int],
        response_ids: dict[tuple[int, int], int],
    ) -> dict[tuple[str, str, str], int]:
        def response_id(prompt_id: str, model: str) -> int:
            return response_ids[(prompt_ids[prompt_id], self.contender_ids[model])]

        insert_rows(
            Comparison,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "prompt_id": prompt_ids[prompt_id],
                    "response_a_id": response_id(prompt_id, model_a),
                    "response_b_id": response_id(prompt_id, model_b),
                    "gold_side": "",
                }
                for prompt_id, model_a, model_b, _comparison in plan.comparisons
            ],
        )
        external_ids = {pk: prompt_id for prompt_id, pk in prompt_ids.items()}
        comparisons = Comparison.objects.filter(prompt_id__in=external_ids).values_list(
            "id", "prompt_id", "response_a__contender__name", "response_b__contender__name"
        )
        return {
            (external_ids[prompt_id], model_a, model_b): pk
            for pk, prompt_id, model_a, model_b in comparisons
        }
