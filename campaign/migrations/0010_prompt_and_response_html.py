"""Prompt.html and Response.html: the texts' HTML, rendered once (campaign.rendered_texts).

Only the columns. The rows stored before them are filled by beat's catch-up
(campaign.render_pending_texts, campaigns not closed), and pages render a row on request
until then. Rendering them here instead held the upgrade for over 37 minutes, unfinished, on
a campaign of 10 million judgments (bench/score_campaign.py's database, under load).
"""

from django.db import migrations, models


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
    ]
