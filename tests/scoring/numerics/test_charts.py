"""The server-side SVG charts: well-formed, accessible, and names always escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from scoring.numerics.charts import (
    RatingPoint,
    coverage_histogram,
    nice_ticks,
    rating_chart,
    win_rate_colour,
    win_rate_heatmap,
)

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script>"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def texts(root: ET.Element) -> list[str]:
    """What each <text> shows (its own text, not the tooltip <title> inside it)."""
    return [
        (element.text or "") + "".join(child.tail or "" for child in element)
        for element in root.iter(f"{SVG}text")
    ]


def test_rating_chart_has_a_viewbox_a_title_and_one_row_per_contender():
    points = [
        RatingPoint("model-x", 1040.0, 1010.0, 1070.0),
        RatingPoint("model-y", 960.0, 930.0, 985.0),
    ]
    root = parse(rating_chart(points))
    assert root.get("viewBox", "").startswith("0 0 ")
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Ratings with 95% intervals"
    assert len(root.findall(f"{SVG}g")) == 2
    row_titles = [group.find(f"{SVG}title").text for group in root.findall(f"{SVG}g")]
    assert row_titles[0] == "model-x: 1040 (95% interval 1010 to 1070)"
    assert {"model-x", "model-y"} <= set(texts(root))


def test_a_hostile_contender_name_is_text_never_markup():
    points = [RatingPoint(HOSTILE, 1000.0, 990.0, 1010.0), RatingPoint('"q"&<b>', 990, 980, 1000)]
    chart = rating_chart(points)
    heatmap = win_rate_heatmap([HOSTILE, '"q"&<b>'], [[0.5, 0.8], [0.2, 0.5]], [[0, 5], [5, 0]])
    for svg in (chart, heatmap):
        assert "<script>" not in svg and "<b>" not in svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
        root = parse(svg)  # still well-formed XML
        assert HOSTILE in texts(root)
        assert not list(root.iter(f"{SVG}script"))


def test_long_names_are_shortened_on_the_chart_but_whole_in_the_tooltip():
    name = "an-extremely-long-model-name-with-many-parts-70b-instruct"
    root = parse(win_rate_heatmap([name, "short"], [[0.5, 0.6], [0.4, 0.5]], [[0, 3], [3, 0]]))
    assert name[:27] + "…" in texts(root)
    titles = [element.text for element in root.iter(f"{SVG}title")]
    assert name in titles


def test_heatmap_colours_cells_by_win_rate_and_leaves_unplayed_pairs_grey():
    names = ["a", "b", "c"]
    win_rate = [[0.5, 1.0, 0.5], [0.0, 0.5, 0.25], [0.5, 0.75, 0.5]]
    votes = [[0, 4, 0], [4, 0, 8], [0, 8, 0]]
    root = parse(win_rate_heatmap(names, win_rate, votes))
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert len(fills) == 9
    assert fills[1] == win_rate_colour(1.0) == "#2f5bd3"
    assert fills[3] == win_rate_colour(0.0) == "#d64541"
    assert fills[0] == fills[2] == fills[4] == "#f0f2f6"  # diagonal and a pair without votes
    titles = [element.text for element in root.iter(f"{SVG}title")]
    assert "b vs c: 25% win rate over 8 votes" in titles
    assert "a vs c: no votes" in titles
    assert "100" in texts(root) and "25" in texts(root)


def test_white_is_an_even_record():
    assert win_rate_colour(0.5) == "#ffffff"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0, 10, [0, 2, 4, 6, 8, 10]), (912, 1088, [900, 950, 1000, 1050, 1100]), (5, 5, None)],
)
def test_ticks_are_round_and_cover_the_range(low, high, expected):
    ticks = nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high
    if expected is not None:
        assert ticks == expected


def test_coverage_histogram_marks_bars_at_the_target():
    root = parse(coverage_histogram([5, 3, 0, 7], target=3))
    bars = list(root.iter(f"{SVG}rect"))
    assert len(bars) == 4
    assert [bar.get("fill") for bar in bars] == ["#2f5bd3"] * 3 + ["#1d7a46"]
    assert float(bars[2].get("height")) == 0
    assert "7 comparisons with 3 judgments" in [e.text for e in root.iter(f"{SVG}title")]


def test_charts_cope_with_nothing_to_draw():
    for svg in (rating_chart([]), win_rate_heatmap([], [], []), coverage_histogram([], target=3)):
        assert parse(svg).tag == f"{SVG}svg"
