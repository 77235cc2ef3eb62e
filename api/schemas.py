"""The API's typed request and response bodies (its OpenAPI schema comes from these).

Types only: the campaign rules themselves (ranges, choices, dates) are the model's and
``campaign.services``'s, checked there with ``full_clean`` and reported as 422s naming the field.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field

from campaign.events import ScoringRequest

Slug = Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=64)]
Fraction = Annotated[float, Field(allow_inf_nan=False)]
Scale = Literal[2, 3, 5]
LeaderboardVisibility = Literal["public", "hidden"]
Allocation = Literal["uniform", "adaptive"]


class ErrorItem(Schema):
    field: str | None = None
    line: int | None = None
    message: str


class Error(Schema):
    detail: str
    errors: list[ErrorItem] = []


class CampaignSettings(Schema):
    """Every setting a campaign has besides its slug and status; all optional in a change."""

    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: str | None = None
    guidelines: str | None = Field(None, description="Markdown, shown to participants.")
    scale: Scale | None = None
    judgments_per_comparison: int | None = None
    gold_rate: Fraction | None = None
    qualification_gold: int | None = None
    min_gold_seen: int | None = None
    min_gold_accuracy: Fraction | None = None
    block_untrusted: bool | None = None
    lease_minutes: int | None = None
    require_rationale: bool | None = None
    allow_signup: bool | None = None
    pairs_per_prompt: int | None = None
    leaderboard: LeaderboardVisibility | None = None
    allocation: Allocation | None = Field(
        None,
        description="uniform: every regular comparison gets judgments_per_comparison; "
        "adaptive: votes go to the contender pairs whose order is still uncertain, "
        "judgments_per_comparison becomes a cap.",
    )
    min_judgments_per_comparison: int | None = Field(
        None, description="Adaptive allocation's floor of judgments per regular comparison."
    )
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


class CampaignCreate(CampaignSettings):
    slug: Slug
    title: Annotated[str, Field(min_length=1, max_length=200)]


class CampaignOut(Schema):
    slug: str
    title: str
    status: Literal["draft", "open", "closed"]
    owner: str | None = Field(None, description="The owning organiser's username.")
    description: str
    guidelines: str
    scale: int
    judgments_per_comparison: int
    gold_rate: float
    qualification_gold: int
    min_gold_seen: int
    min_gold_accuracy: float
    block_untrusted: bool
    lease_minutes: int
    require_rationale: bool
    allow_signup: bool
    pairs_per_prompt: int | None
    leaderboard: str
    allocation: str
    min_judgments_per_comparison: int
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_owner(campaign: Any) -> str | None:
        return campaign.owner.username if campaign.owner is not None else None


class ImportReportOut(Schema):
    """The same line report as the import commands: what was (or would be) created."""

    ok: bool
    dry_run: bool
    written: bool
    summary: str
    lines: int
    prompts_created: int
    responses_created: int
    comparisons_created: int
    contenders_created: int
    gold_created: int | None = None
    lines_unchanged: int | None = None
    judgments_created: int | None = None
    annotators_created: int | None = None


class ImportRefused(Error):
    """A file with bad lines: nothing was imported; ``errors`` name each line at fault."""

    errors_not_listed: int = 0


class ProvisionIn(Schema):
    count: int = Field(description="How many annotator accounts to create.")


class CredentialOut(Schema):
    username: str
    password: str
    handle: str


class ProvisionOut(Schema):
    campaign: str
    credentials: list[CredentialOut] = Field(
        description="The only copy of the passwords: only their hashes are stored."
    )


class AnnotatorOut(Schema):
    user_id: int
    username: str
    handle: str
    judgments: int
    gold_seen: int
    gold_correct: int
    accuracy: float | None
    accuracy_lower: float | None
    # null: not vetted (the campaign has no gold, so nobody could be checked)
    trusted: bool | None
    # Whether the run counted their votes in the ratings (trusted or vouched, less gold
    # spotters and those at chance; everyone without gold); null in snapshots older than it.
    votes_count: bool | None
    accepted: int
    agreement: float | None
    median_seconds: float | None
    flags: list[str]


class CategoryProgressOut(Schema):
    category: str
    comparisons: int
    judgments: int
    target: int
    percent: int


class ScoringStateOut(Schema):
    """The latest snapshot and what it does not cover yet: how to see a recompute finish."""

    computed_at: datetime.datetime | None
    judgments_scored: int
    unscored: int
    behind: bool = Field(description="Scoring has stalled: no worker has taken the runs.")


class ProgressOut(Schema):
    total: CategoryProgressOut
    categories: list[CategoryProgressOut]
    coverage: list[int] = Field(description="coverage[k]: regular comparisons with k judgments.")
    complete_comparisons: int
    all_judgments: int
    gold_judgments: int
    participants: int
    active_participants: int
    counted_at: str | None = Field(
        description="When the judgments above were counted: the latest scoring run's time "
        "(judgments since are in scoring.unscored); null when counted live (not scored yet)."
    )
    scoring: ScoringStateOut


class LeaderboardOut(Schema):
    campaign: str
    computed_at: str
    judgments: int
    contenders: list[dict[str, Any]]
    participants: list[dict[str, Any]]


class RecomputeOut(Schema):
    request: ScoringRequest  # the enum itself, so a new outcome cannot drift from the schema
    scoring: ScoringStateOut
    progress_url: str = Field(description="GET it to see when the run has finished.")
