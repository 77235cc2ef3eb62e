"""manage.py score_campaign and export_leaderboard: output, files and clear errors."""

from __future__ import annotations

import csv
import io
import json
import logging
import socket
import threading

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from scoring.jobs import campaign_lock
from scoring.models import Snapshot
from tests.builders import CampaignBuilder
from tests.builders.campaigns import make_judgment
from tests.builders.people import make_participant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scoring_redis")]


@pytest.fixture
def campaign():
    build = CampaignBuilder(contenders=("alpha", "beta"), min_gold_seen=0, min_gold_accuracy=0.5)
    comparison = build.comparison("alpha", "beta")
    for _ in range(3):
        build.judge(build.annotator(), comparison, -1)
    return build.campaign


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_score_campaign_stores_a_snapshot_and_prints_the_ranking(campaign) -> None:
    output = run("score_campaign", campaign.slug, "--rounds", "50")
    assert Snapshot.objects.filter(campaign=campaign).count() == 1
    lines = output.splitlines()
    assert "alpha" in lines[0] and "beta" in lines[1]
    assert "2 contenders ranked from 3 judgments (3 rated" in output


def test_score_campaign_twice_says_nothing_new(campaign) -> None:
    run("score_campaign", campaign.slug, "--rounds", "50")
    assert "Nothing new" in run("score_campaign", campaign.slug, "--rounds", "50")
    assert Snapshot.objects.filter(campaign=campaign).count() == 1


def test_score_campaign_full_folds_every_judgment_and_a_plain_run_only_the_new(campaign) -> None:
    run("score_campaign", campaign.slug, "--rounds", "50")
    comparison = campaign.comparisons.get()
    make_judgment(make_participant(campaign), comparison, 1, created_at=timezone.now())
    run("score_campaign", campaign.slug, "--rounds", "50")
    folded = Snapshot.objects.filter(campaign=campaign).latest()
    assert folded.stats["full_reason"] == ""  # only the new judgment
    make_judgment(make_participant(campaign), comparison, 1, created_at=timezone.now())
    run("score_campaign", campaign.slug, "--rounds", "50", "--full")
    rebuilt = Snapshot.objects.filter(campaign=campaign).latest()
    assert rebuilt.stats["full_reason"] == "a full run was asked for"
    assert rebuilt.judgments == 5


def test_score_campaign_refuses_while_another_run_holds_the_lock(campaign) -> None:
    with campaign_lock(campaign.pk, token="another-run") as held:
        assert held
        with pytest.raises(CommandError, match="in progress"):
            run("score_campaign", campaign.slug)
    assert not Snapshot.objects.filter(campaign=campaign).exists()


class _OnLog(logging.Handler):
    """Sets ``event`` when a log record containing ``text`` is emitted."""

    def __init__(self, text: str, event: threading.Event) -> None:
        super().__init__()
        self.text, self.event = text, event

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.event.set()


@pytest.mark.parametrize("broker", ["redis", "embedded"])
def test_score_campaign_with_wait_runs_after_the_run_in_progress(
    campaign, settings, broker
) -> None:
    # load_demo's case: its vote import started a run of its own (a background thread without
    # Redis, a worker with it) that may still hold the lock when the demo scores explicitly.
    if broker == "embedded":
        settings.REDIS_URL = ""
    holding, command_waits = threading.Event(), threading.Event()

    def run_in_progress() -> None:
        with campaign_lock(campaign.pk, token="the-import's-run") as held:
            assert held
            holding.set()
            command_waits.wait(timeout=60)  # ends only once the command waits for it

    other = threading.Thread(target=run_in_progress)
    other.start()
    assert holding.wait(timeout=60)
    jobs_logger = logging.getLogger("scoring.jobs")
    handler = _OnLog("waiting up to", command_waits)
    jobs_logger.addHandler(handler)
    try:
        output = run("score_campaign", campaign.slug, "--rounds", "20", "--wait", "60")
    finally:
        jobs_logger.removeHandler(handler)
        command_waits.set()
        other.join()
    assert command_waits.is_set()
    assert "2 contenders ranked from 3 judgments" in output
    assert Snapshot.objects.filter(campaign=campaign).count() == 1


def test_score_campaign_with_redis_unreachable_refuses_with_a_message(campaign, settings) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{closed}/0"
    with pytest.raises(CommandError, match=r"Redis is unreachable \(.+\); the job needs its lock"):
        run("score_campaign", campaign.slug)
    assert not Snapshot.objects.filter(campaign=campaign).exists()


@pytest.mark.parametrize("command", ["score_campaign", "export_leaderboard"])
def test_unknown_slug_is_a_clear_error(command: str, tmp_path) -> None:
    extra = [] if command == "score_campaign" else ["--out", str(tmp_path / "x.json")]
    with pytest.raises(CommandError, match="No campaign with slug 'nope'"):
        run(command, "nope", *extra)


def test_export_before_any_snapshot_suggests_score_campaign(campaign, tmp_path) -> None:
    with pytest.raises(CommandError, match=f"manage.py score_campaign {campaign.slug}"):
        run("export_leaderboard", campaign.slug, "--out", str(tmp_path / "board.json"))


def test_export_json_and_csv(campaign, tmp_path) -> None:
    run("score_campaign", campaign.slug, "--rounds", "50")
    out = tmp_path / "board.json"
    assert "Wrote the leaderboard" in run("export_leaderboard", campaign.slug, "--out", str(out))
    document = json.loads(out.read_text())
    assert document["campaign"] == campaign.slug and document["judgments"] == 3
    assert [row["name"] for row in document["contenders"]] == ["alpha", "beta"]
    out = tmp_path / "board.csv"
    run("export_leaderboard", campaign.slug, "--format", "csv", "--out", str(out))
    rows = list(csv.reader(out.open()))
    assert rows[0][:2] == ["rank", "name"] and [row[1] for row in rows[1:]] == ["alpha", "beta"]


def test_export_to_an_unwritable_path_is_a_clear_error(campaign, tmp_path) -> None:
    run("score_campaign", campaign.slug, "--rounds", "50")
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_leaderboard", campaign.slug, "--out", str(tmp_path / "missing" / "b.json"))


@pytest.mark.parametrize("rounds", ["0", "-5"])
def test_score_campaign_refuses_fewer_than_one_round_and_stores_nothing(campaign, rounds) -> None:
    with pytest.raises(CommandError, match=r"^--rounds must be at least 1\.$"):
        run("score_campaign", campaign.slug, "--rounds", rounds)
    assert not Snapshot.objects.exists()


def test_export_to_a_dash_writes_the_leaderboard_to_standard_output(campaign, capsys) -> None:
    run("score_campaign", campaign.slug, "--rounds", "50")

    run("export_leaderboard", campaign.slug, "--out", "-")

    document = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in document["contenders"]] == ["alpha", "beta"]
