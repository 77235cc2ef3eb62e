"""The composite keys of responses and comparisons, checked once per statement.

A foreign key checks each inserted row on its own: a trigger per row runs a one-row query and
locks the referenced row FOR KEY SHARE. An import COPYs hundreds of thousands of rows, and
these checks were most of PostgreSQL's work on them (bench/import_floor.py: without the keys
below, the COPY of an item import's rows costs 40-60% less backend CPU). Each key is now
enforced by triggers doing what the key did, for every writer (imports, admin, API, demo,
raw SQL), but once per statement:

- rows inserted (any statement: INSERT, COPY): one AFTER ... FOR EACH STATEMENT trigger per
  table reads the statement's new rows (a transition table) and refuses them all, with
  foreign_key_violation (Django's IntegrityError), if one names no row of the referenced
  table with the same (id, prompt, campaign) or (id, campaign);
- a row's key changed by UPDATE (rare: the admin): the same check for that row (a row trigger
  whose WHEN skips the counter updates of the annotate loop without calling it);
- referenced rows deleted: their referencing rows are deleted too, as ON DELETE CASCADE did
  (one statement per key and deleting statement); a referenced row's key changed while
  referenced, or a referenced table truncated alone, is refused, as NO ACTION did.

The judgments' key (judgment_comparison_same_campaign) stays a foreign key: judgments are
written one per request by the annotate loop, where a statement trigger would lock the
campaign row (below) in every judge transaction, one row that every judge of the campaign
would then share (a MultiXact per concurrent lock), to save a vote import a per-row check.
That trade has not been measured under bench/annotate_load.py.

Concurrency. A key locked every referenced row FOR KEY SHARE, so that a concurrent delete
could not remove it before the referencing row committed. Every referenced row here belongs
to the referencing row's campaign (that is what these keys check), so the triggers lock the
campaign row instead, once per statement: writers of referencing rows FOR KEY SHARE (which
does not block each other, nor the import's FOR NO KEY UPDATE), deleters of referenced rows
(and changers of their keys) FOR UPDATE, before their cascade. A deleter therefore waits for
every transaction still adding rows to that campaign, and its cascade (run after the wait,
with a fresh snapshot: writers use READ COMMITTED) removes what they added; a writer that
comes after a deleter waits for it and then no longer finds the deleted row. Writers lock
first and check after, so no check can rely on a row whose deletion is still uncommitted.

The unique constraints that only served as targets of these keys go: (id, campaign) on
prompts and contenders, (id, prompt, campaign) on responses. The checks look rows up by
primary key. (campaign, id) on comparisons stays: it is also the index of a campaign's
comparisons.

The checks' joins are pinned to nested loops over the primary key (function SET clauses): a
plan cached for a statement of one row must stay right for one of a million, and the other
way round; an index probe per row is what both want.

PostgreSQL only, as in 0002, 0011 and 0012; on SQLite the import validates instead.
"""

# The SQL here is built from the constant table and column names below, never from input.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from django.db import migrations

CAMPAIGN = "campaign_campaign"


@dataclass(frozen=True)
class Key:
    name: str
    table: str
    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]

    def matches(self, row: str, target: str) -> str:
        """SQL: ``row``'s columns equal ``target``'s referenced columns."""
        return " AND ".join(
            f"{target}.{theirs} = {row}.{ours}"
            for ours, theirs in zip(self.columns, self.target_columns, strict=True)
        )

    def changed(self, columns: tuple[str, ...]) -> str:
        return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


KEYS = (
    Key(
        "response_prompt_same_campaign",
        "campaign_response",
        ("prompt_id", "campaign_id"),
        "campaign_prompt",
        ("id", "campaign_id"),
    ),
    Key(
        "response_contender_same_campaign",
        "campaign_response",
        ("contender_id", "campaign_id"),
        "campaign_contender",
        ("id", "campaign_id"),
    ),
    Key(
        "comparison_response_a_same_prompt",
        "campaign_comparison",
        ("response_a_id", "prompt_id", "campaign_id"),
        "campaign_response",
        ("id", "prompt_id", "campaign_id"),
    ),
    Key(
        "comparison_response_b_same_prompt",
        "campaign_comparison",
        ("response_b_id", "prompt_id", "campaign_id"),
        "campaign_response",
        ("id", "prompt_id", "campaign_id"),
    ),
)

# Every function: nested loops with index probes, whatever the size of the statement.
PINNED = "SET enable_hashjoin = off SET enable_mergejoin = off"


def _lock(rows: str, mode: str) -> str:
    """Lock the campaigns of ``rows`` (a transition table or a row) in id order."""
    return (
        f"PERFORM 1 FROM {CAMPAIGN} c WHERE c.id IN (SELECT DISTINCT campaign_id FROM {rows}) "
        f"ORDER BY c.id FOR {mode} OF c;"
    )


def _violation(key: Key, on: str) -> str:
    message = (
        f'insert or update on table "{key.table}" violates foreign key constraint "{key.name}"'
        if on == "insert"
        else f'update or delete on table "{key.target}" violates foreign key constraint '
        f'"{key.name}" on table "{key.table}"'
    )
    return (
        f"RAISE EXCEPTION '{message}' USING ERRCODE = 'foreign_key_violation', "
        f"CONSTRAINT = '{key.name}', TABLE = '{key.table if on == 'insert' else key.target}';"
    )


