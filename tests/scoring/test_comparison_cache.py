"""The regular comparisons a run keeps between runs (scoring.comparison_cache).

Each test changes the items between two runs and checks how the second run read them and,
through ``run_and_compare`` (tests.scoring.test_incremental), that its snapshot and state are
a full run's exactly; and that what it stored is what a full read finds.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from django.contrib import admin
from django.test import RequestFactory

from campaign.admin import ComparisonAdmin, PromptAdmin
from campaign.models import Comparison, Prompt
from campaign.services import note_items_edited
from scoring import comparison_cache
from scoring.comparison_cache import comparison_facts, run_comparisons, with_style
from tests.scoring.test_incremental import Crowd, run_and_compare

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd() -> Crowd:
    crowd = Crowd()
    crowd.judge(seed=1, count=60)
    assert run_and_compare(crowd) == "no stored state"
    assert read_of(crowd) == "read all: nothing stored"
    return crowd


def read_of(crowd: Crowd) -> str:
    snapshot = crowd.campaign.snapshots.first()
    assert snapshot is not None
    return str(snapshot.stats["comparisons_read"])


def add_items(crowd: Crowd, count: int, category: str = "") -> list[Comparison]:
    names = ("alpha", "delta", "gamma", "beta")
    added = [
        crowd.build.comparison(names[k % 4], names[(k + 1) % 4], category=category)
        for k in range(count)
    ]
    crowd.regular.extend(added)  # judged like the others from now on
    return added


def assert_stored_is_a_full_read(crowd: Crowd) -> None:
    campaign = crowd.campaign
    contender_ids = list(campaign.contenders.order_by("name").values_list("pk", flat=True))
    facts = comparison_facts(campaign)
    kept = run_comparisons(campaign, contender_ids, facts, full=False)
    fresh = run_comparisons(campaign, contender_ids, facts, full=True)
    assert kept.read == "kept"
    # A kept read leaves the style counts in the row until an extra needs them.
    assert kept.comparisons.style_a is None and kept.comparisons.style_b is None
    kept = with_style(campaign, kept)
    for field in dataclasses.fields(fresh.comparisons):
        mine, theirs = getattr(kept.comparisons, field.name), getattr(fresh.comparisons, field.name)
        if isinstance(theirs, np.ndarray):
            assert np.array_equal(mine, theirs), field.name
        else:
            assert mine == theirs, field.name


def test_a_run_without_new_items_keeps_what_it_stored(crowd: Crowd) -> None:
    crowd.judge(seed=2, count=4)
    run_and_compare(crowd)
    assert read_of(crowd) == "kept"


def test_items_added_since_the_last_run_are_read_alone(crowd: Crowd) -> None:
    add_items(crowd, 3)
    crowd.judge(seed=3, count=25)  # some of them on the new items
    run_and_compare(crowd)
    assert read_of(crowd) == "added 3"
    assert_stored_is_a_full_read(crowd)


def test_an_item_without_judgments_changes_the_snapshot_too(crowd: Crowd) -> None:
    # The coverage tally counts it: a run must not say "nothing new".
    add_items(crowd, 1)
    assert run_and_compare(crowd) == ""
    assert read_of(crowd) == "added 1"


def test_an_added_item_with_a_new_category_reads_everything(crowd: Crowd) -> None:
    add_items(crowd, 2, category="maths")
    crowd.judge(seed=4, count=20)
    run_and_compare(crowd)
    assert read_of(crowd) == "read all: an added comparison's category is new"
    assert_stored_is_a_full_read(crowd)


def test_a_deleted_item_reads_everything(crowd: Crowd) -> None:
    spare = add_items(crowd, 2)
    run_and_compare(crowd)
    crowd.regular.remove(spare[0])
    spare[0].delete()  # never judged: the judgments stay the same
    assert run_and_compare(crowd) == ""
    assert read_of(crowd) == "read all: comparisons deleted, or committed late"
    assert_stored_is_a_full_read(crowd)


def test_many_added_items_are_read_with_everything(crowd: Crowd, monkeypatch) -> None:
    monkeypatch.setattr(comparison_cache, "ADDED_BY_ID", 2)
    add_items(crowd, 3)
    run_and_compare(crowd)
    assert read_of(crowd) == "read all: 3 comparisons added"


def test_an_edited_category_is_read_again_and_shown(crowd: Crowd) -> None:
    first = crowd.regular[0]
    Prompt.objects.filter(pk=first.prompt_id).update(category="maths")
    note_items_edited(crowd.campaign.pk)
    assert run_and_compare(crowd) == ""  # the judgments alone did not change
    assert read_of(crowd) == "read all: contenders or items edited"
    boards = crowd.campaign.snapshots.first().views["category"]["boards"]
    assert [board["key"] for board in boards] == ["maths"]
    assert_stored_is_a_full_read(crowd)


def test_the_admin_counts_an_edit_of_a_prompt_or_a_comparison(crowd: Crowd) -> None:
    request = RequestFactory().post("/admin/")
    prompt = Prompt.objects.get(pk=crowd.regular[0].prompt_id)
    prompt.category = "maths"
    PromptAdmin(Prompt, admin.site).save_model(request, prompt, None, change=True)
    comparison = crowd.regular[1]
    ComparisonAdmin(Comparison, admin.site).save_model(request, comparison, None, change=True)

    crowd.campaign.refresh_from_db()
    assert crowd.campaign.items_edited == 2
    run_and_compare(crowd)
    assert read_of(crowd) == "read all: contenders or items edited"
