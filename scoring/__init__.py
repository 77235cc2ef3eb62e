"""Scoring: pure numerics for ratings, annotator accuracy and agreement, plus the jobs around them.

The numeric modules (ratings, annotators, agreement, ...) import nothing from Django so they
can be benchmarked, property-tested and run from the command line (`python -m scoring`).
"""
