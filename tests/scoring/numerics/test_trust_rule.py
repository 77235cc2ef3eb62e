"""The scoring job's vectorised trust agrees with the one trust rule (campaign.participants.trust).

Random gold records and thresholds (``min_gold_seen`` 0 included) go through the whole
`score_annotators` path and, one annotator at a time, through `assess_trust`: whose votes
count, the accuracy, and the `untrusted` flag must be the same.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.participants.trust import assess_trust, trust_state
from scoring.numerics.annotators import GoldSettings, Judgments, score_annotators
from scoring.numerics.flags import UNTRUSTED

records = st.lists(
    st.integers(min_value=0, max_value=30).flatmap(
        lambda seen: st.tuples(st.just(seen), st.integers(min_value=0, max_value=seen))
    ),
    min_size=1,
    max_size=8,
)
thresholds = st.builds(
    GoldSettings,
    min_gold_seen=st.integers(min_value=0, max_value=12),
    has_gold=st.booleans(),
    # Grid values as well as arbitrary ones, so ties with a posterior mean (1/2, 2/3, ...) occur.
    min_gold_accuracy=st.one_of(
        st.sampled_from([0.0, 0.5, 2 / 3, 0.7, 0.75, 0.8, 1.0]),
        st.floats(min_value=0.0, max_value=1.0),
    ),
)


def judgments_with(gold_records: list[tuple[int, int]]) -> Judgments:
    """Each annotator: ``correct`` gold judged right, the rest of ``seen`` wrong, one ordinary."""
    rows = []
    for annotator, (seen, correct) in enumerate(gold_records):
        rows += [(annotator, 0, -1, -1)] * correct  # gold answer a (-1), verdict a: right
        rows += [(annotator, 0, 1, -1)] * (seen - correct)  # verdict b: wrong
        rows.append((annotator, 1, -1, 0))  # an ordinary comparison
    annotator, comparison, verdict, gold = (np.array(column) for column in zip(*rows, strict=True))
    return Judgments(
        annotator=annotator,
        comparison=comparison,
        verdict=verdict,
        a_on_left=np.ones(annotator.size, dtype=bool),
        seconds=np.full(annotator.size, np.nan),
        gold=gold,
        n_annotators=len(gold_records),
    )


@settings(max_examples=300, deadline=None)
@given(records, thresholds)
def test_score_annotators_applies_the_trust_rule(gold_records, gold) -> None:
    scores = score_annotators(judgments_with(gold_records), gold=gold)
    for (seen, correct), score in zip(gold_records, scores, strict=True):
        rule = assess_trust(seen=seen, correct=correct, thresholds=gold, has_gold=gold.has_gold)
        assert score.votes_count == rule.votes_count
        assert score.trusted == (rule.votes_count if gold.has_gold else None)
        assert score.accepted == (1 if rule.votes_count else 0)
        assert (UNTRUSTED in score.flags) == (not rule.votes_count)
        if rule.accuracy is None:
            assert score.accuracy is None or not gold.has_gold
        else:
            assert score.accuracy is not None
            assert np.isclose(score.accuracy, rule.accuracy, rtol=0, atol=1e-12)
        # What a participant is shown, from the snapshot row the job stores, is the rule's state.
        shown = trust_state(
            seen=score.gold_seen, trusted=score.trusted, min_gold_seen=gold.min_gold_seen
        )
        assert shown == rule.state
