"""manage.py import_items SLUG FILE [--dry-run]"""

from __future__ import annotations

from campaign.imports.command import FileImportCommand
from campaign.imports.items import import_items


class Command(FileImportCommand):
    help = (
        "Import prompts, responses and (gold) comparisons from JSONL, CSV or Parquet. "
        "The whole file is validated first; a bad file changes nothing."
    )
    import_file = staticmethod(import_items)
