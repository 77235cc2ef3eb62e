"""Number formats of the leaderboard and dashboard pages: presentation only."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None, digits: int = 0) -> str:
    """0.6234 → "62%"; an empty figure shows as a dash."""
    if value is None:
        return "\u2013"  # an en dash
    return f"{100 * value:.{digits}f}%"


@register.filter
def decimal(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "\u2013"  # an en dash
    return f"{value:.{digits}f}"
