"""The organiser dashboard: campaign statistics beside the latest snapshot's annotator scores.

The campaign half (progress, coverage, gold pool, skips) comes from
campaign.organise.statistics; the annotator table and the winner come from the snapshot (each
annotator's Crowd-BT reliability from its "crowd_bt" view, scoring.crowd_view: organisers only,
like everything here). Sorting and filtering happen here on the snapshot's rows (one per
annotator, a few hundred), so the page works without JavaScript and a sorted view has a URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from campaign.models import Campaign
from campaign.organise.statistics import (
    CampaignProgress,
    GoldPoolHealth,
    campaign_progress,
    gold_pool_health,
    skip_reports,
)
from scoring.allocation import AllocationSummary, allocation_summary
from scoring.coverage import progress_tally
from scoring.crowd_view import NAME as CROWD_BT
from scoring.extras_schedule import fitted_on
from scoring.leaderboard import (
    from_row,
    is_vetted,
    participant_rows,
    without_figures_from_no_gold,
)
from scoring.models import Snapshot
from scoring.numerics.charts import coverage_histogram
from scoring.numerics.participants import Participant, pick_winners
from scoring.robustness import RobustnessSection, robustness_section
from scoring.selectors import ScoringLag, latest_snapshot, scoring_lag

SHOW_CHOICES = {"all": "Everyone", "flagged": "Flagged only", "untrusted": "Untrusted only"}
MAX_QUERY_CHARS = 100
SKIPS_PER_PAGE = 20
# Rendering the annotator rows is most of the page's time: a page of them keeps it flat
# however large the crowd.
ANNOTATORS_PER_PAGE = 100


@dataclass(frozen=True)
class AnnotatorRow:
    """One annotator's scores (the snapshot's ``annotators`` row) and their username."""

    user_id: int
    handle: str
    judgments: int
    gold_seen: int
    gold_correct: int
    accuracy: float | None  # None before any gold
    accuracy_lower: float | None
    trusted: bool | None  # None: not vetted (the campaign has no gold)
    accepted: int
    agreement: float | None
    median_seconds: float | None
    flags: list[str]
    # Whether the run counted their votes; None in snapshots stored before it said so.
    votes_count: bool | None = None
    username: str = ""
    # Crowd-BT's η (the snapshot's "crowd_bt" view); None for snapshots without that view.
    reliability: float | None = None

    @property
    def votes_left_out(self) -> bool:
        """Trusted by gold, yet the run left their votes out (a gold spotter, or at chance)."""
        return self.trusted is True and self.votes_count is False

    @property
    def flag_labels(self) -> list[str]:
        return [flag.replace("_", " ") for flag in self.flags]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = True  # right-aligned
    descending_first: bool = True  # the first click shows the largest values first


COLUMNS = [
    Column("handle", "Handle", numeric=False, descending_first=False),
    Column("username", "Username", numeric=False, descending_first=False),
    Column("judgments", "Judgments"),
    Column("gold_seen", "Gold seen"),
    Column("gold_correct", "Gold correct"),
    Column("accuracy", "Accuracy"),
    Column("accuracy_lower", "Lower bound"),
    Column("agreement", "Agreement"),
    Column("reliability", "Reliability"),
    Column("median_seconds", "Median seconds"),
    Column("flags", "Flags", numeric=False),
    Column("trusted", "Trusted", numeric=False, descending_first=False),
]
SORT_KEYS = {column.key for column in COLUMNS}
DEFAULT_SORT = "-judgments"


@dataclass(frozen=True)
class AnnotatorQuery:
    """What the organiser asked to see: a sort key (``-`` for descending), a filter, a text."""

    sort: str = DEFAULT_SORT
    show: str = "all"
    text: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> AnnotatorQuery:
        """Parse query parameters; anything unknown falls back to the default view."""
        sort = params.get("sort", DEFAULT_SORT)
        show = params.get("show", "all")
        return cls(
            sort=sort if sort.removeprefix("-") in SORT_KEYS else DEFAULT_SORT,
            show=show if show in SHOW_CHOICES else "all",
            text=params.get("q", "").strip()[:MAX_QUERY_CHARS],
        )

    @property
    def key(self) -> str:
        return self.sort.removeprefix("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def params(self, **changes: str) -> str:
        """This view's query string with ``changes`` applied (for header and filter links)."""
        query = replace(self, **changes)
        values = {"sort": query.sort, "show": query.show, "q": query.text}
        return urlencode({name: value for name, value in values.items() if value})


