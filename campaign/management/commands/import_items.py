"""manage.py import_items SLUG FILE [--dry-run]"""

from __future__ import annotations

from campaign.item_import import import_items
from campaign.management.file_import import FileImportCommand


class Command(FileImportCommand):
    help = (
        "Import prompts, responses and (gold) comparisons from JSONL, CSV or Parquet. "
        "The whole file is validated first; a bad file changes nothing."
    )
    import_file = staticmethod(import_items)
