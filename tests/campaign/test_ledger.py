"""The row ledger's totals are the tables' whatever writes them (campaign.ledger, migration
campaign 0015), and compaction keeps them while judges write."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from campaign import ledger
from campaign.models import Campaign, Comparison, Judgment
from tests.builders import CampaignBuilder
from tests.builders.campaigns import make_judgment

pytestmark = pytest.mark.django_db


def scanned(campaign_id: int, kind: ledger.Kind) -> tuple[int, int, int]:
    model = Judgment if kind == "judgments" else Comparison
    rows = list(model.objects.filter(campaign_id=campaign_id).values_list("pk", flat=True))
    return len(rows), max(rows, default=0), sum(rows)


def agree(campaign: Campaign) -> None:
    for kind in ("judgments", "comparisons"):
        count, max_id, id_sum = ledger.totals(campaign.pk, kind)  # type: ignore[arg-type]
        found = scanned(campaign.pk, kind)  # type: ignore[arg-type]
        # The largest id written stays (a deletion does not lower it).
        assert (count, id_sum) == (found[0], found[2]), kind
        assert max_id >= found[1], kind


@pytest.fixture
def crowd() -> dict[str, Any]:
    build = CampaignBuilder(("alpha", "beta", "gamma"))
    items = [build.comparison("alpha", "beta"), build.comparison("beta", "gamma")]
    people = [build.annotator() for _ in range(4)]
    return {"build": build, "items": items, "people": people}


@pytest.mark.sqlite
def test_inserts_and_deletes_of_every_kind_keep_the_totals(crowd: dict[str, Any]) -> None:
    build, items, people = crowd["build"], crowd["items"], crowd["people"]
    other = CampaignBuilder(("x", "y"), slug="other")
    other.judge(other.annotator(), other.comparison("x", "y"), 1)
    agree(build.campaign)
    made = [make_judgment(person, items[0], -1) for person in people]  # one INSERT each
    agree(build.campaign)
    Judgment.objects.bulk_create(  # one INSERT, several rows
        [
            Judgment.build(
                campaign_id=build.campaign.pk,
                comparison_id=items[1].pk,
                gold_side="",
                annotator_id=person.pk,
                verdict=1,
                left_side="a",
                created_at=timezone.now(),
            )
            for person in people
        ]
    )
    agree(build.campaign)
    Judgment.objects.filter(pk__in=[made[0].pk, made[-1].pk]).delete()
    agree(build.campaign)
    newest = Judgment.objects.filter(campaign=build.campaign).latest("pk")
    newest.delete()  # the largest id: the count and the sum move, the largest stays
    agree(build.campaign)
    assert ledger.totals(other.campaign.pk, "judgments")[0] == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_deleted_campaign_leaves_no_entries_and_a_truncate_clears(crowd: dict[str, Any]) -> None:
    build = crowd["build"]
    make_judgment(crowd["people"][0], crowd["items"][0], 1)
    campaign_id = build.campaign.pk
    build.campaign.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM campaign_rowledger WHERE campaign_id = %s", [campaign_id]
        )
        assert cursor.fetchone()[0] == 0
        again = CampaignBuilder(("p", "q"), slug="again")
        again.judge(again.annotator(), again.comparison("p", "q"), 1)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks left to run
        cursor.execute("TRUNCATE campaign_judgment")
        assert ledger.totals(again.campaign.pk, "judgments") == (0, 0, 0)
        assert ledger.totals(again.campaign.pk, "comparisons")[0] == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_compaction_folds_the_entries_into_one(crowd: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(ledger, "COMPACT_ABOVE", 2)
    for person in crowd["people"]:
        make_judgment(person, crowd["items"][0], -1)
    before = ledger.totals(crowd["build"].campaign.pk, "judgments")

    assert ledger.compact(crowd["build"].campaign.pk) == 4
    assert ledger.compact(crowd["build"].campaign.pk) == 0  # one entry left: nothing to fold
    assert ledger.totals(crowd["build"].campaign.pk, "judgments") == before
    agree(crowd["build"].campaign)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)  # writers on their own connections, committing
def test_compacting_while_judges_write_loses_nothing(monkeypatch: Any) -> None:
    monkeypatch.setattr(ledger, "COMPACT_ABOVE", 1)
    build = CampaignBuilder(("alpha", "beta"))
    items = [build.comparison("alpha", "beta") for _ in range(30)]
    people = [build.annotator() for _ in range(4)]
    campaign_id = build.campaign.pk
    errors: list[BaseException] = []

    def judge(person: Any) -> None:
        try:
            for item in items:
                with transaction.atomic():
                    make_judgment(person, item, 1)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=judge, args=(person,)) for person in people]
    for writer in writers:
        writer.start()
    folded = 0
    while any(writer.is_alive() for writer in writers):
        folded += ledger.compact(campaign_id)
    for writer in writers:
        writer.join()

    assert not errors
    assert folded > 0
    assert ledger.totals(campaign_id, "judgments") == scanned(campaign_id, "judgments")
    assert scanned(campaign_id, "judgments")[0] == 120