def _function(name: str, body: list[str]) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql {PINNED} AS $$\nBEGIN\n  "
        + "\n  ".join(body)
        + "\n  RETURN NULL;\nEND\n$$"
    )


def referencing_sql(table: str, keys: list[Key]) -> list[str]:
    """The checks of a referencing table's keys: per statement on insert, per row on update."""
    inserted = [_lock("new_rows", "KEY SHARE")]
    for key in keys:
        missing = f"SELECT 1 FROM {key.target} t WHERE {key.matches('n', 't')}"
        inserted.append(f"IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS ({missing})) THEN")
        inserted.append("  " + _violation(key, "insert"))
        inserted.append("END IF;")
    updated = [f"PERFORM 1 FROM {CAMPAIGN} c WHERE c.id = NEW.campaign_id FOR KEY SHARE;"]
    for key in keys:
        updated.append(
            f"IF NOT EXISTS (SELECT 1 FROM {key.target} t WHERE {key.matches('NEW', 't')}) THEN"
        )
        updated.append("  " + _violation(key, "insert"))
        updated.append("END IF;")
    columns = tuple(dict.fromkeys(c for key in keys for c in key.columns))
    return [
        _function(f"{table}_keys_inserted", inserted),
        f"CREATE TRIGGER {table}_keys_inserted AFTER INSERT ON {table} "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_keys_inserted()",
        _function(f"{table}_keys_updated", updated),
        f"CREATE TRIGGER {table}_keys_updated AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({keys[0].changed(columns)}) EXECUTE FUNCTION {table}_keys_updated()",
    ]


def referenced_sql(table: str, keys: list[Key]) -> list[str]:
    """A referenced table's side: cascade deletes, refuse key changes and lone truncation."""
    deleted = [_lock("old_rows", "UPDATE")]
    for key in keys:
        deleted.append(f"DELETE FROM {key.table} r USING old_rows o WHERE {key.matches('r', 'o')};")
    updated = [f"PERFORM 1 FROM {CAMPAIGN} c WHERE c.id = OLD.campaign_id FOR UPDATE;"]
    truncated = []
    for key in keys:
        updated.append(
            f"IF EXISTS (SELECT 1 FROM {key.table} r WHERE {key.matches('r', 'OLD')}) THEN"
        )
        updated.append("  " + _violation(key, "delete"))
        updated.append("END IF;")
        truncated.append(f"IF EXISTS (SELECT 1 FROM {key.table}) THEN")
        truncated.append("  " + _violation(key, "delete"))
        truncated.append("END IF;")
    columns = tuple(dict.fromkeys(c for key in keys for c in key.target_columns))
    return [
        _function(f"{table}_keys_deleted", deleted),
        f"CREATE TRIGGER {table}_keys_deleted AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_keys_deleted()",
        _function(f"{table}_keys_rekeyed", updated),
        f"CREATE TRIGGER {table}_keys_rekeyed AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({keys[0].changed(columns)}) EXECUTE FUNCTION {table}_keys_rekeyed()",
        # After the whole TRUNCATE: a referencing table truncated in the same statement is
        # empty by then, as a key allows.
        _function(f"{table}_keys_truncated", truncated),
        f"CREATE TRIGGER {table}_keys_truncated AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_keys_truncated()",
    ]


def _grouped(by: str) -> dict[str, list[Key]]:
    groups: dict[str, list[Key]] = {}
    for key in KEYS:
        groups.setdefault(getattr(key, by), []).append(key)
    return groups


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for key in KEYS:
        schema_editor.execute(f"ALTER TABLE {key.table} DROP CONSTRAINT {key.name}")
    for table, keys in _grouped("table").items():
        for statement in referencing_sql(table, keys):
            schema_editor.execute(statement)
    for table, keys in _grouped("target").items():
        for statement in referenced_sql(table, keys):
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in _grouped("table"):
        for suffix in ("inserted", "updated"):
            schema_editor.execute(f"DROP TRIGGER {table}_keys_{suffix} ON {table}")
            schema_editor.execute(f"DROP FUNCTION {table}_keys_{suffix}()")
    for table in _grouped("target"):
        for suffix in ("deleted", "rekeyed", "truncated"):
            schema_editor.execute(f"DROP TRIGGER {table}_keys_{suffix} ON {table}")
            schema_editor.execute(f"DROP FUNCTION {table}_keys_{suffix}()")
    for key in KEYS:
        schema_editor.execute(
            f"ALTER TABLE {key.table} ADD CONSTRAINT {key.name} FOREIGN KEY "
            f"({', '.join(key.columns)}) REFERENCES {key.target} "
            f"({', '.join(key.target_columns)}) ON DELETE CASCADE"
        )


class Migration(migrations.Migration):
    dependencies = [("campaign", "0013_campaign_items_edited")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveConstraint(model_name="prompt", name="prompt_unique_id_campaign"),
        migrations.RemoveConstraint(model_name="contender", name="contender_unique_id_campaign"),
        migrations.RemoveConstraint(
            model_name="response", name="response_unique_id_prompt_campaign"
        ),
    ]
