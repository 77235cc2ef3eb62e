"""The run every file import shares: lock, validate the whole file, then write it or nothing.

One pass validates every row (format, consistency within the file, conflicts with what is
stored) and plans what would change, under one transaction that holds the campaign. Nothing is
committed unless that pass has found no error (an import may store batches as it goes, in the
transaction: a bad line rolls them back); a dry run stops there. Each import (items, votes)
brings its own ``FileImport``: how a row is validated, how a batch is planned, how the plan is
written (campaign.imports.writing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol, TypeVar

from django.db import transaction

from campaign.imports.files import source_format, validated_batches
from campaign.imports.report import FileReport, ProgressCallback
from campaign.models import Campaign
from campaign.rendered_texts import texts_imported
from campaign.services import lock_campaign_for_import

Report = TypeVar("Report", bound=FileReport)
ReportIn = TypeVar("ReportIn", bound=FileReport, contravariant=True)  # FileImport only takes one
Batches = Callable[[], Iterator[list[Any]]]


class FileImport(Protocol[ReportIn]):
    """One import's own part, made once the campaign is locked (so its reads are stable)."""

    batch_size: int

    def validate(self, line: int, data: dict[str, Any], *, max_chars: int) -> Any:
        """One row as a record, or the list of every reason it is bad (no database)."""
        ...

    def check(self, batch: list[Any], report: ReportIn) -> None:
        """Plan a batch of valid rows against the campaign and earlier lines; report problems."""
        ...

    def write(self, batches: Batches, report: ReportIn) -> None:
        """Write what the checks planned; ``batches()`` reads the file's valid rows again."""
        ...

    def close(self) -> None:
        """Release what the import holds (its COPY thread, its id connection), written or
        not."""
        ...


def run_import(
    campaign: Campaign,
    source: Path | IO[bytes],
    *,
    begin: Callable[[], FileImport[Report]],
    report: Report,
    file_format: str | None,
    progress: ProgressCallback | None,
) -> Report:
    """Validate the whole file, then (unless a dry run or any error) write it atomically."""
    file_format = source_format(source, file_format)
    with transaction.atomic():
        lock_campaign_for_import(campaign)
        job = begin()

        def batches(into: Report | None, phase: str) -> Iterator[list[Any]]:
            # Without a report (the second pass over a file already validated) reasons drop.
            return validated_batches(
                source, file_format, job.validate, job.batch_size, into, progress, phase
            )

        try:
            for batch in batches(report, "validating"):
                job.check(batch, report)
            report.sort_errors()
            if not report.ok or report.dry_run:
                # An import may store batches while it checks the next (items on PostgreSQL,
                # campaign.imports.copy_behind): a bad line takes them back.
                transaction.set_rollback(True)
                return report
            job.write(lambda: batches(None, "writing"), report)
            report.written = True
            campaign_id = campaign.pk
            transaction.on_commit(lambda: texts_imported(campaign_id))
        finally:
            job.close()
    return report
