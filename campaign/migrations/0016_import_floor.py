"""Two indexes that every imported row paid for and no query needed whole (issue 14, item 4).

- ``campaign_response.contender_id``: nothing reads responses by contender but the cascade of a
  contender's deletion (admin only; it now scans the table: ~0.2 s at a million responses,
  against ~0.25 s through the index, both dwarfed by the cascade's own work). The index cost
  each imported response an insert into a tree in random contender order: ~1.3 s of
  PostgreSQL CPU per 300,000 responses (bench/import_floor.py).
- ``comparison_adaptive_queue`` keeps only rows with a bucket (``priority > 0``). The adaptive
  pick's settled branch (priority = 0) walks the uniform ``comparison_regular_queue``
  instead, passing over only rows the urgent branch would have served
  (campaign.annotate.allocation). Imported comparisons, all in bucket 0, cost it nothing.

The annotate pick's plans at a million comparisons, before and after, are in the commit that
adds this migration; both walks stay ordered index scans from the front, with no sort.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0015_row_ledger"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="comparison",
            name="comparison_adaptive_queue",
        ),
        migrations.AlterField(
            model_name="response",
            name="contender",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responses",
                to="campaign.contender",
            ),
        ),
        migrations.AddIndex(
            model_name="comparison",
            index=models.Index(
                condition=models.Q(("gold_side", ""), ("priority__gt", 0)),
                fields=["campaign", "-priority", "load", "shuffle"],
                name="comparison_adaptive_queue",
            ),
        ),
    ]
