"""The modules that register the snapshot's extra views and analyses (scoring.extras).

Imported once at start-up by scoring.apps, in this order, which is the registration order and
so the order of the leaderboard's view switch. Add one line per module.
"""

EXTRA_MODULES = (
    "scoring.crowd_view",  # the annotator-aware board (Crowd-BT)
    "scoring.controlled",  # style-controlled and per-category boards, position bias
    "scoring.coverage",  # the dashboard's coverage tally
    "scoring.robustness",  # how solid is the ranking, for the dashboard
    "scoring.allocation",  # pair priorities for adaptive allocation, stopping advice
)
