"""The scoring state's per-comparison cells' base in a column of its own (scoring.state_storage),
compressed with lz4 like the state's other bytes (migration 0007). A state stored before it is
of the previous STATE_VERSION, so the next run refolds it in full and fills the column.
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
                "ALTER TABLE scoring_scoringstate "
                f"ALTER COLUMN comparison_base SET COMPRESSION {method}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [("scoring", "0009_comparison_cache_style")]

    operations = [
        migrations.AddField(
            model_name="scoringstate",
            name="comparison_base",
            field=models.BinaryField(default=b""),
        ),
        migrations.RunPython(set_compression("lz4"), set_compression("default")),
    ]
