"""The judgment's unique key (comparison, annotator) carries the judgment's id and verdict
(issue 14, item 1).

An incremental scoring run re-reads every judgment of the comparisons its new judgments touch
(scoring.campaign_data.comparison_judgments: about 9,000 comparisons and 30,000 judgments
after 10,000 new ones). Through the key alone each row was a heap fetch, and a comparison's
judgments lie far apart in the table: at 10M judgments some 36,000 random page reads. With id
and verdict in the key's leaf entries the read is an index-only scan (pages marked all-visible
by VACUUM, which autovacuum does) and fetches only the leaves.

The same key replaced, not an index added: an insert still updates the same five indexes; the
key grows by its new columns (39 to 47 MB at a million judgments). Rebuilding it holds the table's lock for the
build (about 1 s per million judgments on this machine).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0017_judgment_keys_per_statement"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="judgment",
            name="judgment_once_per_annotator",
        ),
        migrations.AddConstraint(
            model_name="judgment",
            constraint=models.UniqueConstraint(
                fields=("comparison", "annotator"),
                include=("id", "verdict"),
                name="judgment_once_per_annotator",
            ),
        ),
    ]
