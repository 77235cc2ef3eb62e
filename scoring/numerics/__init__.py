"""Scoring numerics: ratings, annotator scores, agreement, flags, charts.

Pure: no Django, no I/O; jobs, commands and views call them."""
