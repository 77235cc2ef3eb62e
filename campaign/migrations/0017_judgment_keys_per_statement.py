"""A judgment's comparison, annotator and assignment: checked once per statement, locking what
a key locks.

All three were foreign keys, checked row by row: a trigger per row running a one-row query
(the assignment's even for the empty assignment of every imported vote). A vote import COPYs
its judgments 2,000 a statement, and at 200,000 votes the three checks were ~2.7 s of
PostgreSQL CPU (of ~5.4 s for the whole import; measured by dropping each key before a COPY of
the same rows: 1.3 s the comparison's, 1.1 s the annotator's, 0.3 s the assignment's); done
once per statement for the same rows, 0.5 s and 0.03 s (300 distinct annotators) and nothing.

Unlike migration 0014, the triggers here lock the referenced rows themselves, FOR KEY SHARE
and in id order, exactly the rows and the lock mode the keys took: a judge request (one
judgment, written by the annotate loop, which already holds its assignment FOR UPDATE) takes
the same locks as before, and no campaign row is shared by every judge (0014 explains why
that was the reason these keys stayed keys). Concurrency is therefore the keys' own: a
deleter of a referenced row waits for every writer holding it, then its check (a fresh
snapshot: READ COMMITTED) sees what they wrote; a writer coming after an uncommitted deletion
waits for it and, once it commits, locks fewer rows than it names, and is refused.

- judgments inserted (any statement, COPY included): one AFTER ... FOR EACH STATEMENT trigger
  locks the distinct (campaign, comparison) pairs, annotators and assignments its rows name
  and refuses the whole statement with foreign_key_violation (Django's IntegrityError) if any
  is missing;
- a judgment's key columns changed by UPDATE: the same check for that row;
- a comparison deleted: its judgments are deleted, as ON DELETE CASCADE did; its (id,
  campaign) changed while judged, or the table truncated without the judgments, refused;
- a user or an assignment deleted, its id changed, or its table truncated while judgments name
  it: refused, as the keys' NO ACTION did (Django deletes an account's judgments, and empties
  an assignment's judgment, before it).

The annotator and assignment keys were DEFERRABLE INITIALLY DEFERRED (Django's default); the
trigger checks at the end of the statement, as the vote import already had it (SET CONSTRAINTS
... IMMEDIATE) and as the annotate loop needs (it writes the assignment first).

PostgreSQL only, as 0011 and 0014; on SQLite the annotator and assignment keys go (the model
says so) and the composite key never existed.
"""

# The SQL here is built from constant table and column names, never from input.
# ruff: noqa: S608

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COMPARISON_KEY = "judgment_comparison_same_campaign"
ANNOTATOR_KEY = "judgment_annotator"
ASSIGNMENT_KEY = "judgment_assignment"
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


def _referenced(table: str, column: str, key: str) -> list[tuple[str, str, str, str]]:
    """A referenced table of a NO ACTION key: a row deleted or re-keyed, or the table truncated,
    while judgments name it is refused (Django nulls or deletes them first)."""
    refused = _refused(key, "delete", table)
    return [
        (
            f"{table}_judgments_deleted",
            f"AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
            "",
            f"IF EXISTS (SELECT 1 FROM old_rows o WHERE EXISTS (SELECT 1 FROM {JUDGMENT} j "
            f"WHERE j.{column} = o.id)) THEN {refused} END IF;",
        ),
        (
            f"{table}_judgments_rekeyed",
            f"AFTER UPDATE ON {table} FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)",
            "",
            f"IF EXISTS (SELECT 1 FROM {JUDGMENT} j WHERE j.{column} = OLD.id) THEN "
            f"{refused} END IF;",
        ),
        (
            f"{table}_judgments_truncated",
            f"AFTER TRUNCATE ON {table} FOR EACH STATEMENT",
            "",
            f"IF EXISTS (SELECT 1 FROM {JUDGMENT} j WHERE j.{column} IS NOT NULL) THEN "
            f"{refused} END IF;",
        ),
    ]


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
        # Imported votes have none; a judge's is already locked FOR UPDATE by the loop.
        _lock_all(
            "campaign_assignment",
            "t.id IN (SELECT assignment_id FROM new_rows)",
            "SELECT DISTINCT assignment_id FROM new_rows WHERE assignment_id IS NOT NULL",
            ASSIGNMENT_KEY,
        ),
    ]
)
UPDATED = (
    "PERFORM 1 FROM campaign_comparison t WHERE t.campaign_id = NEW.campaign_id "
    "AND t.id = NEW.comparison_id FOR KEY SHARE;\n"
    f"  IF NOT FOUND THEN {_refused(COMPARISON_KEY, 'insert')} END IF;\n"
    "  PERFORM 1 FROM accounts_user t WHERE t.id = NEW.annotator_id FOR KEY SHARE;\n"
    f"  IF NOT FOUND THEN {_refused(ANNOTATOR_KEY, 'insert')} END IF;\n"
    "  IF NEW.assignment_id IS NOT NULL THEN\n"
    "    PERFORM 1 FROM campaign_assignment t WHERE t.id = NEW.assignment_id FOR KEY SHARE;\n"
    f"    IF NOT FOUND THEN {_refused(ASSIGNMENT_KEY, 'insert')} END IF;\n"
    "  END IF;"
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
        "OR OLD.annotator_id IS DISTINCT FROM NEW.annotator_id "
        "OR OLD.assignment_id IS DISTINCT FROM NEW.assignment_id)",
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
    *(
        trigger
        for table, column, key in (
            ("accounts_user", "annotator_id", ANNOTATOR_KEY),
            ("campaign_assignment", "assignment_id", ASSIGNMENT_KEY),
        )
        for trigger in _referenced(table, column, key)
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
        # The keys go (Django drops them), then the triggers that stand for them come.
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
        migrations.AlterField(
            model_name="judgment",
            name="assignment",
            field=models.OneToOneField(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="judgment",
                to="campaign.assignment",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
