"""Data out of a campaign: the leaderboard, judgments, preference pairs and a Hub dataset.

Each export is a typed row generator (``judgment_rows``, ``preference_rows``) plus the
encoders of scoring.exports.formats, so the commands, the HTTP API and the dashboard stream
the same bytes with flat memory.
"""

from scoring.exports.leaderboard import leaderboard_csv_rows, leaderboard_document

__all__ = ["leaderboard_csv_rows", "leaderboard_document"]
