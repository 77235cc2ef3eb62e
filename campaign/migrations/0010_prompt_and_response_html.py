"""Prompt.html and Response.html: the texts' HTML, rendered once (campaign.rendered_texts).

The stored rows are rendered here, so pages never fall back to rendering an old row.
"""

from django.db import migrations, models

from campaign.rendering import markdown_html

BATCH_ROWS = 500


def render_stored_texts(apps, schema_editor):
    for name in ("Prompt", "Response"):
        model = apps.get_model("campaign", name)
        pending = model.objects.filter(html__isnull=True).order_by("pk").only("pk", "text")
        last = 0
        while batch := list(pending.filter(pk__gt=last)[:BATCH_ROWS]):
            for row in batch:
                row.html = markdown_html(row.text)
            model.objects.bulk_update(batch, ["html"])
            last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0009_exclude_at_chance_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="prompt",
            name="html",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="response",
            name="html",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(render_stored_texts, migrations.RunPython.noop, elidable=True),
    ]
