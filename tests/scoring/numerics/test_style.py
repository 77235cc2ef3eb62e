"""Style counts and the style-controlled fit (scoring.numerics.style)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.numerics.style import style_controlled, style_counts, style_differences


def test_style_counts_count_headers_list_items_and_bold_as_documented():
    texts = [
        "# Title\n- one\n* two\n+ three\n  4. four\n**bold** and __also__",
        "plain text, no markdown #notaheader - not a list ** not bold",
        "",
        "#NoSpace\n####### seven\n10. ten\n1.no space",
    ]

    counts = style_counts(texts)

    assert counts.tolist() == [
        [len(texts[0]), 1, 4, 2],
        [len(texts[1]), 0, 0, 0],
        [0, 0, 0, 0],
        [len(texts[3]), 0, 1, 0],
    ]


def test_markdown_inside_code_blocks_is_not_counted_but_its_length_is():
    texts = ["```\n# comment\n- x\n**y**\n```\n## Real", "```python\n# open fence\n", "## after"]

    counts = style_counts(texts)

    assert counts[:, 0].tolist() == [len(text) for text in texts]
    assert counts[:, 1:].tolist() == [[1, 0, 0], [0, 0, 0], [1, 0, 0]]


def test_differences_are_normalised_with_arenas_add_one():
    a = np.array([[10.0, 0.0], [0.0, 4.0]])
    b = np.array([[0.0, 0.0], [10.0, 0.0]])

    assert style_differences(a, b).tolist() == [[10 / 12, 0.0], [-10 / 12, 4 / 6]]


def test_a_crowd_that_likes_long_answers_is_controlled_for():
    """Equal contenders, one always verbose: plain win rates favour it, the style-controlled
    ratings put both at the mean and the length coefficient takes the preference."""
    rng = np.random.default_rng(0)
    votes = 6000
    a = rng.integers(0, 2, votes)
    b = 1 - a
    length = np.where(np.arange(2) == 0, 900.0, 300.0)  # contender 0 is verbose
    counts = np.zeros((2, 4))
    counts[:, 0] = length
    jitter = rng.normal(0, 40, (votes, 2))
    counts_a = counts[a] + np.c_[jitter[:, 0], np.zeros((votes, 3))]
    counts_b = counts[b] + np.c_[jitter[:, 1], np.zeros((votes, 3))]
    differences = style_differences(counts_a, counts_b)
    p = 1.0 / (1.0 + np.exp(-2.0 * differences[:, 0]))  # preference for length only
    score = (rng.random(votes) < p).astype(float)

    result = style_controlled(
        a, b, score, differences, np.arange(votes), n_contenders=2, rounds=200, seed=0
    )

    verbose_wins = np.where(a == 0, score, 1 - score).mean()
    assert verbose_wins > 0.65
    assert result.intervals.rating == pytest.approx([1000.0, 1000.0], abs=25.0)
    length_coefficient = result.coefficients[0]
    assert length_coefficient.name == "length"
    assert length_coefficient.ci_lower > 0
    assert [c.elo for c in result.coefficients[1:]] == [0.0, 0.0, 0.0]
