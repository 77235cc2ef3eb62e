"""The one test base (STYLE.md §16): small builders so a test reads as one behaviour.

Tests import every builder from here; the modules split them by job: people and their
logged-in clients, campaigns with comparisons (gold included) and judgments, stored snapshots,
import files. The people fixtures made from them (owner, teammate, participant, stranger) are
in tests/conftest.py.
"""

from tests.builders.broker import aim_celery_at
from tests.builders.campaigns import (
    SECRET_CONTENDERS,
    XSS_PAYLOAD,
    CampaignBuilder,
    expire_lease,
    judge,
    judge_lease,
    judge_preferring,
    make_campaign,
    make_comparisons,
    make_judgeable_campaign,
    make_judgment,
    serve,
    work_through,
)
from tests.builders.crowds import FlippedCrowd, make_flipped_crowd
from tests.builders.files import explicit, multi, write_csv, write_jsonl, write_parquet
from tests.builders.people import (
    PASSWORD,
    logged_in,
    make_organiser,
    make_participant,
    make_participants,
    make_user,
)
from tests.builders.sessions import other_session, waits_fail
from tests.builders.snapshots import Scored, make_snapshot

__all__ = [
    "PASSWORD",
    "SECRET_CONTENDERS",
    "XSS_PAYLOAD",
    "CampaignBuilder",
    "FlippedCrowd",
    "Scored",
    "aim_celery_at",
    "expire_lease",
    "explicit",
    "judge",
    "judge_lease",
    "judge_preferring",
    "logged_in",
    "make_campaign",
    "make_comparisons",
    "make_flipped_crowd",
    "make_judgeable_campaign",
    "make_judgment",
    "make_organiser",
    "make_participant",
    "make_participants",
    "make_snapshot",
    "make_user",
    "multi",
    "other_session",
    "serve",
    "waits_fail",
    "work_through",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]
