"""A Chatbot Arena battles file through the vote import (campaign.imports.verdicts' columns)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from campaign.imports.votes import import_judgments
from campaign.models import Campaign, Prompt
from campaign.services import create_campaign
from tests.builders import write_csv, write_jsonl
from tests.campaign.imports.test_votes import messages, stored_votes, vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign() -> Campaign:
    return create_campaign(slug="arena", title="Arena votes")


def arena_battle(question_id: str, judge: str, model_a: str, model_b: str, winner: str) -> dict:
    """One row shaped like Chatbot Arena's battles (lmsys/chatbot_arena_conversations)."""
    return {
        "question_id": question_id,
        "model_a": model_a,
        "model_b": model_b,
        "winner": winner,
        "judge": judge,
        "conversation_a": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "A"},
        ],
        "conversation_b": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "B"},
        ],
        "turn": 1,
        "anony": True,
        "language": "English",
        "tstamp": 1682351591.1322,
    }


ARENA_BATTLES = [
    arena_battle(
        "58210e39b3fd4441a2bd4a518bb44c2d", "arena_user_973", "chatglm-6b", "koala-13b", "model_b"
    ),
    arena_battle(
        "2564acd09e3942fd97657d05282d4389",
        "arena_user_973",
        "oasst-pythia-12b",
        "alpaca-13b",
        "tie",
    ),
    arena_battle(
        "90bfd142157948aba01931726c888e7f",
        "arena_user_971",
        "koala-13b",
        "oasst-pythia-12b",
        "model_a",
    ),
    arena_battle(
        "a7c5accc53e649a3bc6b2e41d962ebc4",
        "arena_user_970",
        "vicuna-13b",
        "oasst-pythia-12b",
        "tie (bothbad)",
    ),
]
ARENA_VOTES = [
    ("arena_user_973", "58210e39b3fd4441a2bd4a518bb44c2d", "chatglm-6b", "koala-13b", 1),
    ("arena_user_973", "2564acd09e3942fd97657d05282d4389", "oasst-pythia-12b", "alpaca-13b", 0),
    ("arena_user_971", "90bfd142157948aba01931726c888e7f", "koala-13b", "oasst-pythia-12b", -1),
    ("arena_user_970", "a7c5accc53e649a3bc6b2e41d962ebc4", "vicuna-13b", "oasst-pythia-12b", 0),
]


def test_a_chatbot_arena_battles_file_imports_with_the_command(campaign, tmp_path, capsys):
    path = write_jsonl(tmp_path / "clean_battle.jsonl", ARENA_BATTLES)

    call_command("import_judgments", "arena", str(path), "--no-progress")

    assert "created 4 judgments by 3 new imported annotators" in capsys.readouterr().out
    assert stored_votes() == ARENA_VOTES
    assert set(Prompt.objects.values_list("text", flat=True)) == {""}


def test_a_chatbot_arena_battles_csv_imports_like_its_jsonl(campaign, tmp_path):
    rows = [
        {key: value for key, value in battle.items() if not key.startswith("conversation")}
        for battle in ARENA_BATTLES
    ]

    report = import_judgments(campaign, write_csv(tmp_path / "battles.csv", rows))

    assert report.ok, report.errors
    assert stored_votes() == ARENA_VOTES


def test_an_arena_row_naming_a_column_both_ways_is_an_error(campaign, tmp_path):
    row = arena_battle("q1", "arena_user_1", "x", "y", "model_a") | {"prompt": "q2"}

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", [row]))

    assert messages(report) == [(1, "give either 'prompt' or 'question_id', not both")]


def test_arena_columns_outside_an_arena_row_are_still_unknown(campaign, tmp_path):
    rows = [vote("ann", "q1", "x", "y", "a", turn=1)]

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", rows))

    assert messages(report) == [(1, "unknown key 'turn'")]
