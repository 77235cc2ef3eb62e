"""The COPY thread's quick GIL hand-overs: lowered while an import copies, restored after.

campaign.imports.copy_behind lowers the interpreter's switch interval while its thread runs, so
the thread gets the GIL back soon after each answer of the backend; imports running side by
side in one process must leave the interval as they found it, whichever ends first.
"""

from __future__ import annotations

import sys
import threading

import pytest
from django.db import connection

from campaign.imports import copy_behind
from campaign.imports.copy_behind import SWITCH_INTERVAL, quick_switches
from campaign.imports.votes import import_judgments
from tests.builders import write_jsonl


@pytest.fixture
def switch_interval():
    """Sets the process's switch interval for the test (a value of its own, to tell it from
    both the default and ours), and puts the one before it back."""
    before = sys.getswitchinterval()
    yield sys.setswitchinterval
    sys.setswitchinterval(before)


@pytest.fixture
def usual_interval(switch_interval):
    switch_interval(0.004)
    return 0.004


def test_overlapping_imports_restore_the_interval_whichever_ends_first(usual_interval):
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, float] = {}

    def first() -> None:
        with quick_switches():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with quick_switches():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = sys.getswitchinterval()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert seen == {"after the first ended": SWITCH_INTERVAL}
    assert sys.getswitchinterval() == usual_interval


def test_a_shorter_interval_than_ours_is_kept(switch_interval):
    switch_interval(SWITCH_INTERVAL / 2)

    with quick_switches():
        assert sys.getswitchinterval() == SWITCH_INTERVAL / 2
    assert sys.getswitchinterval() == SWITCH_INTERVAL / 2


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_vote_import_copies_under_quick_switches_and_restores_them(
    campaign, tmp_path, monkeypatch, usual_interval
):
    during: list[float] = []
    put = copy_behind.CopyBehind.put

    def watched_put(self, batch):
        during.append(sys.getswitchinterval())
        put(self, batch)

    monkeypatch.setattr(copy_behind.CopyBehind, "put", watched_put)
    rows = [
        {"annotator": "r1", "prompt": "q1", "model_a": "x", "model_b": "y", "winner": "a"},
        {"annotator": "r2", "prompt": "q1", "model_a": "x", "model_b": "y", "winner": "b"},
    ]

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", rows))

    assert report.ok and report.judgments_created == 2
    assert during and set(during) == {SWITCH_INTERVAL}
    assert sys.getswitchinterval() == usual_interval
