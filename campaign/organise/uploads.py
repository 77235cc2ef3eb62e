"""Import files uploaded from the organiser pages: stored, dry-run, then imported on confirm.

An upload goes ``checking`` (its dry run is queued or running) → ``checked`` (the report is in)
→ ``importing`` (the organiser confirmed) → ``done`` (the import's report is in) or ``failed``.
Both runs are the import services the commands and the API call (campaign.imports), on the
same stored file, so what the organiser confirmed is what gets imported.

The file is kept under the upload's random key in ``IMPORT_UPLOAD_DIR``, never under a name
from the browser, and only as long as it can still be confirmed. With a broker both runs are
Celery tasks, so a large file's import outlives the request and reports its progress through
the cache, which the page polls; the upload directory must then be shared with the workers.
Without one (the embedded demo) they run in the request, as the scoring jobs do.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from campaign.exceptions import CampaignError, UploadRefused
from campaign.imports.files import detect_format
from campaign.imports.items import ImportReport, import_items
from campaign.imports.report import FileReport, ImportProblem, ProgressCallback
from campaign.imports.votes import JudgmentImportReport, import_judgments
from campaign.models import Campaign, ImportUpload
from config.redis import redis_configured

logger = logging.getLogger(__name__)

Kind = ImportUpload.Kind
State = ImportUpload.State
IMPORTERS: dict[str, Callable[..., FileReport]] = {
    Kind.ITEMS: import_items,
    Kind.JUDGMENTS: import_judgments,
}
REPORTS: dict[str, type[FileReport]] = {
    Kind.ITEMS: ImportReport,
    Kind.JUDGMENTS: JudgmentImportReport,
}
UPLOAD_TASK = "campaign.run_import_upload"
# An upload nobody confirmed within this long is deleted with its file.
STALE_AFTER = datetime.timedelta(days=1)
CHUNK = 1 << 20


class UploadedFile(Protocol):
    """What Django's uploaded files offer and this module uses."""

    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


@dataclass(frozen=True)
class Progress:
    """How far a run has got, for the page that polls it."""

    state: str
    phase: str  # "validating", "writing", or "" before the first batch
    done: int  # lines done in this phase
    total: int | None  # the file's lines, once a dry run has counted them

    @property
    def percent(self) -> int | None:
        """The import's share done (validating, then writing, count half each)."""
        if not self.total or self.phase not in ("validating", "writing"):
            return None
        done = self.done + (self.total if self.phase == "writing" else 0)
        return min(99, done * 100 // (2 * self.total))


def upload_path(upload: ImportUpload) -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR) / f"{upload.key}.{upload.file_format}"


def stage_upload(
    *, campaign: Campaign, user: User, kind: str, file: UploadedFile, file_format: str | None
) -> ImportUpload:
    """Keep ``file`` on the server and start its dry run; refused files leave nothing behind."""
    size = file.size or 0
    if size > settings.IMPORT_UPLOAD_MAX_BYTES:
        raise UploadRefused(
            f"The file is {size / 2**20:.1f} MiB; the most an upload may hold is "
            f"{settings.IMPORT_UPLOAD_MAX_BYTES / 2**20:.0f} MiB. Use the command or the API."
        )
    name = Path(file.name or "").name[:200]
    file_format = detect_format(name, file_format or None)
    discard_stale_uploads()
    upload = ImportUpload(
        key=secrets.token_urlsafe(24),
        campaign=campaign,
        uploaded_by=user,
        kind=kind,
        file_name=name,
        file_format=file_format,
        size=size,
    )
    path = upload_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    with partial.open("wb") as out:
        for chunk in file.chunks(CHUNK):
            out.write(chunk)
    partial.rename(path)
    upload.save()
    try:
        _start_run(upload)
    except UploadRefused:
        path.unlink(missing_ok=True)
        upload.delete()
        raise
    upload.refresh_from_db()
    return upload


