"""The PostgreSQL JSONL path of the judgments export writes what the generic encoder writes.

scoring.exports.judgment_lines puts each line together from pieces PostgreSQL and Python
render separately; the generic encoder (``jsonl_chunks`` over ``judgment_rows``, what SQLite
uses) encodes typed rows. Both must give the same keys, in the same order, with the same
values, whatever the text holds.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection

from campaign.models import Judgment, Prompt
from scoring.exports import judgment_lines
from scoring.exports.formats import jsonl_chunks
from scoring.exports.judgments import JUDGMENT_COLUMNS, judgment_file, judgment_rows
from tests.builders import CampaignBuilder, Scored, make_snapshot

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL path"),
]

AWKWARD = 'quote " backslash \\ newline \n tab \t bell \x07 accents é 漢字 emoji 🙂 </script>'


def generic_lines(campaign) -> list[list[tuple[str, object]]]:
    chunks = jsonl_chunks(judgment_rows(campaign), JUDGMENT_COLUMNS)
    return [list(json.loads(line).items()) for line in b"".join(chunks).decode().splitlines()]


def fast_lines(campaign) -> list[list[tuple[str, object]]]:
    done: list[int] = []
    text = b"".join(judgment_lines.judgment_lines(campaign, done.append)).decode()
    lines = [list(json.loads(line).items()) for line in text.splitlines()]
    assert sum(done) == len(lines)
    return lines


def test_awkward_texts_nulls_gold_and_trust_come_out_as_the_generic_encoder_writes_them(
    monkeypatch,
) -> None:
    # Two rows a round trip: the annotators' pieces are read batch by batch as they appear.
    monkeypatch.setattr(judgment_lines, "FETCH_ROWS", 2)
    build = CampaignBuilder(("alpha", 'the "best" model ✨'))
    other = CampaignBuilder(("alpha", "beta"))
    trusted, untrusted, unscored = (build.annotator() for _ in range(3))
    plain = build.comparison("alpha", 'the "best" model ✨')
    gold = build.comparison('the "best" model ✨', "alpha", gold="b")
    Prompt.objects.filter(pk=plain.prompt_id).update(external_id=AWKWARD, category="tab\there")
    build.judge(trusted, plain, -2, left="b", seconds=12.25)
    build.judge(untrusted, plain, 1, seconds=None)
    build.judge(trusted, gold, 2, seconds=3.0)
    build.judge(untrusted, gold, -1, left="b")
    build.judge(unscored, gold, 0)
    other.judge(other.annotator(), other.comparison("alpha", "beta"), 1)
    Judgment.objects.filter(annotator=untrusted, comparison=plain).update(
        rationale=AWKWARD, created_at=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    )
    # PostgreSQL trims a fraction's trailing zeros, Python drops a zero fraction: the export
    # writes every timestamp to the microsecond either way.
    Judgment.objects.filter(annotator=trusted, comparison=plain).update(
        created_at=datetime.datetime(2026, 1, 2, 3, 4, 5, 935490, tzinfo=datetime.UTC)
    )
    make_snapshot(
        build.campaign,
        contenders=("alpha", 'the "best" model ✨'),
        annotators=[Scored(trusted), Scored(untrusted, gold_correct=0)],
    )

    fast, generic = fast_lines(build.campaign), generic_lines(build.campaign)

    assert fast == generic
    assert [dict(line)["trusted"] for line in fast] == [True, False, True, False, None]
    assert dict(fast[1])["rationale"] == AWKWARD and dict(fast[0])["prompt_id"] == AWKWARD
    assert dict(fast[0])["category"] == "tab\there"
    assert dict(fast[0])["created_at"] == "2026-01-02T03:04:05.935490+00:00"
    assert dict(fast[1])["created_at"] == "2026-01-02T03:04:05.000000+00:00"
    assert [dict(line)["gold_side"] for line in fast] == [None, None, "b", "b", "b"]


def test_a_campaign_without_judgments_gives_no_bytes() -> None:
    build = CampaignBuilder()
    build.comparison("alpha", "beta")
    assert b"".join(judgment_file(build.campaign, fmt="jsonl")) == b""


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_the_export_reads_in_a_repeatable_read_one_of_its_own() -> None:
    build = CampaignBuilder()
    annotator = build.annotator()
    build.judge(annotator, build.comparison("alpha", "beta"), -1)
    assert not connection.in_atomic_block
    chunks = judgment_file(build.campaign, fmt="jsonl")

    first = next(chunks)  # paused inside the export's transaction
    with connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        isolation = cursor.fetchone()[0]
    rest = b"".join(chunks)

    assert isolation == "repeatable read"
    assert [json.loads(line)["annotator"] for line in (first + rest).splitlines()] == [
        annotator.handle
    ]
    assert not connection.in_atomic_block  # and it is over
