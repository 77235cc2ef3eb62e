"""README's API quick start, run as written against a live server, so it stays true.

The blocks come from README.md between ``<!-- quickstart:NAME -->`` markers: ``files`` writes
the items and votes, then ``curl`` (with bash) or ``httpx`` (with ``exec``) drives the API.
The README's placeholders are ``$API`` and ``$TOKEN`` (``API`` and ``TOKEN`` in Python).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from api.tokens import create_api_token
from tests.builders import make_organiser

README = Path(__file__).resolve().parents[2] / "README.md"
CONTENDERS = {"model-x", "model-y"}

# The live server answers from another thread, so its data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def quickstart_block(name: str) -> str:
    """The fenced code between ``<!-- quickstart:name -->`` and ``<!-- /quickstart:name -->``."""
    pattern = rf"<!-- quickstart:{name} -->\n```\w*\n(.*?)```\n<!-- /quickstart:{name} -->"
    found = re.findall(pattern, README.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(found) == 1, f"README.md must hold one quickstart:{name} block"
    return found[0]


def bash(script: str, *, cwd: Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


@pytest.fixture
def quickstart(live_server, settings, tmp_path) -> tuple[str, str, Path]:
    """API root, an organiser's token, and a folder holding the README's two files."""
    settings.REDIS_URL = ""  # recompute scores in the request (tests/api/conftest.py)
    token = create_api_token(user=make_organiser(username="alice"), name="quickstart").secret
    bash(quickstart_block("files"), cwd=tmp_path)
    return f"{live_server.url}/api/v1", token, tmp_path


def assert_scored(leaderboard: dict, pairs: list[dict]) -> None:
    assert {row["name"] for row in leaderboard["contenders"]} == CONTENDERS
    assert leaderboard["contenders"][0]["name"] == "model-x"
    # q1 and q2 decided for model-x; q3 (a tie and a vote) too; gold never a preference.
    assert {row["prompt_id"] for row in pairs} == {"q1", "q2", "q3"}
    assert {(row["chosen_model"], row["rejected_model"]) for row in pairs} == {
        ("model-x", "model-y")
    }


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl, jq")
def test_the_curl_quick_start_runs_as_written(quickstart):
    api, token, folder = quickstart

    output = bash(quickstart_block("curl"), cwd=folder, env={"API": api, "TOKEN": token})

    assert '"name":"model-x"' in output
    leaderboard = json.loads((folder / "leaderboard.json").read_text())
    lines = (folder / "preferences.jsonl").read_text().splitlines()
    assert_scored(leaderboard, [json.loads(line) for line in lines])
    assert len(json.loads((folder / "credentials.json").read_text())["credentials"]) == 2


def test_the_httpx_quick_start_runs_as_written(quickstart, monkeypatch):
    api, token, folder = quickstart
    monkeypatch.chdir(folder)
    namespace: dict = {"API": api, "TOKEN": token}

    exec(quickstart_block("httpx"), namespace)  # noqa: S102 - the README's own code

    assert_scored(namespace["leaderboard"], namespace["pairs"])
    assert len(namespace["credentials"]) == 2
