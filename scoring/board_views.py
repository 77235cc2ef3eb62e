"""Which board of a snapshot a leaderboard request shows: the default one or a stored view.

A snapshot holds the default board (``contenders``) and other boards of the same run
(``views``, scoring.extras). The page, its JSON and its CSV all name the board with one query
parameter, ``?view=NAME``:

- ``bt`` (or no parameter): the default board, plain Bradley-Terry;
- the name of a view with ``contenders`` (``style``, ``crowd_bt``, …): a method, listed on
  the method switch in the order the views were registered;
- ``<view>:<key>`` for each board of a view with ``boards`` (``category:coding``): a tab.

Nothing here is per annotator: a view's published keys are its label, its contender rows
(cut to the leaderboard's fields by the exports) and PUBLIC_VIEW_KEYS. Who sees which
snapshot is scoring.publication's, as for the default board.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.extras_schedule import fitted_on
from scoring.models import Snapshot

DEFAULT_VIEW = "bt"
DEFAULT_LABEL = "Bradley-Terry"
# Campaign-level facts of a view that its JSON carries besides the contender rows.
PUBLIC_VIEW_KEYS = ("coefficients",)


class UnknownView(LookupError):
    """A ``view`` parameter that names no board of the snapshot."""

    def __init__(self, name: str, available: list[str]) -> None:
        super().__init__(f"No view named {name!r}. Available: {', '.join(available)}.")
        self.name = name


@dataclass(frozen=True)
class ViewChoice:
    name: str  # the query parameter's value
    label: str
    kind: str  # "method" or the tabbed view's name ("category")


@dataclass(frozen=True)
class SelectedBoard:
    """The board a request shows, with everything it needs from the snapshot."""

    name: str
    label: str
    contenders: list[dict[str, Any]]
    # False: no counted vote on this board (a category without votes yet).
    rated: bool
    facts: dict[str, Any] = field(default_factory=dict)  # PUBLIC_VIEW_KEYS present
    # The view whose tab this board is ("category"), or "" for the default board or a method.
    tab_of: str = ""
    # The judgments a view was fitted on when a later run carried it forward
    # (scoring.extras_schedule); None when it counts every judgment of the snapshot.
    fitted_on: int | None = None

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_VIEW


def view_choices(snapshot: Snapshot) -> list[ViewChoice]:
    """Every board the snapshot holds: the default, the methods, then each view's tabs."""
    choices = [ViewChoice(DEFAULT_VIEW, DEFAULT_LABEL, "method")]
    tabs = []
    for name, view in _views(snapshot).items():
        if view.get("boards") is not None:
            tabs += [
                ViewChoice(f"{name}:{board['key']}", str(board.get("label", board["key"])), name)
                for board in view["boards"]
            ]
        elif "contenders" in view:
            choices.append(ViewChoice(name, str(view.get("label", name)), "method"))
    return choices + tabs


def select_board(snapshot: Snapshot, name: str | None) -> SelectedBoard:
    """The board named ``name`` (None or empty: the default); UnknownView otherwise."""
    if not name or name == DEFAULT_VIEW:
        return SelectedBoard(
            DEFAULT_VIEW, DEFAULT_LABEL, list(snapshot.contenders), snapshot.rated_judgments > 0
        )
    views = _views(snapshot)
    view_name, _colon, key = name.partition(":")
    view = views.get(view_name)
    board: Mapping[str, Any] | None = None
    if view is not None and key and view.get("boards") is not None:
        board = next((b for b in view["boards"] if str(b.get("key")) == key), None)
    elif view is not None and not key and view.get("boards") is None and "contenders" in view:
        board = view
    if board is None:
        raise UnknownView(name, [choice.name for choice in view_choices(snapshot)])
    contenders = list(board.get("contenders") or [])
    return SelectedBoard(
        name=name,
        label=str(board.get("label", name)),
        contenders=contenders,
        rated=snapshot.rated_judgments > 0 and any(row.get("votes") for row in contenders),
        facts={fact: board[fact] for fact in PUBLIC_VIEW_KEYS if fact in board},
        tab_of=view_name if key else "",
        fitted_on=fitted_on(snapshot),
    )


def _views(snapshot: Snapshot) -> dict[str, Any]:
    views = snapshot.views or {}
    return views if isinstance(views, dict) else {}
