"""The modules that register the snapshot's extra views and analyses (scoring.extras).

Imported once at start-up by scoring.apps; the import order is the registration order, which
is the order of the leaderboard's view switch. Add one line per module.
"""

import scoring.allocation  # noqa: F401  (pair_priorities: adaptive allocation, stopping advice)
