"""The modules that register the snapshot's extra views and analyses (scoring.extras).

Imported once at start-up by scoring.apps; the import order is the registration order, which
is the order of the leaderboard's view switch. Add one line per module.
"""

from scoring import controlled  # noqa: F401  (style, category, position_bias)
