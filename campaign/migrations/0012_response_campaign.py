"""A response repeats its prompt's campaign, so a comparison needs two key checks, not three.

0002 gave a comparison three composite keys: (response_a, prompt) and (response_b, prompt) to
the responses, (prompt, campaign) to the prompt. With the campaign on the response they become
two: (response_x, prompt, campaign) to the response's own (id, prompt, campaign). The response
keeps its campaign equal to its prompt's through the composite key (prompt, campaign) to the
prompt, and (new) to its contender's through (contender, campaign) to the contender; these two
replace its plain keys to prompt and contender, so a response costs no more checks than before.
bench/import_votes.py: the comparisons' key checks were ~60% of PostgreSQL's work on them.

PostgreSQL only for the composite keys, as in 0002; the column is filled on both databases.
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_KEYS = [
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
NEW_KEYS = [
    (
        "campaign_response",
        "response_prompt_same_campaign",
        "(prompt_id, campaign_id)",
        "campaign_prompt (id, campaign_id)",
    ),
    (
        "campaign_response",
        "response_contender_same_campaign",
        "(contender_id, campaign_id)",
        "campaign_contender (id, campaign_id)",
    ),
    (
        "campaign_comparison",
        "comparison_response_a_same_prompt",
        "(response_a_id, prompt_id, campaign_id)",
        "campaign_response (id, prompt_id, campaign_id)",
    ),
    (
        "campaign_comparison",
        "comparison_response_b_same_prompt",
        "(response_b_id, prompt_id, campaign_id)",
        "campaign_response (id, prompt_id, campaign_id)",
    ),
]


def _add(schema_editor, keys):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, columns, target in keys:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY {columns} "
            f"REFERENCES {target} ON DELETE CASCADE"
        )


def _drop(schema_editor, keys):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _columns, _target in keys:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")


def drop_old_keys(apps, schema_editor):
    _drop(schema_editor, [("campaign_comparison", *key) for key in OLD_KEYS])


def add_old_keys(apps, schema_editor):
    _add(schema_editor, [("campaign_comparison", *key) for key in OLD_KEYS])


def add_new_keys(apps, schema_editor):
    _add(schema_editor, NEW_KEYS)


def drop_new_keys(apps, schema_editor):
    _drop(schema_editor, NEW_KEYS)


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0011_composite_judgment_key_fewer_comparison_indexes"),
    ]

    operations = [
        migrations.RunPython(drop_old_keys, add_old_keys),
        migrations.AddField(
            model_name="response",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaign.campaign",
            ),
        ),
        migrations.RunSQL(
            "UPDATE campaign_response SET campaign_id = "
            "(SELECT p.campaign_id FROM campaign_prompt p WHERE p.id = campaign_response.prompt_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="response",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaign.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="prompt",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responses",
                to="campaign.prompt",
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="contender",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="responses",
                to="campaign.contender",
            ),
        ),
        migrations.RemoveConstraint(model_name="response", name="response_unique_id_prompt"),
        migrations.AddConstraint(
            model_name="response",
            constraint=models.UniqueConstraint(
                fields=("id", "prompt", "campaign"), name="response_unique_id_prompt_campaign"
            ),
        ),
        migrations.AddConstraint(
            model_name="contender",
            constraint=models.UniqueConstraint(
                fields=("id", "campaign"), name="contender_unique_id_campaign"
            ),
        ),
        migrations.RunPython(add_new_keys, drop_new_keys),
    ]
