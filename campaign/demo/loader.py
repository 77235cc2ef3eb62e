"""The demo campaign, built from the real PandaLM test set through the ordinary import path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from accounts.creation import random_password
from accounts.models import User
from campaign.imports.files import jsonl_source
from campaign.imports.items import ImportReport, import_items
from campaign.models import Campaign
from campaign.participants.enrolment import enroll
from campaign.services import create_campaign

PANDALM_FILE = Path(__file__).resolve().parent / "pandalm" / "testset-v1.json"
DEMO_SLUG = "pandalm"
EMPTY_RESPONSE = "(empty response)"
# PandaLM's placeholders for "no input" and "no output": raw tokens a participant cannot read.
NO_TEXT_TOKENS = ("<noinput>", "<nooutput>", "<no-output>")
GOLD_EVERY = 16

DEMO_GUIDELINES = """\
Compare the two responses to the instruction at the top and pick the one that **follows the
instruction better**: correct, complete, concise and on topic.

- `1` Left much better · `2` Left better · `3` Tie · `4` Right better · `5` Right much better
- Press **Enter** to submit. Judge the content, not the length.
- If an item is broken (unreadable, both empty), **skip** it and say why.

The responses come from five 7B models of 2023 (PandaLM's human-annotated test set, Apache 2.0).
"""


@dataclass(frozen=True)
class DemoSummary:
    campaign: Campaign
    created: bool
    report: ImportReport


def read_pandalm(path: Path = PANDALM_FILE) -> list[dict[str, Any]]:
    """The rows of PandaLM's test set, as the file gives them."""
    return json.loads(path.read_text(encoding="utf-8"))


def pandalm_items(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PandaLM rows as explicit comparisons in PRODUCT.md's import format, in row order."""
    # Gold only where both sides say something: the guidelines ask to skip empty items.
    unanimous = [row["idx"] for row in rows if _unanimous_winner(row) and not _has_empty_side(row)]
    gold_ids = set(unanimous[::GOLD_EVERY])
    items = []
    for row in rows:
        model_a, model_b = row["cmp_key"].split("_")
        extra = _clean(row["input"])
        prompt = _clean(row["instruction"]) + (f"\n\n{extra}" if extra else "")
        item: dict[str, Any] = {
            "id": f"pandalm-{row['idx']}",
            "prompt": prompt,
            "category": row["motivation_app"],
            "a": {"model": model_a, "text": _as_text(row["response1"])},
            "b": {"model": model_b, "text": _as_text(row["response2"])},
        }
        if row["idx"] in gold_ids:
            item["gold"] = _unanimous_winner(row)
        items.append(item)
    return items


def _unanimous_winner(row: dict[str, Any]) -> str:
    verdicts = {row["annotator1"], row["annotator2"], row["annotator3"]}
    if verdicts == {1}:
        return "a"
    if verdicts == {2}:
        return "b"
    return ""


def _has_empty_side(row: dict[str, Any]) -> bool:
    return EMPTY_RESPONSE in (_as_text(row["response1"]), _as_text(row["response2"]))


def _clean(value: Any) -> str:
    """The text without PandaLM's placeholder tokens (a response of only a token is empty)."""
    text = value if isinstance(value, str) else str(value)
    for token in NO_TEXT_TOKENS:
        text = text.replace(token, "")
    return text.strip()


def _as_text(value: Any) -> str:
    text = _clean(value)
    return text if text else EMPTY_RESPONSE


@transaction.atomic
def load_demo() -> DemoSummary:
    """Create (or leave as it is) the demo campaign and import its 999 comparisons."""
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    created = campaign is None
    if campaign is None:
        campaign = create_campaign(
            slug=DEMO_SLUG,
            title="PandaLM: which 7B model follows instructions best?",
            description=(
                "999 instructions, each answered by two of five open 7B models (LLaMA, BLOOM, "
                "Cerebras-GPT, OPT, Pythia). Judge which answer follows the instruction better."
            ),
            guidelines=DEMO_GUIDELINES,
            status=Campaign.Status.OPEN,
        )
    source = jsonl_source(pandalm_items(read_pandalm()), "pandalm.jsonl")
    report = import_items(campaign, source)
    if not report.ok:  # pragma: no cover - the bundled file, imported by every demo test
        raise RuntimeError(f"The bundled PandaLM data failed to import: {report.errors[:3]}")
    return DemoSummary(campaign=campaign, created=created, report=report)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


DEMO_ORGANISER = "organiser"
DEMO_PARTICIPANTS = ("demo1", "demo2", "demo3")


@transaction.atomic
def ensure_demo_accounts(campaign: Campaign) -> list[DemoLogin]:
    """An organiser (staff) and a few participants enrolled in ``campaign``.

    Passwords are random and only hashes are stored, so each run sets and prints fresh ones:
    a demo database never carries a password anyone could read from this repository.
    """
    logins = []
    for username, role in [(DEMO_ORGANISER, "organiser")] + [
        (name, "participant") for name in DEMO_PARTICIPANTS
    ]:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username)
        password = random_password()
        user.set_password(password)
        user.is_staff = role == "organiser"
        user.is_superuser = role == "organiser"
        user.save(update_fields=["password", "is_staff", "is_superuser"])
        if role == "participant":
            enroll(user=user, campaign=campaign)
        logins.append(DemoLogin(username=username, password=password, role=role))
    return logins
