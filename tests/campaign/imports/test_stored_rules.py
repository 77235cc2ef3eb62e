"""Import rules that depend on what a campaign already holds or on how a value is written: an
id given as a number, pairs_per_prompt across imports, a vote's response text against the
stored one."""

from __future__ import annotations

import pytest

from campaign.imports.items import import_items
from campaign.imports.votes import import_judgments
from campaign.models import Campaign, Comparison, Judgment, Prompt, Response
from campaign.services import create_campaign
from tests.builders import multi, write_jsonl

pytestmark = pytest.mark.django_db


def messages(report) -> list[tuple[int, str]]:
    return [(problem.line, problem.message) for problem in report.errors]


def test_an_id_written_as_a_number_is_stored_as_its_decimal_string(tmp_path):
    campaign = create_campaign(slug="spring", title="Spring")
    row = {"id": 17, "prompt": "p", "responses": {"x": "1", "y": "2"}}

    report = import_items(campaign, write_jsonl(tmp_path / "items.jsonl", [row]))

    assert report.ok
    assert Prompt.objects.get(campaign=campaign).external_id == "17"


def test_a_boolean_id_is_not_a_number_and_is_refused(tmp_path):
    campaign = create_campaign(slug="spring", title="Spring")
    row = {"id": True, "prompt": "p", "responses": {"x": "1", "y": "2"}}

    report = import_items(campaign, write_jsonl(tmp_path / "items.jsonl", [row]))

    assert messages(report) == [(1, "'id' must be a string")]
    assert not Prompt.objects.exists()


def test_pairs_per_prompt_spreads_a_later_import_over_the_pairs_earlier_ones_used_least(
    tmp_path,
):
    campaign = create_campaign(slug="sampled", title="Sampled", pairs_per_prompt=1)
    first = [multi("q1", x="1", y="2", z="3"), multi("q2", x="1", y="2", z="3")]
    assert import_items(campaign, write_jsonl(tmp_path / "first.jsonl", first)).ok

    later = [multi("q3", x="1", y="2", z="3")]
    assert import_items(campaign, write_jsonl(tmp_path / "later.jsonl", later)).ok

    pairs = [
        frozenset((comparison.response_a.contender.name, comparison.response_b.contender.name))
        for comparison in Comparison.objects.filter(campaign=campaign).select_related(
            "response_a__contender", "response_b__contender"
        )
    ]
    # Two earlier prompts took two of the three pairs; the later one gets the unused third.
    assert sorted(map(sorted, pairs)) == [["x", "y"], ["x", "z"], ["y", "z"]]


@pytest.fixture
def campaign(tmp_path) -> Campaign:
    campaign = create_campaign(slug="votes", title="Votes")
    stored = write_jsonl(tmp_path / "items.jsonl", [multi("q0", x="stored x", y="stored y")])
    assert import_items(campaign, stored).ok
    return campaign


def vote(**fields) -> dict:
    row = {"annotator": "ann", "prompt": "q0", "model_a": "x", "model_b": "y", "winner": "a"}
    return row | fields


@pytest.mark.parametrize(("side", "model"), [("a", "x"), ("b", "y")])
def test_a_vote_giving_another_response_text_than_the_stored_one_is_refused(
    campaign, tmp_path, side, model
):
    row = vote(**{f"response_{side}": f"other {model}"})

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", [row]))

    message = f"response of {model!r} to 'q0' has a different text than the one stored"
    assert messages(report) == [(1, message)]
    assert not Judgment.objects.exists()
    assert sorted(Response.objects.values_list("text", flat=True)) == ["stored x", "stored y"]


def test_a_vote_repeating_the_stored_response_texts_is_imported(campaign, tmp_path):
    row = vote(response_a="stored x", response_b="stored y")

    report = import_judgments(campaign, write_jsonl(tmp_path / "votes.jsonl", [row]))

    assert report.ok and Judgment.objects.get().verdict < 0
