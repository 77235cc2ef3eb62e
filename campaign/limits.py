"""Text limits, each written once: model fields, forms, templates, services and imports read them.

Pure constants (no Django), so import validation can use them without the models. The size
limit of imported prompt and response texts is a deploy-time value: settings.IMPORT_MAX_TEXT_CHARS.
"""

from __future__ import annotations

PROMPT_ID_MAX_CHARS = 200  # Prompt.external_id: the id given in the import file
CONTENDER_NAME_MAX_CHARS = 200  # Contender.name
CATEGORY_MAX_CHARS = 100  # Prompt.category
# Judgment.rationale is a TextField; the limit is the annotate form's and submit_judgment's.
RATIONALE_MAX_CHARS = 5000
# Assignment.skip_reason (the reason's label and the participant's detail), and the detail box.
SKIP_REASON_MAX_CHARS = 500
# Nesting of an import row (objects and arrays, the row itself counting one): PRODUCT.md's rows
# need three levels, metadata a few more; deeper is refused before it reaches json or jsonb.
IMPORT_JSON_MAX_DEPTH = 32
