"""The comparison cache's style counts in a column of their own (ComparisonCache.style), so
that a run whose extras are not due reads only the contenders, categories and ids; stored
with lz4, as the arrays are (migration 0007). Rows written before are rebuilt by the next
run (comparison_cache.CACHE_VERSION 4).
"""

from collections.abc import Callable

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def set_compression(method: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
            if not cursor.fetchone()[0]:
                return
            cursor.execute(
                f"ALTER TABLE scoring_comparisoncache ALTER COLUMN style SET COMPRESSION {method}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("scoring", "0008_response_style_follows_text")]

    operations = [
        migrations.AddField(
            model_name="comparisoncache",
            name="style",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(set_compression("lz4"), set_compression("default")),
    ]
