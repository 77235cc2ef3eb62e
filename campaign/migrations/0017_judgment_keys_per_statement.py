"""A judgment's comparison and annotator: checked once per statement, locking what a key locks.

Both were foreign keys, checked row by row: a trigger per row running a one-row query. A vote
import COPYs its judgments 2,000 a statement, and at 200,000 votes the two checks were
~2.4 s of PostgreSQL CPU (of ~5.4 s for the whole import; measured by dropping each key
before a COPY of the same rows: 1.3 s the comparison's, 1.1 s the annotator's); done once per
statement for the same rows, 0.5 s and 0.03 s (300 distinct annotators).

Unlike migration 0014, the triggers here lock the referenced rows themselves, FOR KEY SHARE
and in id order, exactly the rows and the lock mode the keys took: a judge request (one
judgment, written by the annotate loop) takes the same locks as before, and no campaign row
is shared by every judge (0014 explains why that was the reason these keys stayed keys).
Concurrency is therefore the keys' own: a deleter of a referenced row waits for every writer
holding it, then its check (a fresh snapshot: READ COMMITTED) sees what they wrote; a writer
coming after an uncommitted deletion waits for it and, once it commits, locks fewer rows than
it names, and is refused.

- judgments inserted (any statement, COPY included): one AFTER ... FOR EACH STATEMENT trigger
  locks the distinct (campaign, comparison) pairs and annotators its rows name and refuses the
  whole statement with foreign_key_violation (Django's IntegrityError) if any is missing;
- a judgment's key columns changed by UPDATE: the same check for that row;
- a comparison deleted: its judgments are deleted, as ON DELETE CASCADE did; its (id,
  campaign) changed while judged, or the table truncated without the judgments, refused;
- a user deleted, its id changed, or the table truncated while judgments name it: refused, as
  the annotator key's NO ACTION did (Django deletes an account's judgments before it).

The annotator key was DEFERRABLE INITIALLY DEFERRED (Django's default); the trigger checks at
the end of the statement, as the vote import already had it (SET CONSTRAINTS ... IMMEDIATE).

PostgreSQL only, as 0011 and 0014; on SQLite the annotator key goes (the model says so) and the
composite key never existed.
"""

# The SQL here is built from constant table and column names, never from input.
# ruff: noqa: S608

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COMPARISON_KEY = "judgment_comparison_same_campaign"
ANNOTATOR_KEY = "judgment_annotator"
JUDGMENT = "campaign_judgment"
PINNED = "SET enable_hashjoin = off SET enable_mergejoin = off"  # as in 0014


def _refused(key: str, on: str, target: str = "") -> str:
    message = (
        f'insert or update on table "{JUDGMENT}" violates foreign key constraint "{key}"'
        if on == "insert"
        else f'update or delete on table "{target}" violates foreign key constraint "{key}" '
        f'on table "{JUDGMENT}"'
    )
    table = JUDGMENT if on == "insert" else target
    return (
        f"RAISE EXCEPTION '{message}' USING ERRCODE = 'foreign_key_violation', "
        f"CONSTRAINT = '{key}', TABLE = '{table}';"
    )


def _lock_all(target: str, match: str, named: str, key: str) -> str:
    """Lock the ``target`` rows the new rows name (``match``: a target row ``t`` is named;
    ``named``: how many distinct rows they name), refusing the statement if one is missing."""
    return (
        f"SELECT count(*) INTO wanted FROM ({named}) n;\n"
        f"  SELECT count(*) INTO found FROM (SELECT 1 FROM {target} t WHERE {match} "
        f"ORDER BY t.id FOR KEY SHARE OF t) l;\n"
        f"  IF found < wanted THEN {_refused(key, 'insert')} END IF;"
    )


INSERTED = "\n  ".join(
    [
        _lock_all(
            "campaign_comparison",
            "(t.campaign_id, t.id) IN (SELECT campaign_id, comparison_id FROM new_rows)",
            "SELECT DISTINCT campaign_id, comparison_id FROM new_rows",
            COMPARISON_KEY,
        ),
        _lock_all(
            "accounts_user",
            "t.id IN (SELECT annotator_id FROM new_rows)",
            "SELECT DISTINCT annotator_id FROM new_rows",
            ANNOTATOR_KEY,
        ),
    ]
)
UPDATED = (
    "PERFORM 1 FROM campaign_comparison t WHERE t.campaign_id = NEW.campaign_id "
    "AND t.id = NEW.comparison_id FOR KEY SHARE;\n"
    f"  IF NOT FOUND THEN {_refused(COMPARISON_KEY, 'insert')} END IF;\n"
    "  PERFORM 1 FROM accounts_user t WHERE t.id = NEW.annotator_id FOR KEY SHARE;\n"
    f"  IF NOT FOUND THEN {_refused(ANNOTATOR_KEY, 'insert')} END IF;"
)
COMPARISON_JUDGED = "j.campaign_id = {0}.campaign_id AND j.comparison_id = {0}.id"

