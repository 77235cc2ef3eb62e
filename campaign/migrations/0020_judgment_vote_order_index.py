"""The index of a campaign's judgments in time order also orders equal times by id: vote
order, (created_at, id), straight from the index (issue 14: the full run at 10M).

A scoring run reads judgments in vote order (scoring.judgment_reads). On (campaign,
created_at) the server scanned the index, then sorted each run of equal times by id (an
Incremental Sort: about 0.3 s a million judgments, a third of the read). With id as the
index's last column the scan gives the rows in order and the keyset condition
(created_at, id) > (…) starts where the last chunk stopped.

One index replaces the other: an insert still updates as many indexes; each entry grows by
the id's 8 bytes. On PostgreSQL both steps run CONCURRENTLY (outside a transaction), so
annotation goes on while the new index builds (about 1 s per million judgments); a plain
DROP INDEX would hold the table's ACCESS EXCLUSIVE lock, reads blocked too, for the whole
build. Elsewhere (SQLite) the schema editor's ordinary statements.
"""

from django.db import migrations, models

OLD = models.Index(fields=["campaign", "created_at"], name="judgment_campaign_created")
NEW = models.Index(fields=["campaign", "created_at", "id"], name="judgment_vote_order")


def _swap(apps, schema_editor, add: models.Index, remove: models.Index) -> None:
    judgment = apps.get_model("campaign", "Judgment")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(judgment, add)
        schema_editor.remove_index(judgment, remove)
        return
    schema_editor.add_index(judgment, add, concurrently=True)
    schema_editor.remove_index(judgment, remove, concurrently=True)


def forwards(apps, schema_editor) -> None:
    _swap(apps, schema_editor, NEW, OLD)


def backwards(apps, schema_editor) -> None:
    _swap(apps, schema_editor, OLD, NEW)


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [("campaign", "0019_judge_locks_no_comparison")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="judgment", name=OLD.name),
                migrations.AddIndex(model_name="judgment", index=NEW),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
