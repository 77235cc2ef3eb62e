"""Import files uploaded from the organiser pages, between their dry run and their import.

The file itself is kept on the server under a name the server chose (campaign.organise.uploads);
this row binds it to the organiser and the campaign, and keeps both reports, so the page that
shows them needs nothing from the browser but the upload's random key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from campaign.models.content import Campaign


class ImportUpload(models.Model):
    class Kind(models.TextChoices):
        ITEMS = "items", "Items"
        JUDGMENTS = "judgments", "Votes"

    class State(models.TextChoices):
        CHECKING = "checking", "Checking"  # the dry run is queued or running
        CHECKED = "checked", "Checked"  # the dry-run report is in; waiting for Confirm
        IMPORTING = "importing", "Importing"  # confirmed; the import is queued or running
        DONE = "done", "Done"  # the import's report is in (it may still refuse the file)
        FAILED = "failed", "Failed"  # the run stopped without a report; nothing was written

    FINAL_STATES = (State.DONE, State.FAILED)

    key = models.CharField(max_length=64, unique=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file_name = models.CharField(max_length=200, help_text="The name the browser sent, shown only.")
    file_format = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKING)
    check_report = models.JSONField(null=True, blank=True)
    import_report = models.JSONField(null=True, blank=True)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["items", "judgments"]), name="import_upload_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(file_format__in=["jsonl", "csv", "parquet"]),
                name="import_upload_format_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} file {self.file_name} ({self.get_state_display()})"
