"""Composite foreign keys Django cannot declare: a comparison's two responses answer the
comparison's own prompt, and that prompt belongs to the comparison's campaign.

PostgreSQL only: SQLite cannot add constraints to an existing table, and the embedded default
relies on the import service's validation instead.
"""

from django.db import migrations

FOREIGN_KEYS = [
    (
        "comparison_response_a_same_prompt",
        "(response_a_id, prompt_id)",
        "campaign_response (id, prompt_id)",
    ),
    (
        "comparison_response_b_same_prompt",
        "(response_b_id, prompt_id)",
        "campaign_response (id, prompt_id)",
    ),
    (
        "comparison_prompt_same_campaign",
        "(prompt_id, campaign_id)",
        "campaign_prompt (id, campaign_id)",
    ),
]


def add_foreign_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns, target in FOREIGN_KEYS:
        schema_editor.execute(
            f"ALTER TABLE campaign_comparison ADD CONSTRAINT {name} FOREIGN KEY {columns} "
            f"REFERENCES {target} ON DELETE CASCADE"
        )


def drop_foreign_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _columns, _target in FOREIGN_KEYS:
        schema_editor.execute(f"ALTER TABLE campaign_comparison DROP CONSTRAINT {name}")


class Migration(migrations.Migration):
    dependencies = [("campaign", "0001_initial")]

    operations = [migrations.RunPython(add_foreign_keys, drop_foreign_keys)]