@dataclass(frozen=True)
class HeaderCell:
    column: Column
    query: str  # the query string that sorts by this column (toggling the direction)
    aria_sort: str  # "ascending" / "descending" / "none"


@dataclass(frozen=True)
class AnnotatorTable:
    rows: list[AnnotatorRow]
    total: int  # annotators in the snapshot, before filtering
    headers: list[HeaderCell]
    query: AnnotatorQuery


@dataclass(frozen=True)
class Dashboard:
    campaign: Campaign
    snapshot: Snapshot | None
    lag: ScoringLag  # the page warns when scoring has stalled (lag.behind)
    progress: CampaignProgress
    coverage_chart: SafeString
    gold: GoldPoolHealth
    annotators: AnnotatorTable
    annotator_page: Page  # the rows of ``annotators`` shown, ANNOTATORS_PER_PAGE at most
    annotators_previous: str  # query strings of the neighbouring pages of annotators
    annotators_next: str
    winners: list[Participant]  # only once the campaign is closed
    vetted: bool  # False: the campaign has no gold; nobody vetted, every vote counts
    skips: Page
    skips_previous: str  # query strings of the neighbouring pages of skip reports
    skips_next: str
    robustness: RobustnessSection  # how solid the ranking is (organiser-only)
    # The campaign's left-side advantage in words (scoring.controlled.bias); None before
    # a snapshot that has it.
    position_bias: str | None = None
    # Adaptive allocation's priorities and the stopping advice (None before the first run).
    allocation: AllocationSummary | None = None


def build_dashboard(campaign: Campaign, params: Mapping[str, str]) -> Dashboard:
    """Everything the dashboard shows, from ``params`` (the page's query string)."""
    snapshot = latest_snapshot(campaign)
    progress = campaign_progress(campaign, progress_tally(snapshot))
    query = AnnotatorQuery.from_params(params)
    skips = Paginator(skip_reports(campaign), SKIPS_PER_PAGE).get_page(params.get("skips"))
    closed = campaign.status == Campaign.Status.CLOSED
    chart = coverage_histogram(progress.coverage, target=campaign.judgments_per_comparison)
    table = annotator_table(snapshot, query)
    annotator_page = Paginator(table.rows, ANNOTATORS_PER_PAGE).get_page(params.get("annotators"))
    return Dashboard(
        campaign=campaign,
        snapshot=snapshot,
        lag=scoring_lag(campaign, snapshot),
        progress=progress,
        coverage_chart=mark_safe(chart),  # noqa: S308 - numbers only, built by scoring.numerics.charts
        gold=gold_pool_health(campaign, active_participants=progress.active_participants),
        annotators=table,
        annotator_page=annotator_page,
        annotators_previous=_page_query(query, annotator_page.previous_page_number(), "annotators")
        if annotator_page.has_previous()
        else "",
        annotators_next=_page_query(query, annotator_page.next_page_number(), "annotators")
        if annotator_page.has_next()
        else "",
        winners=winners(snapshot) if closed else [],
        vetted=snapshot is None or is_vetted(snapshot),
        skips=skips,
        skips_previous=_page_query(query, skips.previous_page_number())
        if skips.has_previous()
        else "",
        skips_next=_page_query(query, skips.next_page_number()) if skips.has_next() else "",
        robustness=robustness_section(snapshot),
        position_bias=position_bias_sentence(snapshot),
        allocation=allocation_summary(snapshot),
    )


