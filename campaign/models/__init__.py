"""The campaign app's data model: content (what is judged), work (who judged what) and
uploads (import files waiting between their dry run and their import)."""

from campaign.models.content import (
    SHUFFLE_KEY_LIMIT,
    Campaign,
    Comparison,
    Contender,
    Prompt,
    Response,
    gold_pool,
    random_shuffle_key,
    random_shuffle_keys,
    regular_pool,
)
from campaign.models.uploads import ImportUpload
from campaign.models.work import (
    Assignment,
    Enrollment,
    Judgment,
    TrustState,
    gold_fields,
    is_correct,
)

__all__ = [
    "SHUFFLE_KEY_LIMIT",
    "Assignment",
    "Campaign",
    "Comparison",
    "Contender",
    "Enrollment",
    "ImportUpload",
    "Judgment",
    "Prompt",
    "Response",
    "TrustState",
    "gold_fields",
    "gold_pool",
    "is_correct",
    "random_shuffle_key",
    "random_shuffle_keys",
    "regular_pool",
]
