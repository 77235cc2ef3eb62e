"""The export commands show a progress bar on stderr (README "Exports"): on a terminal it
counts the rows written up to the total; --no-progress hides it. Both write the same file."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    """A stderr that says it is a terminal, as tqdm draws only on one."""

    def isatty(self) -> bool:
        return True


def export(scenario, out, *options: str) -> str:
    stderr = Terminal()
    call_command(
        "export_judgments", scenario.campaign.slug, "--out", str(out), *options,
        stdout=io.StringIO(), stderr=stderr,
    )  # fmt: skip
    return stderr.getvalue()


def test_on_a_terminal_the_bar_counts_every_judgment_exported(scenario, tmp_path) -> None:
    total = scenario.campaign.judgments.count()

    drawn = export(scenario, tmp_path / "j.jsonl")

    assert "judgments" in drawn and f"{total}/{total}" in drawn
    assert len((tmp_path / "j.jsonl").read_text().splitlines()) == total


def test_no_progress_draws_nothing_and_writes_the_same_file(scenario, tmp_path) -> None:
    export(scenario, tmp_path / "shown.jsonl")

    drawn = export(scenario, tmp_path / "quiet.jsonl", "--no-progress")

    assert drawn == ""
    assert (tmp_path / "quiet.jsonl").read_bytes() == (tmp_path / "shown.jsonl").read_bytes()
