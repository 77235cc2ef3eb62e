"""Scoring: pure numerics for ratings, annotator accuracy and agreement, plus the jobs around them.

The numeric modules (`scoring.numerics`) import nothing from Django, which an import contract
in pyproject.toml checks, so they can be benchmarked, property-tested and run from the command
line (`python -m scoring`).
"""
