"""A campaign's work: importing items and votes, provisioning annotators, their scores."""

# No `from __future__ import annotations`: ninja reads the signatures at import time.

from dataclasses import asdict
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from api.access import caller, get_api_campaign
from api.errors import error_body, problem
from api.responses import answers
from api.schemas import (
    AnnotatorOut,
    Error,
    ImportRefused,
    ImportReportOut,
    ProvisionIn,
    ProvisionOut,
    Slug,
)
from campaign.imports.items import import_items
from campaign.imports.report import FileReport
from campaign.imports.votes import import_judgments
from campaign.participants.provisioning import provision_annotators
from scoring.dashboard import AnnotatorQuery, AnnotatorRow, annotator_table
from scoring.selectors import latest_snapshot

router = Router(tags=["campaign work"])

FileFormat = Literal["jsonl", "csv", "parquet"]
IMPORT_ANSWERS = answers({200: ImportReportOut, 415: Error, 422: ImportRefused})


class ImportOptions(Schema):
    dry_run: bool = False
    format: FileFormat | None = None  # the file name's extension when not given


@router.post("/{slug}/items", summary="Import items", response=IMPORT_ANSWERS)
def import_items_file(
    request: HttpRequest,
    slug: Path[Slug],
    options: Query[ImportOptions],
    file: File[UploadedFile],
) -> Any:
    """Prompts, responses and gold items from a .jsonl, .csv or .parquet `file`, as the
    `import_items` command reads them; `dry_run=true` validates and reports, writing nothing."""
    campaign = get_api_campaign(caller(request), slug)
    report = import_items(campaign, file, file_format=options.format, dry_run=options.dry_run)
    return _import_answer(report)


@router.post("/{slug}/judgments", summary="Import judgments", response=IMPORT_ANSWERS)
def import_judgments_file(
    request: HttpRequest,
    slug: Path[Slug],
    options: Query[ImportOptions],
    file: File[UploadedFile],
) -> Any:
    """Votes collected elsewhere, as the `import_judgments` command reads them."""
    campaign = get_api_campaign(caller(request), slug)
    report = import_judgments(campaign, file, file_format=options.format, dry_run=options.dry_run)
    return _import_answer(report)


def _import_answer(report: FileReport) -> Any:
    if not report.ok:
        lines = [problem(item.message, line=item.line) for item in report.errors]
        body = error_body(report.summary(), lines)
        return JsonResponse({**body, "errors_not_listed": report.errors_not_listed}, status=422)
    counts = {
        name: value
        for name, value in asdict(report).items()
        if name not in ("errors", "errors_not_listed")
    }
    return {**counts, "ok": True, "summary": report.summary()}


@router.post(
    "/{slug}/annotators", summary="Provision annotators", response=answers({201: ProvisionOut})
)
def provision(
    request: HttpRequest, response: HttpResponse, slug: Path[Slug], payload: ProvisionIn
) -> Any:
    """`count` new annotator accounts enrolled in the campaign. Their passwords are in this
    response only (only hashes are stored): keep them now."""
    campaign = get_api_campaign(caller(request), slug)
    credentials = provision_annotators(campaign=campaign, count=payload.count)
    response["Cache-Control"] = "no-store"  # the only copy of the passwords: keep it nowhere
    return Status(201, {"campaign": campaign.slug, "credentials": [asdict(c) for c in credentials]})


class AnnotatorFilters(Schema):
    flagged: bool = False
    untrusted: bool = False


@router.get(
    "/{slug}/annotators",
    summary="Annotators' scores and flags",
    response=answers({200: list[AnnotatorOut]}),
)
@paginate(LimitOffsetPagination)
def annotators(
    request: HttpRequest, slug: Path[Slug], filters: Query[AnnotatorFilters]
) -> list[AnnotatorRow]:
    """Each annotator's scores and flags from the latest snapshot, most judgments first;
    `flagged` and `untrusted` keep only those (both: only those who are both)."""
    campaign = get_api_campaign(caller(request), slug)
    snapshot = latest_snapshot(campaign)
    shows = [show for show in ("flagged", "untrusted") if getattr(filters, show)] or ["all"]
    tables = [annotator_table(snapshot, AnnotatorQuery(show=show)) for show in shows]
    kept = set.intersection(*({row.user_id for row in table.rows} for table in tables))
    return [row for row in tables[0].rows if row.user_id in kept]
