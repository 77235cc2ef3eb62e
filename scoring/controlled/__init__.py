"""Controlled views and the position-bias analysis of a snapshot (issue 12, PRODUCT.md
"Scoring"), each an extra of scoring.extras, registered in this order (the switch's order):

- ``style`` (view): Bradley-Terry with the responses' style as covariates (style.py);
- ``category`` (view): one default-style board per prompt category (categories.py);
- ``position_bias`` (analysis): the left side's advantage, fitted with the ratings (bias.py).

Each reads what it needs beyond the judgments inside the run's consistent read and leaves
the math to scoring.numerics.
"""

from scoring.controlled import bias, categories, style  # noqa: F401  (registration order)

__all__: list[str] = []