def position_bias_sentence(snapshot: Snapshot | None) -> str | None:
    """ "Left side favoured by 17 Elo (95% CI 9 to 25) over 1,204 votes…" or "No measurable
    position bias…", from the snapshot's ``position_bias`` analysis, with when it was fitted
    if an earlier run's (scoring.extras_schedule)."""
    sentence = _bias_sentence(snapshot)
    judgments = None if snapshot is None else fitted_on(snapshot)
    if sentence is None or judgments is None:
        return sentence
    return f"{sentence} (Fitted on the first {judgments:,} judgments.)"


def _bias_sentence(snapshot: Snapshot | None) -> str | None:
    bias = (snapshot.analysis or {}).get("position_bias") if snapshot is not None else None
    if not bias or not bias.get("votes"):
        return None
    votes = f"{bias['votes']:,} counted vote{'s' if bias['votes'] != 1 else ''}"
    share = f"the left side took {100 * bias['left_win_share']:.1f}% of the points"
    if bias["ci_lower"] is None or bias["ci_upper"] is None:
        return f"Position bias: too few votes to tell ({votes}; {share})."
    interval = f"95% CI {bias['ci_lower']:+.0f} to {bias['ci_upper']:+.0f}"
    if not bias["measurable"]:
        return (
            f"No measurable position bias: left side {bias['left_advantage']:+.0f} Elo "
            f"({interval}) over {votes}; {share}."
        )
    side = "Left" if bias["left_advantage"] > 0 else "Right"
    return (
        f"{side} side favoured by {abs(bias['left_advantage']):.0f} Elo ({interval}, "
        f"left minus right) over {votes}; {share}."
    )


def annotator_table(snapshot: Snapshot | None, query: AnnotatorQuery) -> AnnotatorTable:
    """The snapshot's annotators with their usernames, filtered and sorted as asked."""
    rows = annotator_rows(snapshot) if snapshot is not None else []
    shown = [row for row in rows if _matches(row, query)]
    shown.sort(key=lambda row: row.handle)
    present = [row for row in shown if _sort_value(row, query.key) is not None]
    missing = [row for row in shown if _sort_value(row, query.key) is None]
    present.sort(key=lambda row: _sort_value(row, query.key), reverse=query.descending)
    return AnnotatorTable(
        rows=present + missing,  # rows without the figure (no agreement yet…) always last
        total=len(rows),
        headers=[_header(column, query) for column in COLUMNS],
        query=query,
    )


def annotator_rows(snapshot: Snapshot) -> list[AnnotatorRow]:
    ids = [row["user_id"] for row in snapshot.annotators]
    usernames = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    reliability = (snapshot.views or {}).get(CROWD_BT, {}).get("reliability", {})
    return [
        replace(
            from_row(AnnotatorRow, without_figures_from_no_gold(row)),
            username=usernames.get(row["user_id"], ""),
            reliability=reliability.get(str(row["user_id"])),
        )
        for row in snapshot.annotators
    ]


def winners(snapshot: Snapshot | None) -> list[Participant]:
    """The top trusted participant (several only on an exact tie); empty without a snapshot."""
    return pick_winners(participant_rows(snapshot)) if snapshot is not None else []


def _matches(row: AnnotatorRow, query: AnnotatorQuery) -> bool:
    if query.show == "flagged" and not row.flags:
        return False
    if query.show == "untrusted" and row.trusted is not False:
        return False
    text = query.text.lower()
    return not text or text in row.handle.lower() or text in row.username.lower()


def _sort_value(row: AnnotatorRow, key: str) -> Any:
    if key == "flags":
        return len(row.flags)
    return getattr(row, key)


def _header(column: Column, query: AnnotatorQuery) -> HeaderCell:
    if column.key == query.key:
        aria = "descending" if query.descending else "ascending"
        sort = column.key if query.descending else f"-{column.key}"
    else:
        aria = "none"
        sort = f"-{column.key}" if column.descending_first else column.key
    return HeaderCell(column=column, query=query.params(sort=sort), aria_sort=aria)


def _page_query(query: AnnotatorQuery, page: int, name: str = "skips") -> str:
    current = query.params()
    return f"{current}&{name}={page}" if current else f"{name}={page}"
