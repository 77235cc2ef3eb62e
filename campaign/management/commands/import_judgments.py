"""manage.py import_judgments SLUG FILE [--dry-run]"""

from __future__ import annotations

from campaign.imports.command import FileImportCommand
from campaign.imports.votes import import_judgments


class Command(FileImportCommand):
    help = (
        "Import votes collected elsewhere, one row per vote (annotator, prompt, model_a, "
        "model_b, winner; optional created_at, prompt_text, response_a, response_b) from JSONL, "
        "CSV or Parquet, kept in file order. Missing prompts, contenders and comparisons are "
        "created; annotators become imported accounts. The whole file is validated first; a bad "
        "file changes nothing."
    )
    import_file = staticmethod(import_judgments)
