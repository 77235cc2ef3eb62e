"""Annotate: the assignment engine, judging and skipping, and the participant's pages."""
