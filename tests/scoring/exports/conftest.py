"""A small scored campaign whose exports the tests check row by row.

Three contenders; two trusted annotators (``good``, ``fair``), one untrusted (``bad``) and
one who judged after the snapshot (``late``), so they have no trust yet. Comparisons:

- ``clear``  alpha vs beta: good -2, fair -1 (trusted mean -1.5: alpha), bad +2 (ignored)
- ``tied``   beta vs gamma: good +1, fair -1 (a tie), bad +2 (ignored, or it would decide)
- ``unvetted`` alpha vs gamma: bad -2, late +1 (no trusted vote: unresolved)
- ``flipped`` gamma vs alpha: good +2 (alpha, on side b, by the widest margin)
- ``gold``   alpha vs beta, gold side a: good -1 (correct), bad +1 (wrong)
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import User
from campaign.models import Campaign, Comparison, Judgment, Prompt
from tests.builders import CampaignBuilder, Scored, make_snapshot

FORMULA = '=HYPERLINK("http://evil.example", "click")'


@dataclass
class Scenario:
    campaign: Campaign
    good: User
    fair: User
    bad: User
    late: User
    clear: Comparison
    tied: Comparison
    unvetted: Comparison
    flipped: Comparison
    gold: Comparison


@pytest.fixture
def scenario(db) -> Scenario:
    build = CampaignBuilder(("alpha", "beta", "gamma"), title="Helpfulness | round 1")
    good, fair, bad, late = (build.annotator() for _ in range(4))
    clear = build.comparison("alpha", "beta", prompt="Explain tides.", texts=("Moon.", "Wind."))
    tied = build.comparison("beta", "gamma", prompt="Name a prime.", texts=("7", "11"))
    unvetted = build.comparison("alpha", "gamma", prompt="2+2?", texts=("4", "5"))
    flipped = build.comparison("gamma", "alpha", prompt="Say hi.", texts=("-hi", "Hello!"))
    gold = build.comparison("alpha", "beta", gold="a", prompt="Capital of France?")
    Prompt.objects.filter(pk=clear.prompt_id).update(category="science")
    for annotator, comparison, verdict in [
        (good, clear, -2),
        (fair, clear, -1),
        (bad, clear, 2),
        (good, tied, 1),
        (fair, tied, -1),
        (bad, tied, 2),
        (bad, unvetted, -2),
        (good, flipped, 2),
        (good, gold, -1),
        (bad, gold, 1),
    ]:
        build.judge(annotator, comparison, verdict, left="b")
    Judgment.objects.filter(annotator=bad, comparison=clear).update(rationale=FORMULA)
    make_snapshot(
        build.campaign,
        contenders=("alpha", "gamma", "beta"),
        annotators=[Scored(good), Scored(fair), Scored(bad, gold_correct=0)],
    )
    build.judge(late, unvetted, 1, seconds=None)
    return Scenario(build.campaign, good, fair, bad, late, clear, tied, unvetted, flipped, gold)
