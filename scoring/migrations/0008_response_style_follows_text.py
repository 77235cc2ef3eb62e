"""A response's stored style counts are dropped when its text changes.

The admin lets an organiser correct a response's text after its import; its ResponseStyle row
(scoring.models) was counted from the old text and would have stayed. A trigger on the
response table deletes the row whenever the text changes, for every writer; the next run
(which re-reads every comparison after an admin edit: Campaign.items_edited) counts the new
text. A trigger, not code in the admin, because campaign must not import scoring.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRESQL = [
    """CREATE FUNCTION scoring_forget_response_style() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM scoring_responsestyle WHERE response_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER scoring_forget_response_style AFTER UPDATE OF text ON campaign_response
    FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text)
    EXECUTE FUNCTION scoring_forget_response_style()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER scoring_forget_response_style ON campaign_response",
    "DROP FUNCTION scoring_forget_response_style()",
]
SQLITE = [
    """CREATE TRIGGER scoring_forget_response_style AFTER UPDATE OF text ON campaign_response
    FOR EACH ROW WHEN OLD.text IS NOT NEW.text
    BEGIN DELETE FROM scoring_responsestyle WHERE response_id = NEW.id; END""",
]
SQLITE_REVERSE = ["DROP TRIGGER scoring_forget_response_style"]


def forward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL if postgresql else SQLITE:
        schema_editor.execute(statement, params=None)


def backward(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    postgresql = schema_editor.connection.vendor == "postgresql"
    for statement in POSTGRESQL_REVERSE if postgresql else SQLITE_REVERSE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_lz4_blobs"), ("campaign", "0014_set_based_keys")]

    operations = [migrations.RunPython(forward, backward)]
