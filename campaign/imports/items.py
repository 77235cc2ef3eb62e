"""The item import service: prompts, responses and comparisons from a file, all or nothing.

The run is campaign.imports.pipeline's: one pass validates and plans every row
(campaign.imports.item_planning), nothing is committed unless the whole file is good. On
PostgreSQL that pass also gives the planned rows their ids and hands each batch's COPY data to
a thread that stores it while the next batch is checked (campaign.imports.copy_behind), so
Python and the database work at the same time; a bad line rolls back what was stored. SQLite
has no COPY: there a second pass re-plans and bulk-inserts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.db import connection

from campaign.imports.copy_behind import Batch, CopyBehind
from campaign.imports.item_planning import BatchPlan, Planner
from campaign.imports.pipeline import Batches, run_import
from campaign.imports.report import FileReport, ProgressCallback
from campaign.imports.validation import ItemRecord, validate_item
from campaign.imports.writing import CopyTable, IdBlocks, copy_text, copy_value, insert_rows
from campaign.models import (
    Campaign,
    Comparison,
    Contender,
    Prompt,
    Response,
    random_shuffle_keys,
)

BATCH_SIZE = 1000

__all__ = ["ImportReport", "ProgressCallback", "import_items"]


@dataclass
class ImportReport(FileReport):
    """The item import's report: the shared line report plus gold and unchanged lines."""

    lines_unchanged: int = 0
    gold_created: int = 0

    def created(self) -> str:
        return (
            f"{self.prompts_created} prompts, {self.responses_created} responses, "
            f"{self.comparisons_created} comparisons ({self.gold_created} gold), "
            f"{self.contenders_created} contenders; "
            f"{self.lines_unchanged} lines were already imported"
        )


