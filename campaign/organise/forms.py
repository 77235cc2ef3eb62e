"""The organiser pages' forms: they parse what the browser sent; the services decide.

The campaign form's fields come from the model (``fields_for_model``), so each field carries
the model's own validators, and what the form passes is checked again, with the same words,
by ``create_campaign`` / ``update_campaign_settings``: a refusal from the service lands on the
field it names (``show_refusal``). No rule about a setting is written here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model

from campaign.exceptions import InvalidCampaignSettings
from campaign.imports.files import FORMATS
from campaign.models import Campaign
from campaign.services import CAMPAIGN_SETTINGS, CHANGEABLE_SETTINGS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Settings grouped as the page shows them (every name in CAMPAIGN_SETTINGS, plus slug, title).
SECTIONS = (
    ("Campaign", ("slug", "title", "description", "status", "starts_at", "ends_at")),
    ("Guidelines", ("guidelines",)),
    ("Judging", ("scale", "judgments_per_comparison", "pairs_per_prompt", "lease_minutes")),
    ("Judging", ("require_rationale", "allow_signup", "leaderboard")),
    ("Judging", ("allocation", "min_judgments_per_comparison")),
    (
        "Gold and trust",
        ("gold_rate", "qualification_gold", "min_gold_seen", "min_gold_accuracy"),
    ),
    ("Gold and trust", ("block_untrusted", "exclude_gold_spotters")),
)
HELP = {
    "slug": "Letters, digits and hyphens: the campaign's address, /c/<slug>/. Cannot change later.",
    "description": "One paragraph on the home page.",
    "guidelines": "Markdown, shown to participants above every item.",
    "status": "Draft until you open it from the dashboard; participants see only open campaigns.",
    "starts_at": "Optional, UTC. Judging is refused before it.",
    "ends_at": "Optional, UTC. Judging is refused from it on.",
    "judgments_per_comparison": "Votes each regular comparison should get (under adaptive "
    "allocation: at most).",
    "allocation": "Uniform: every comparison gets the same votes. Adaptive: votes go first to "
    "the pairs of models whose order is still uncertain; the leaderboard says so.",
    "min_judgments_per_comparison": "Under adaptive allocation, the votes every comparison "
    "gets at least.",
    "pairs_per_prompt": "Comparisons per multi-response prompt; empty means every pair.",
    "lease_minutes": "How long an item stays reserved for the participant it was shown to.",
    "gold_rate": "Share of a qualified participant's items that are gold (0 to 1).",
    "qualification_gold": "Gold met early, spread at random over a participant's first items.",
    "min_gold_seen": "Gold judged before a participant can be trusted.",
    "min_gold_accuracy": "Gold accuracy a participant needs to be trusted (0 to 1).",
    "block_untrusted": "Untrusted participants can no longer judge.",
    "exclude_gold_spotters": "Leave out the votes of participants flagged as gold spotters "
    "(good on gold, far from the others elsewhere) or at chance (no better than chance "
    "elsewhere).",
    "require_rationale": "Participants must say why for every verdict.",
    "allow_signup": "Anyone may sign up and join; otherwise only provisioned accounts.",
}


class CampaignForm(forms.Form):
    """Every setting of a new campaign; ``editing=True`` keeps to the changeable ones."""

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = CHANGEABLE_SETTINGS if editing else ("slug", "title", *CAMPAIGN_SETTINGS)
        self.fields.update(fields_for_model(Campaign, fields=names))
        for name, field in self.fields.items():
            field.help_text = HELP.get(name, "")
            if isinstance(field, forms.DateTimeField):
                field.widget = forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format=DATETIME_FORMAT
                )
                field.input_formats = [DATETIME_FORMAT, "%Y-%m-%dT%H:%M:%S"]
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3 if name == "description" else 10
        if "guidelines" in self.fields:
            self.fields["guidelines"].widget.attrs["data-guidelines-source"] = ""

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The fields under their headings, in the page's order (headings merge when repeated)."""
        grouped: dict[str, list[forms.BoundField]] = {}
        for heading, names in SECTIONS:
            grouped.setdefault(heading, []).extend(
                self[name] for name in names if name in self.fields
            )
        return list(grouped.items())

    def show_refusal(self, refusal: InvalidCampaignSettings) -> None:
        """Put the service's reasons on the fields they name (the rest above the form)."""
        if not refusal.fields:
            self.add_error(None, str(refusal))
        for name, reasons in refusal.fields.items():
            self.add_error(name if name in self.fields else None, reasons)


class ImportFileForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="JSON Lines (.jsonl), CSV (.csv) or Parquet (.parquet), as the commands read.",
        error_messages={
            "required": "Choose a file to upload.",
            "empty": "The file is empty.",
        },
    )
    file_format = forms.ChoiceField(
        label="Format",
        choices=[("", "From the file name"), *((name, name) for name in FORMATS)],
        required=False,
    )
