"""The demo's second campaign: PandaLM's 2,997 real human verdicts, imported as closed votes.

Beside the open ``pandalm`` campaign that demo participants annotate, ``pandalm-human`` holds
the three annotators' verdicts that ship with the data, so the demo shows a leaderboard of real
rankings of the five models from the first run. It goes through the ordinary vote import, with
the same prompt ids and text conversions as the open campaign
(``campaign.demo.loader.pandalm_items``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from campaign.demo.loader import PANDALM_FILE, pandalm_items, read_pandalm
from campaign.imports.files import jsonl_source
from campaign.imports.votes import JudgmentImportReport, import_judgments
from campaign.models import Campaign
from campaign.services import create_campaign

VOTES_SLUG = "pandalm-human"
ANNOTATOR_KEYS = ("annotator1", "annotator2", "annotator3")
# PandaLM's labels: 0 = tie, 1 = response1 (our a) better, 2 = response2 (our b) better.
WINNERS = {0: "tie", 1: "a", 2: "b"}
# PandaLM's verdicts come without control items, so the campaign has no gold: nobody can be
# vetted and every annotator's votes count (as in PandaLM's own analysis), with the default
# gold settings (campaign.participants.trust).


@dataclass(frozen=True)
class DemoVotesSummary:
    campaign: Campaign
    created: bool  # False: the votes were already there and nothing changed
    report: JudgmentImportReport | None  # the import's report when ``created``


def pandalm_votes(path: Path = PANDALM_FILE) -> list[dict[str, object]]:
    """One vote row per PandaLM annotator verdict, row by row, annotator1 to annotator3."""
    rows = read_pandalm(path)
    votes: list[dict[str, object]] = []
    for row, item in zip(rows, pandalm_items(rows), strict=True):
        for key in ANNOTATOR_KEYS:
            votes.append(
                {
                    "annotator": key,
                    "prompt": item["id"],
                    "model_a": item["a"]["model"],
                    "model_b": item["b"]["model"],
                    "winner": WINNERS[row[key]],
                    "prompt_text": item["prompt"],
                    "response_a": item["a"]["text"],
                    "response_b": item["b"]["text"],
                }
            )
    return votes


@transaction.atomic
def load_pandalm_votes() -> DemoVotesSummary:
    """Create the closed ``pandalm-human`` campaign with its votes, or leave it as it is."""
    campaign = Campaign.objects.filter(slug=VOTES_SLUG).first()
    if campaign is not None and campaign.judgments.exists():
        # The import is all-or-nothing, so any judgment means all of them are there.
        return DemoVotesSummary(campaign=campaign, created=False, report=None)
    if campaign is None:
        campaign = create_campaign(
            slug=VOTES_SLUG,
            title="PandaLM: human verdicts",
            description=(
                "The 2,997 verdicts of PandaLM's three human annotators on 999 instructions "
                "answered by five open 7B models (LLaMA, BLOOM, Cerebras-GPT, OPT, Pythia): "
                "a ranking from real human judgments, for comparison with the open campaign."
            ),
            scale=Campaign.Scale.THREE_POINT,
            status=Campaign.Status.CLOSED,
        )
    source = jsonl_source(pandalm_votes(), "pandalm-votes.jsonl")
    report = import_judgments(campaign, source)
    if not report.ok:  # pragma: no cover - the bundled file, imported by every demo test
        raise RuntimeError(f"The bundled PandaLM votes failed to import: {report.errors[:3]}")
    return DemoVotesSummary(campaign=campaign, created=True, report=report)
