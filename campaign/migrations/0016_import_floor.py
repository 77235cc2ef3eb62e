"""Two indexes and a foreign key that every imported row paid for and no query needed whole
(issue 14, item 4).

- ``campaign_response.contender_id``: nothing reads responses by contender but the cascade of a
  contender's deletion (admin only; it now scans the table: ~0.2 s at a million responses,
  against ~0.25 s through the index, both dwarfed by the cascade's own work). The index cost
  each imported response an insert into a tree in random contender order: ~1.3 s of
  PostgreSQL CPU per 300,000 responses (bench/import_floor.py).
- ``comparison_adaptive_queue`` keeps only rows with a bucket (``priority > 0``). The adaptive
  pick's settled branch (priority = 0) walks the uniform ``comparison_regular_queue``
  instead, passing over only rows the urgent branch would have served
  (campaign.annotate.allocation). Imported comparisons, all in bucket 0, cost it nothing.

- A prompt's campaign: no foreign key any more, but triggers that check it once per statement,
  as migration 0014 does for the composite keys (its docstring gives the concurrency argument,
  the same here): inserted prompts lock their campaigns FOR KEY SHARE and are refused, with
  foreign_key_violation, if one names no campaign; a prompt moved to another campaign
  likewise. A campaign deleted, re-keyed or truncated while prompts still name it is refused,
  as the key's NO ACTION did (Django deletes a campaign's prompts before it, so its cascade
  is unchanged). The key checked every imported prompt on its own: ~0.75 s of PostgreSQL CPU
  per 100,000 prompts, all of the one campaign the import holds. PostgreSQL only; on SQLite
  (the demo) the key goes, as 0014's did there.

The annotate pick's plans at a million comparisons, before and after, are in the commit that
adds this migration; both walks stay ordered index scans from the front, with no sort.
"""

# The SQL here is built from constant table and column names, never from input.
# ruff: noqa: S608

import django.db.models.deletion
from django.db import migrations, models

KEY = "prompt_campaign"
PINNED = "SET enable_hashjoin = off SET enable_mergejoin = off"  # as in 0014
REFUSED_INSERT = (
    f'RAISE EXCEPTION \'insert or update on table "campaign_prompt" violates foreign key '
    f"constraint \"{KEY}\"' USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{KEY}', "
    "TABLE = 'campaign_prompt';"
)
REFUSED_DELETE = (
    'RAISE EXCEPTION \'update or delete on table "campaign_campaign" violates foreign key '
    f'constraint "{KEY}" on table "campaign_prompt"\' USING ERRCODE = '
    f"'foreign_key_violation', CONSTRAINT = '{KEY}', TABLE = 'campaign_campaign';"
)
# (function and trigger name, trigger clause, body)
TRIGGERS = [
    (
        "campaign_prompt_campaign_inserted",
        "AFTER INSERT ON campaign_prompt REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
        "PERFORM 1 FROM campaign_campaign c WHERE c.id IN "
        "(SELECT DISTINCT campaign_id FROM new_rows) ORDER BY c.id FOR KEY SHARE OF c; "
        "IF EXISTS (SELECT 1 FROM (SELECT DISTINCT campaign_id FROM new_rows) n "
        "WHERE NOT EXISTS (SELECT 1 FROM campaign_campaign c WHERE c.id = n.campaign_id)) "
        f"THEN {REFUSED_INSERT} END IF;",
    ),
    (
        "campaign_prompt_campaign_updated",
        "AFTER UPDATE ON campaign_prompt FOR EACH ROW "
        "WHEN (OLD.campaign_id IS DISTINCT FROM NEW.campaign_id)",
        "PERFORM 1 FROM campaign_campaign c WHERE c.id = NEW.campaign_id FOR KEY SHARE; "
        "IF NOT FOUND THEN " + REFUSED_INSERT + " END IF;",
    ),
    (
        "campaign_campaign_prompts_deleted",
        "AFTER DELETE ON campaign_campaign REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        "IF EXISTS (SELECT 1 FROM old_rows o WHERE EXISTS "
        "(SELECT 1 FROM campaign_prompt p WHERE p.campaign_id = o.id)) "
        f"THEN {REFUSED_DELETE} END IF;",
    ),
    (
        "campaign_campaign_prompts_rekeyed",
        "AFTER UPDATE ON campaign_campaign FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)",
        "IF EXISTS (SELECT 1 FROM campaign_prompt p WHERE p.campaign_id = OLD.id) "
        f"THEN {REFUSED_DELETE} END IF;",
    ),
    (
        # After the whole TRUNCATE: prompts truncated in the same statement are gone by then.
        "campaign_campaign_prompts_truncated",
        "AFTER TRUNCATE ON campaign_campaign FOR EACH STATEMENT",
        f"IF EXISTS (SELECT 1 FROM campaign_prompt) THEN {REFUSED_DELETE} END IF;",
    ),
]


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, clause, body in TRIGGERS:
        schema_editor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql {PINNED} AS $$\n"
            f"BEGIN\n  {body}\n  RETURN NULL;\nEND\n$$",
            params=None,
        )
        schema_editor.execute(
            f"CREATE TRIGGER {name} {clause} EXECUTE FUNCTION {name}()", params=None
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, clause, _body in TRIGGERS:
        table = clause.split(" ON ", 1)[1].split(" ", 1)[0]
        schema_editor.execute(f"DROP TRIGGER {name} ON {table}", params=None)
        schema_editor.execute(f"DROP FUNCTION {name}()", params=None)


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
        # The key goes (Django drops it), then the triggers that stand for it come.
        migrations.AlterField(
            model_name="prompt",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="prompts",
                to="campaign.campaign",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="comparison",
            index=models.Index(
                condition=models.Q(("gold_side", ""), ("priority__gt", 0)),
                fields=["campaign", "-priority", "load", "shuffle"],
                name="comparison_adaptive_queue",
            ),
        ),
    ]
