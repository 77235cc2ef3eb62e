"""The public leaderboard page's content, read from a stored snapshot (never computed here).

Turns a Snapshot's JSON columns (shapes in scoring.models) into typed rows and server-side
SVG charts. Nothing here touches judgments: a page view costs the snapshot lookup only.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from django.utils.safestring import SafeString, mark_safe

from scoring.allocation import allocation_of
from scoring.board_views import SelectedBoard, UnknownView, ViewChoice, select_board, view_choices
from scoring.models import Snapshot
from scoring.numerics.charts import RatingPoint, rating_chart, win_rate_heatmap
from scoring.numerics.participants import Participant
from scoring.numerics.ratings import ContenderRating
from scoring.publication import public_participants

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Leaderboard:
    computed_at: datetime.datetime
    judgments: int
    rated_judgments: int
    contenders: list[ContenderRating]
    participants: list[Participant]
    rating_chart: SafeString
    heatmap: SafeString
    # False: the public view of an open campaign (scoring.publication), whose participant
    # rows carry handle and judgments only, listed by judgments.
    full: bool = True
    public_participants: list[dict[str, Any]] = field(default_factory=list)
    # False: the campaign has no gold, so nobody was vetted and every vote counts.
    vetted: bool = True
    # The board shown (scoring.board_views), the method switch and the category tabs.
    shown: SelectedBoard | None = None
    methods: list[ViewChoice] = field(default_factory=list)
    tabs: list[ViewChoice] = field(default_factory=list)
    unknown_view: str = ""  # a ?view= that names nothing: the default board is shown instead
    # How votes were spread over the comparisons (scoring.allocation), disclosed on the page.
    allocation: str = "uniform"

    @property
    def rated(self) -> bool:
        """Whether any vote counts yet; without one the page says why instead of ranking."""
        return self.rated_judgments > 0


def is_vetted(snapshot: Snapshot) -> bool:
    """Whether the snapshot's campaign had gold to vet annotators with (older ones did)."""
    return bool((snapshot.stats or {}).get("vetted", True))


def from_row(cls: type[RowT], row: Mapping[str, Any]) -> RowT:
    """A dataclass from one snapshot row, keeping only the fields it declares."""
    return cls(**{field.name: row.get(field.name) for field in fields(cls)})  # type: ignore[arg-type]


def without_figures_from_no_gold(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """A snapshot row with no accuracy where no gold was met: snapshots stored before
    SCORING_VERSION 2 kept the prior's 50% there, which is no measurement."""
    if row.get("gold_seen") == 0 and row.get("accuracy") is not None:
        return {**row, "accuracy": None, "accuracy_lower": None}
    return row


def participant_rows(snapshot: Snapshot) -> list[Participant]:
    return [
        from_row(Participant, without_figures_from_no_gold(row)) for row in snapshot.participants
    ]


def build_leaderboard(snapshot: Snapshot, *, full: bool, view: str | None = None) -> Leaderboard:
    """The page of ``snapshot`` showing the board ``view`` names (the default one if it
    names none, with ``unknown_view`` set so the page can say so)."""
    unknown = ""
    try:
        board = select_board(snapshot, view)
    except UnknownView as refusal:
        unknown, board = refusal.name, select_board(snapshot, None)
    choices = view_choices(snapshot)
    contenders = [from_row(ContenderRating, row) for row in board.contenders]
    matrices = snapshot.matrices or {}
    points = [RatingPoint(c.name, c.rating, c.ci_lower, c.ci_upper) for c in contenders]
    # The charts escape every name themselves (scoring.numerics.charts), so their markup is safe.
    # The head-to-head matrices are the default board's votes: shown with that board only.
    heatmap = (
        win_rate_heatmap(
            matrices.get("names", []), matrices.get("win_rate", []), matrices.get("votes", [])
        )
        if board.is_default
        else ""
    )
    return Leaderboard(
        computed_at=snapshot.computed_at,
        judgments=snapshot.judgments,
        rated_judgments=snapshot.rated_judgments,
        contenders=contenders,
        participants=participant_rows(snapshot) if full else [],
        rating_chart=mark_safe(rating_chart(points)),  # noqa: S308
        heatmap=mark_safe(heatmap),  # noqa: S308
        full=full,
        public_participants=[] if full else public_participants(snapshot.participants),
        vetted=is_vetted(snapshot),
        shown=board,
        methods=[choice for choice in choices if choice.kind == "method"],
        tabs=[choice for choice in choices if choice.kind != "method"],
        unknown_view=unknown,
        allocation=allocation_of(snapshot),
    )
