"""The leaderboard as a file: PRODUCT.md's JSON document and a CSV of contender rows.

Both read a stored snapshot only (never the numerics), so the download links of the web page
and `manage.py export_leaderboard` give the same bytes for the same snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from scoring.allocation import allocation_of
from scoring.board_views import SelectedBoard, select_board, view_choices
from scoring.leaderboard import is_vetted, without_figures_from_no_gold
from scoring.models import Snapshot
from scoring.publication import public_participants

# PRODUCT.md "Exports": each contender and participant carries at least these keys.
CONTENDER_FIELDS = (
    "rank",
    "name",
    "rating",
    "ci_lower",
    "ci_upper",
    "votes",
    "wins",
    "losses",
    "ties",
    "win_rate",
    "online_elo",
)
# `agreement` is the ranking's tie-breaker, exported so a disputed rank can be checked.
PARTICIPANT_FIELDS = (
    "rank",
    "handle",
    "judgments",
    "accepted",
    "gold_seen",
    "gold_correct",
    "accuracy",
    "trusted",
    "score",
    "agreement",
)
# Elo points are shown to two decimals; shares to four. Full precision would only add noise.
_DECIMALS = {"rating": 2, "ci_lower": 2, "ci_upper": 2, "online_elo": 2, "win_rate": 4}


# The CSV's last column says whose votes the ratings count (the JSON's ``vetted``).
VETTING_FIELD = "votes_counted"
VETTED = "trusted annotators"
NOT_VETTED = "all: not vetted (no gold)"


def unrated_reason(snapshot: Snapshot) -> str | None:
    """Why a snapshot ranks nobody (no vote counts yet), or None when it ranks."""
    if snapshot.rated_judgments:
        return None
    if not snapshot.judgments:
        return "no votes yet"
    return f"{snapshot.judgments} judgments waiting for their annotators to qualify"


def leaderboard_document(
    snapshot: Snapshot, *, full: bool, view: str | None = None
) -> dict[str, Any]:
    """`{"campaign", "computed_at", "judgments", "rated_judgments", "vetted", "unrated_reason",
    "view", "views", "contenders", "participants", "allocation", "pair_votes"}`, best first.

    ``view`` names the board (scoring.board_views; None: the default, ``bt``): ``contenders``
    are its rows, ``view`` its name and label, and ``views`` lists every board the snapshot
    holds ({"name", "label", "kind"}: "method" or the tabbed view's name, e.g. "category").
    A view's campaign-level facts (the style coefficients) come along, and the judgments it
    was fitted on (scoring.extras_schedule); an unknown name raises
    scoring.board_views.UnknownView.

    ``full=False`` is the public view of an open campaign (scoring.publication): participant
    rows by judgments, without the figures that would tell gold from regular work.
    ``vetted`` False: the campaign has no gold, every vote counts and ``trusted`` is null.
    Without a vote that counts, ``contenders`` is empty and ``unrated_reason`` says why.
    """
    board = select_board(snapshot, view)
    participants = (
        [
            _pick(without_figures_from_no_gold(row), PARTICIPANT_FIELDS)
            for row in snapshot.participants
        ]
        if full
        else public_participants(snapshot.participants)
    )
    return {
        "campaign": snapshot.campaign.slug,
        "computed_at": snapshot.computed_at.isoformat(),
        "judgments": snapshot.judgments,
        "rated_judgments": snapshot.rated_judgments,
        "vetted": is_vetted(snapshot),
        "unrated_reason": unrated_reason(snapshot),
        "view": {
            "name": board.name,
            "label": board.label,
            # Fewer than "judgments" when the view was carried from an earlier run.
            "judgments": snapshot.judgments if board.fitted_on is None else board.fitted_on,
            **board.facts,
        },
        "views": [
            {"name": choice.name, "label": choice.label, "kind": choice.kind}
            for choice in view_choices(snapshot)
        ],
        "contenders": [_pick(row, CONTENDER_FIELDS) for row in _ranked(board)],
        "participants": participants,
        # Disclosure of how votes were spread (issue 15): the allocation and votes per pair.
        "allocation": allocation_of(snapshot),
        "pair_votes": pair_votes(snapshot),
    }


def pair_votes(snapshot: Snapshot) -> list[dict[str, Any]]:
    """``[{"a", "b", "votes"}]``: the counted votes of every pair of models that has any."""
    matrices = snapshot.matrices or {}
    names, votes = matrices.get("names", []), matrices.get("votes", [])
    return [
        {"a": names[i], "b": names[j], "votes": votes[i][j]}
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if votes[i][j]
    ]


def leaderboard_csv_rows(snapshot: Snapshot, *, view: str | None = None) -> Iterator[list[str]]:
    """A header row, then one row per contender of the board ``view`` names (as in
    ``leaderboard_document``), best first (none before a vote counts); feed it to
    campaign.spreadsheet's SafeWriter (contender names are anyone's text)."""
    board = select_board(snapshot, view)  # before the first row: a bad name is an error
    return _csv_rows(snapshot, board)


def _csv_rows(snapshot: Snapshot, board: SelectedBoard) -> Iterator[list[str]]:
    yield [*CONTENDER_FIELDS, VETTING_FIELD]
    vetting = VETTED if is_vetted(snapshot) else NOT_VETTED
    for row in _ranked(board):
        yield [*(_cell(name, row.get(name)) for name in CONTENDER_FIELDS), vetting]


def _ranked(board: SelectedBoard) -> list[dict[str, Any]]:
    """The board's rows, or none when no vote counts (a ranking of ties at 1000 is none)."""
    return board.contenders if board.rated else []


def _pick(row: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: row.get(name) for name in fields}


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{_DECIMALS.get(name, 4)}f}"
    return str(value)
