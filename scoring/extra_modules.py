"""The modules that register the snapshot's extra views and analyses (scoring.extras).

Imported once at start-up by scoring.apps; the import order is the registration order, which
is the order of the leaderboard's view switch. Add one line per module.
"""

from scoring import robustness  # noqa: F401  (how solid is the ranking, for the dashboard)