def confirm_upload(*, upload: ImportUpload) -> ImportUpload:
    """Import the file whose dry run the organiser read; once only, and only a good file."""
    with transaction.atomic():
        locked = ImportUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.state != State.CHECKED:
            raise UploadRefused("This file has already been imported (or is being imported).")
        report = report_of(locked, "check")
        if report is None or not report.ok:
            raise UploadRefused("Its dry run found problems: fix the file and upload it again.")
        locked.state = State.IMPORTING
        locked.save(update_fields=["state"])
    try:
        _start_run(locked)
    except UploadRefused:
        ImportUpload.objects.filter(pk=locked.pk).update(state=State.CHECKED)
        raise
    locked.refresh_from_db()
    return locked


def run_upload(key: str) -> ImportUpload:
    """The task's body: the dry run of a new upload, or the import of a confirmed one.

    A run whose upload is in neither state (a message delivered twice) does nothing.
    """
    upload = ImportUpload.objects.select_related("campaign").get(key=key)
    if upload.state not in (State.CHECKING, State.IMPORTING):
        return upload
    dry_run = upload.state == State.CHECKING
    path = upload_path(upload)
    report: FileReport | None = None
    try:
        if not path.is_file():
            raise UploadRefused("The uploaded file is no longer on the server: upload it again.")
        report = IMPORTERS[upload.kind](
            upload.campaign,
            path,
            file_format=upload.file_format,
            dry_run=dry_run,
            progress=_progress_recorder(upload.key),
        )
    except CampaignError as error:
        upload.state, upload.failure = State.FAILED, str(error)
    else:
        stored = {**asdict(report), "summary": report.summary()}
        if dry_run:
            upload.state, upload.check_report = State.CHECKED, stored
        else:
            upload.state, upload.import_report = State.DONE, stored
    if upload.state != State.CHECKED or (report is not None and not report.ok):
        upload.finished_at = timezone.now()
        path.unlink(missing_ok=True)  # nothing left to confirm
    upload.save(update_fields=["state", "failure", "check_report", "import_report", "finished_at"])
    cache.delete(_progress_key(upload.key))
    return upload


def report_of(upload: ImportUpload, which: str) -> FileReport | None:
    """The dry run's (``check``) or the import's (``import``) report, as the service made it."""
    stored = upload.check_report if which == "check" else upload.import_report
    if stored is None:
        return None
    fields = {name: value for name, value in stored.items() if name != "summary"}
    fields["errors"] = [ImportProblem(**problem) for problem in fields["errors"]]
    return REPORTS[upload.kind](**fields)


def progress_of(upload: ImportUpload) -> Progress:
    recorded = cache.get(_progress_key(upload.key)) or {}
    checked = report_of(upload, "check")
    return Progress(
        state=upload.state,
        phase=recorded.get("phase", ""),
        done=recorded.get("done", 0),
        total=checked.lines if checked is not None else None,
    )


def discard_stale_uploads(now: datetime.datetime | None = None) -> int:
    """Delete uploads nobody confirmed within STALE_AFTER, and their files; returns how many."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = list(
        ImportUpload.objects.filter(
            created_at__lt=cutoff, state__in=[State.CHECKING, State.CHECKED]
        )
    )
    for upload in stale:
        upload_path(upload).unlink(missing_ok=True)
    ImportUpload.objects.filter(pk__in=[upload.pk for upload in stale]).delete()
    return len(stale)


def _start_run(upload: ImportUpload) -> None:
    """Queue the run for a worker; without a broker (the embedded demo) run it here."""
    if not redis_configured():
        run_upload(upload.key)
        return
    from celery import current_app

    try:
        current_app.send_task(UPLOAD_TASK, args=(upload.key,), retry=False)
    except BrokerError:
        logger.warning("Run of upload %s not queued: the broker is unreachable", upload.pk)
        raise UploadRefused(
            "The import queue cannot be reached right now; nothing was imported. "
            "Try again in a minute."
        ) from None


def _progress_key(key: str) -> str:
    return f"crowdeval:import:progress:{key}"


def _progress_recorder(key: str) -> ProgressCallback:
    def record(phase: str, done: int) -> None:
        # The cache, not the row: the import's transaction would hide the row's updates.
        cache.set(_progress_key(key), {"phase": phase, "done": done}, timeout=3600)

    return record