def import_items(
    campaign: Campaign,
    source: Path | IO[bytes],
    *,
    file_format: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Validate the whole file, then (unless ``dry_run`` or any error) write it atomically."""
    spooling = not dry_run and connection.vendor == "postgresql"
    return run_import(
        campaign,
        source,
        begin=lambda: _ItemImport(campaign, spooling=spooling, progress=progress),
        report=ImportReport(dry_run=dry_run),
        file_format=file_format,
        progress=progress,
    )


class _ItemImport:
    """The item import's part of the shared run (campaign.imports.pipeline.FileImport)."""

    batch_size = BATCH_SIZE

    def __init__(
        self, campaign: Campaign, *, spooling: bool, progress: ProgressCallback | None
    ) -> None:
        self.campaign = campaign
        self.progress = progress
        # Ids drawn on a connection of their own: on the import's, each draw waited for the
        # COPY in progress (~0.7 s of the checking thread at 100,000 lines).
        self.ids = IdBlocks() if spooling else None
        self.planner = Planner(campaign, self.ids)
        self.spool = _Spool(campaign) if spooling else None
        self.copying = CopyBehind() if spooling else None

    validate = staticmethod(validate_item)

    def check(self, batch: list[ItemRecord], report: ImportReport) -> None:
        # Once a line is bad nothing will be committed: stop drawing ids and storing.
        spooling = self.spool is not None and report.ok
        plan = self.planner.plan(batch, report, draw_ids=spooling)
        if self.spool is not None and self.copying is not None and spooling and report.ok:
            self.copying.put(self.spool.batch(plan, self.planner.contenders))

    def write(self, batches: Batches, report: ImportReport) -> None:
        if self.copying is not None:
            self.copying.finish()
            if self.progress:
                self.progress("writing", report.lines)
            return
        planner = Planner(self.campaign)
        writer = _Writer(self.campaign)
        for batch in batches():
            writer.write(planner.plan(batch, None, draw_ids=False))

    def close(self) -> None:
        try:
            if self.copying is not None:
                self.copying.finish()
        finally:
            if self.ids is not None:
                self.ids.close()


class _Spool:
    """PostgreSQL writes: one batch's planned rows of the four tables, as COPY data."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign_pk = campaign.pk
        self.contenders = CopyTable(Contender, ("campaign_id", "name"))
        self.prompts = CopyTable(
            Prompt, ("campaign_id", "external_id", "text", "category", "metadata")
        )
        self.responses = CopyTable(Response, ("prompt_id", "campaign_id", "contender_id", "text"))
        # The shuffle keys are given, drawn for the whole batch at once (random_shuffle_keys).
        self.comparisons = CopyTable(
            Comparison,
            ("campaign_id", "prompt_id", "response_a_id", "response_b_id", "gold_side", "shuffle"),
            with_id=False,
        )
        metadata_field = Prompt._meta.get_field("metadata")
        self.metadata_text = functools.partial(copy_value, metadata_field)

    def batch(self, plan: BatchPlan, contender_pks: dict[str, int | None]) -> Batch:
        """The batch's COPY statements and data, in the order their keys need."""
        campaign = self.campaign_pk
        prompt_pks = plan.prompt_pks
        response_pks = plan.response_pks
        metadata_text = self.metadata_text
        contenders = self.contenders.encode(
            f"{contender_pks[name]}\t{campaign}\t{copy_text(name)}" for name in plan.contenders
        )
        prompts = self.prompts.encode(
            f"{prompt_pks[record.prompt_id]}\t{campaign}\t{copy_text(record.prompt_id)}\t"
            f"{copy_text(record.prompt)}\t{copy_text(record.category)}\t"
            # Most prompts have no metadata: "{}" is what the JSON encoder writes for it.
            f"{metadata_text(record.metadata) if record.metadata else '{}'}"
            for record in plan.prompts
        )
        responses = self.responses.encode(
            f"{response_pks[(prompt_id, model)]}\t{prompt_pks[prompt_id]}\t{campaign}\t"
            f"{contender_pks[model]}\t{copy_text(text)}"
            for prompt_id, model, text in plan.responses
        )
        comparisons = self.comparisons.encode(
            f"{campaign}\t{prompt_pks[prompt_id]}\t{response_pks[(prompt_id, a)]}\t"
            f"{response_pks[(prompt_id, b)]}\t{gold}\t{shuffle}"
            for (prompt_id, a, b, gold), shuffle in zip(
                plan.comparisons, random_shuffle_keys(len(plan.comparisons)), strict=True
            )
        )
        return [
            (self.contenders.statement, contenders),
            (self.prompts.statement, prompts),
            (self.responses.statement, responses),
            (self.comparisons.statement, comparisons),
        ]


class _Writer:
    """SQLite writes: planned names turned into rows with bulk inserts, batch by batch."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.contender_ids = dict(campaign.contenders.values_list("name", "id"))

    def write(self, plan: BatchPlan) -> None:
        if plan.contenders:
            Contender.objects.bulk_create(
                [Contender(campaign=self.campaign, name=name) for name in sorted(plan.contenders)]
            )
            self.contender_ids = dict(self.campaign.contenders.values_list("name", "id"))
        new_prompt_ids = insert_rows(
            Prompt,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "external_id": record.prompt_id,
                    "text": record.prompt,
                    "category": record.category,
                    "metadata": record.metadata,
                }
                for record in plan.prompts
            ],
        )
        prompt_ids = {
            record.prompt_id: pk for record, pk in zip(plan.prompts, new_prompt_ids, strict=True)
        }
        needed = {prompt_id for prompt_id, _model, _text in plan.responses}
        needed |= {comparison[0] for comparison in plan.comparisons}
        if needed - prompt_ids.keys():
            prompt_ids |= dict(
                Prompt.objects.filter(
                    campaign=self.campaign, external_id__in=needed - prompt_ids.keys()
                ).values_list("external_id", "id")
            )
        response_rows = [
            {
                "prompt_id": prompt_ids[prompt_id],
                "campaign_id": self.campaign.pk,
                "contender_id": self.contender_ids[model],
                "text": text,
            }
            for prompt_id, model, text in plan.responses
        ]
        new_response_ids = insert_rows(Response, response_rows)
        response_ids = {
            (row["prompt_id"], row["contender_id"]): pk
            for row, pk in zip(response_rows, new_response_ids, strict=True)
        }
        wanted = {
            (prompt_ids[prompt_id], self.contender_ids[model])
            for prompt_id, a, b, _gold in plan.comparisons
            for model in (a, b)
        }
        unresolved_prompts = {prompt for prompt, _contender in wanted - response_ids.keys()}
        if unresolved_prompts:
            response_ids |= {
                (prompt_id, contender_id): pk
                for pk, prompt_id, contender_id in Response.objects.filter(
                    prompt_id__in=unresolved_prompts
                ).values_list("id", "prompt_id", "contender_id")
            }
        insert_rows(
            Comparison,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "prompt_id": prompt_ids[prompt_id],
                    "response_a_id": response_ids[(prompt_ids[prompt_id], self.contender_ids[a])],
                    "response_b_id": response_ids[(prompt_ids[prompt_id], self.contender_ids[b])],
                    "gold_side": gold,
                }
                for prompt_id, a, b, gold in plan.comparisons
            ],
        )
