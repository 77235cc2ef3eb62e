"""What the campaign app announces after its data changed, for whoever reacts (scoring).

Called by the services after their transaction commits. The campaign app never imports the
scoring app: the reaction is wired here by task name, so annotation does not depend on it.
"""

from __future__ import annotations


def judgments_recorded(campaign_id: int) -> None:
    """New judgments of this campaign were committed (one or many)."""
