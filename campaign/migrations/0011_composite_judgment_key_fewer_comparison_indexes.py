"""Fewer checks and index entries per imported row, every invariant still kept (issue 14).

- A judgment's campaign and comparison: one composite foreign key, (campaign_id, comparison_id)
  to the comparison's (campaign_id, id), instead of a key each. One check per row instead of
  two, and it refuses what the two did not: a judgment of a comparison of another campaign.
  Its target, the unique (campaign_id, id), replaces comparison_campaign_gold as the index of
  a campaign's comparisons.
- Comparisons lose their single-column indexes on prompt_id, response_a_id and response_b_id:
  comparison_unique_pair now leads with the prompt (it finds a prompt's comparisons, and the
  cascade from a response through its composite key (response, prompt)), and nothing reads
  comparisons by response.

PostgreSQL only for the composite key, as in 0002: on SQLite the import validates instead.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

KEY = "judgment_comparison_same_campaign"


def add_composite_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE campaign_judgment ADD CONSTRAINT {KEY} "
        "FOREIGN KEY (campaign_id, comparison_id) "
        "REFERENCES campaign_comparison (campaign_id, id) ON DELETE CASCADE"
    )


def drop_composite_key(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE campaign_judgment DROP CONSTRAINT {KEY}")


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0010_prompt_and_response_html"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="comparison",
            name="comparison_unique_pair",
        ),
        migrations.RemoveIndex(
            model_name="comparison",
            name="comparison_campaign_gold",
        ),
        migrations.AlterField(
            model_name="comparison",
            name="prompt",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="comparisons",
                to="campaign.prompt",
            ),
        ),
        migrations.AlterField(
            model_name="comparison",
            name="response_a",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaign.response",
            ),
        ),
        migrations.AlterField(
            model_name="comparison",
            name="response_b",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="campaign.response",
            ),
        ),
        migrations.AlterField(
            model_name="judgment",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="judgments",
                to="campaign.campaign",
            ),
        ),
        migrations.AlterField(
            model_name="judgment",
            name="comparison",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="judgments",
                to="campaign.comparison",
            ),
        ),
        migrations.AddConstraint(
            model_name="comparison",
            constraint=models.UniqueConstraint(
                models.F("prompt"),
                django.db.models.functions.comparison.Least("response_a", "response_b"),
                django.db.models.functions.comparison.Greatest("response_a", "response_b"),
                name="comparison_unique_pair",
            ),
        ),
        migrations.AddConstraint(
            model_name="comparison",
            constraint=models.UniqueConstraint(
                fields=("campaign", "id"), name="comparison_unique_campaign_id"
            ),
        ),
        # After its target (comparison_unique_campaign_id) and after the two keys it replaces
        # were dropped by the AlterFields above.
        migrations.RunPython(add_composite_key, drop_composite_key),
    ]