# (function and trigger name, trigger clause, declarations, body)
TRIGGERS = [
    (
        "campaign_judgment_keys_inserted",
        f"AFTER INSERT ON {JUDGMENT} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
        "DECLARE wanted bigint; found bigint;",
        INSERTED,
    ),
    (
        "campaign_judgment_keys_updated",
        f"AFTER UPDATE ON {JUDGMENT} FOR EACH ROW WHEN (OLD.campaign_id IS DISTINCT FROM "
        "NEW.campaign_id OR OLD.comparison_id IS DISTINCT FROM NEW.comparison_id "
        "OR OLD.annotator_id IS DISTINCT FROM NEW.annotator_id)",
        "",
        UPDATED,
    ),
    (
        "campaign_comparison_judgments_deleted",
        "AFTER DELETE ON campaign_comparison REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        "",
        f"DELETE FROM {JUDGMENT} j USING old_rows o WHERE {COMPARISON_JUDGED.format('o')};",
    ),
    (
        "campaign_comparison_judgments_rekeyed",
        "AFTER UPDATE ON campaign_comparison FOR EACH ROW "
        "WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)",
        "",
        f"IF EXISTS (SELECT 1 FROM {JUDGMENT} j WHERE {COMPARISON_JUDGED.format('OLD')}) THEN "
        f"{_refused(COMPARISON_KEY, 'delete', 'campaign_comparison')} END IF;",
    ),
    (
        # After the whole TRUNCATE: judgments truncated in the same statement are gone by then.
        "campaign_comparison_judgments_truncated",
        "AFTER TRUNCATE ON campaign_comparison FOR EACH STATEMENT",
        "",
        f"IF EXISTS (SELECT 1 FROM {JUDGMENT}) THEN "
        f"{_refused(COMPARISON_KEY, 'delete', 'campaign_comparison')} END IF;",
    ),
    (
        "accounts_user_judgments_deleted",
        "AFTER DELETE ON accounts_user REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        "",
        f"IF EXISTS (SELECT 1 FROM old_rows o WHERE EXISTS (SELECT 1 FROM {JUDGMENT} j "
        f"WHERE j.annotator_id = o.id)) THEN "
        f"{_refused(ANNOTATOR_KEY, 'delete', 'accounts_user')} END IF;",
    ),
    (
        "accounts_user_judgments_rekeyed",
        "AFTER UPDATE ON accounts_user FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)",
        "",
        f"IF EXISTS (SELECT 1 FROM {JUDGMENT} j WHERE j.annotator_id = OLD.id) THEN "
        f"{_refused(ANNOTATOR_KEY, 'delete', 'accounts_user')} END IF;",
    ),
    (
        "accounts_user_judgments_truncated",
        "AFTER TRUNCATE ON accounts_user FOR EACH STATEMENT",
        "",
        f"IF EXISTS (SELECT 1 FROM {JUDGMENT}) THEN "
        f"{_refused(ANNOTATOR_KEY, 'delete', 'accounts_user')} END IF;",
    ),
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {JUDGMENT} DROP CONSTRAINT {COMPARISON_KEY}", params=None)
    for name, clause, declarations, body in TRIGGERS:
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql {PINNED} AS $$\n"
            f"{declarations}\nBEGIN\n  {body}\n  RETURN NULL;\nEND\n$$",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} {clause} EXECUTE FUNCTION {name}()", params=None
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, clause, _declarations, _body in TRIGGERS:
        table = clause.split(" ON ", 1)[1].split(" ", 1)[0]
        schema_editor.execute(f"DROP TRIGGER {name} ON {table}", params=None)
        schema_editor.execute(f"DROP FUNCTION {name}()", params=None)
    schema_editor.execute(
        f"ALTER TABLE {JUDGMENT} ADD CONSTRAINT {COMPARISON_KEY} "
        "FOREIGN KEY (campaign_id, comparison_id) "
        "REFERENCES campaign_comparison (campaign_id, id) ON DELETE CASCADE",
        params=None,
    )


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("campaign", "0016_import_floor"),
    ]

    operations = [
        # The key goes (Django drops it), then the triggers that stand for both keys come.
        migrations.AlterField(
            model_name="judgment",
            name="annotator",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="judgments",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
