"""Server-side SVG charts for the leaderboard and the organiser dashboard.

Pure Python (no Django, no I/O): each function takes plain values and returns one ``<svg>``
element as a string, ready to inline in a page. Every name that reaches the markup goes
through ``_text`` (XML escaping, quotes included), because contender names come from import
files and must never become markup. Each chart has a ``viewBox`` (it scales with its box), an
accessible ``<title>`` and ``<desc>``, and a ``<title>`` per mark for hover details.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
CHAR_WIDTH = 6.4  # rough width of one character at 12px, to size label columns
MAX_LABEL_CHARS = 28
INK = "#1d2330"
MUTED = "#5b6475"
GRID = "#e3e6ec"
ACCENT = "#2f5bd3"
EMPTY_CELL = "#f0f2f6"


@dataclass(frozen=True)
class RatingPoint:
    """One contender on the rating chart: its rating and 95% interval (Elo scale)."""

    name: str
    rating: float
    lower: float
    upper: float


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _label(name: str) -> str:
    return name if len(name) <= MAX_LABEL_CHARS else name[: MAX_LABEL_CHARS - 1] + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _grid_line(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
        f'stroke="{GRID}"/>'
    )


def _tick_label(x: float, y: float, value: float, *, anchor: str, centred: bool = False) -> str:
    """An axis label; ``centred`` puts its middle, not its baseline, at ``y``."""
    dy = ' dy="0.35em"' if centred else ""
    return (
        f'<text x="{_number(x)}" y="{_number(y)}"{dy} text-anchor="{anchor}" '
        f'fill="{MUTED}">{_number(value)}</text>'
    )


def _open_svg(width: float, height: float, *, chart_id: str, title: str, desc: str) -> list[str]:
    return [
        # width/height are the natural size: CSS shrinks a chart to its box, never enlarges
        # it, so the 12px labels stay readable.
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_number(width)} '
        f'{_number(height)}" width="{_number(width)}" height="{_number(height)}" '
        f'class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{_text(FONT)}" font-size="12" fill="{INK}">',
        f'<title id="{chart_id}-title">{_text(title)}</title>',
        f'<desc id="{chart_id}-desc">{_text(desc)}</desc>',
    ]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 x 10^k) covering ``low``..``high``."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0]
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(index * step, 10) for index in range(first, last + 1)]


def rating_chart(points: Sequence[RatingPoint], *, chart_id: str = "ratings") -> str:
    """Ratings as dots with their 95% intervals as whiskers, one row per contender, in order."""
    row_height = 30.0 if len(points) <= 20 else 22.0
    top, bottom, right = 12.0, 34.0, 24.0
    label_width = 16 + CHAR_WIDTH * max((len(_label(p.name)) for p in points), default=4)
    width = max(480.0, label_width + 360)
    height = top + row_height * max(len(points), 1) + bottom
    ticks = nice_ticks(
        min((p.lower for p in points), default=900.0),
        max((p.upper for p in points), default=1100.0),
    )
    low, high = ticks[0], ticks[-1]
    plot_left, plot_right = label_width, width - right

    def x(value: float) -> float:
        return plot_left + (value - low) / (high - low) * (plot_right - plot_left)

    parts = _open_svg(
        width,
        height,
        chart_id=chart_id,
        title="Ratings with 95% intervals",
        desc=(
            f"{len(points)} contenders, best first. Each dot is a rating on the Elo scale; "
            "the line through it spans its 95% bootstrap interval."
        ),
    )
    axis_y = height - bottom
    for tick in ticks:
        tx = x(tick)
        parts.append(
            _grid_line(tx, top, tx, axis_y) + _tick_label(tx, axis_y + 18, tick, anchor="middle")
        )
    for index, point in enumerate(points):
        cy = _number(top + row_height * (index + 0.5))
        x1, x2, cx = _number(x(point.lower)), _number(x(point.upper)), _number(x(point.rating))
        summary = (
            f"{point.name}: {point.rating:.0f} "
            f"(95% interval {point.lower:.0f} to {point.upper:.0f})"
        )
        parts.append(
            f'<g class="chart-row"><title>{_text(summary)}</title>'
            f'<text x="{_number(label_width - 10)}" y="{cy}" dy="0.35em" '
            f'text-anchor="end">{_text(_label(point.name))}</text>'
            f'<line x1="{x1}" y1="{cy}" x2="{x2}" y2="{cy}" stroke="{ACCENT}" '
            f'stroke-width="2.5" stroke-linecap="round" opacity="0.55"/>'
            f'<circle cx="{cx}" cy="{cy}" r="5" fill="{ACCENT}" stroke="#fff" '
            f'stroke-width="1.5"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def win_rate_colour(rate: float) -> str:
    """Red for 0 through white at one half to blue for 1 (the row contender's win rate)."""
    rate = min(max(rate, 0.0), 1.0)
    red, white, blue = (214, 69, 65), (255, 255, 255), (47, 91, 211)
    start, share = (red, rate * 2) if rate < 0.5 else (blue, (1 - rate) * 2)
    channels = (round(s + (w - s) * share) for s, w in zip(start, white, strict=True))
    return "#{:02x}{:02x}{:02x}".format(*channels)


def _ink_on(rate: float) -> str:
    return "#fff" if abs(rate - 0.5) > 0.3 else INK


def win_rate_heatmap(
    names: Sequence[str],
    win_rate: Sequence[Sequence[float | None]],
    votes: Sequence[Sequence[int]],
    *,
    chart_id: str = "win-rates",
) -> str:
    """Head-to-head win rates: cell (row, column) is how often row beat column (ties half).

    Cells without votes (and the diagonal) are blank grey; the others are coloured from red
    (row always lost) to blue (row always won) and labelled with the percentage when the
    cell is large enough to hold it.
    """
    n = len(names)
    cell = max(18.0, min(46.0, 620.0 / max(n, 1)))
    longest = max((len(_label(name)) for name in names), default=4)
    label_width = 14 + CHAR_WIDTH * longest
    # Column labels run up and to the right at 45°: as much room above as to the right.
    header = 10 + CHAR_WIDTH * 0.75 * longest
    width = label_width + cell * (n - 0.5) + header
    height = header + cell * n + 12
    parts = _open_svg(
        width,
        height,
        chart_id=chart_id,
        title="Head-to-head win rates",
        desc=(
            "Each cell shows how often the contender of its row beat the contender of its "
            "column, ties counting half: blue above one half, red below, grey without votes."
        ),
    )
    for column, name in enumerate(names):
        cx = _number(label_width + cell * (column + 0.5))
        parts.append(
            f'<text transform="translate({cx} {_number(header - 6)}) rotate(-45)" '
            f'font-size="11"><title>{_text(name)}</title>{_text(_label(name))}</text>'
        )
    show_numbers = cell >= 30
    for row, row_name in enumerate(names):
        y = header + cell * row
        parts.append(
            f'<text x="{_number(label_width - 8)}" y="{_number(y + cell / 2)}" dy="0.35em" '
            f'text-anchor="end"><title>{_text(row_name)}</title>{_text(_label(row_name))}</text>'
        )
        for column, column_name in enumerate(names):
            count = votes[row][column] if row != column else 0
            rate = win_rate[row][column] if count else None
            x = label_width + cell * column
            if rate is None:
                fill, summary = EMPTY_CELL, f"{row_name} vs {column_name}: no votes"
            else:
                fill = win_rate_colour(rate)
                summary = (
                    f"{row_name} vs {column_name}: {rate:.0%} win rate over "
                    f"{_plural(count, 'vote')}"
                )
            parts.append(
                f"<g><title>{_text(summary)}</title>"
                f'<rect x="{_number(x)}" y="{_number(y)}" width="{_number(cell - 2)}" '
                f'height="{_number(cell - 2)}" rx="3" fill="{fill}"/>'
            )
            if rate is not None and show_numbers:
                parts.append(
                    f'<text x="{_number(x + cell / 2 - 1)}" y="{_number(y + cell / 2 - 1)}" '
                    f'dy="0.35em" text-anchor="middle" font-size="11" '
                    f'fill="{_ink_on(rate)}">{round(rate * 100)}</text>'
                )
            parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def coverage_histogram(counts: Sequence[int], *, target: int, chart_id: str = "coverage") -> str:
    """Bars of how many comparisons have 0, 1, 2, … judgments; bars at or past ``target``
    are green, the rest blue."""
    left, top, bottom, right = 56.0, 16.0, 38.0, 12.0
    slots = max(len(counts), 1)
    bar = max(14.0, min(64.0, 560.0 / slots))
    width = left + bar * slots + right
    height = 200.0
    plot_bottom = height - bottom
    ticks = nice_ticks(0, max(max(counts, default=0), 1), count=4)
    top_value = ticks[-1] or 1

    def y(value: float) -> float:
        return plot_bottom - value / top_value * (plot_bottom - top)

    total = sum(counts)
    parts = _open_svg(
        width,
        height,
        chart_id=chart_id,
        title="Coverage of regular comparisons",
        desc=(
            f"How many of {total} regular comparisons have 0, 1, 2, … judgments; "
            f"the target is {target} per comparison."
        ),
    )
    for tick in ticks:
        ty = y(tick)
        parts.append(
            _grid_line(left, ty, width - right, ty)
            + _tick_label(left - 8, ty, tick, anchor="end", centred=True)
        )
    for judgments, count in enumerate(counts):
        x = left + bar * judgments
        top_y = y(count)
        fill = "#1d7a46" if judgments >= target else ACCENT
        parts.append(
            f"<g><title>{_plural(count, 'comparison')} with {_plural(judgments, 'judgment')}"
            "</title>"
            f'<rect x="{_number(x + 2)}" y="{_number(top_y)}" width="{_number(bar - 4)}" '
            f'height="{_number(plot_bottom - top_y)}" rx="2" fill="{fill}"/>'
            f'<text x="{_number(x + bar / 2)}" y="{_number(plot_bottom + 16)}" '
            f'text-anchor="middle" fill="{MUTED}">{judgments}</text></g>'
        )
    parts.append(
        f'<text x="{_number(left + bar * slots / 2)}" y="{_number(height - 4)}" '
        f'text-anchor="middle" fill="{MUTED}">judgments per comparison</text></svg>'
    )
    return "".join(parts)
