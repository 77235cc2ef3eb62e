"""Preference pairs for reward models and DPO: PRODUCT.md "Exports", preferences.

One row per regular comparison whose *trusted consensus* prefers one side, in the standard
format TRL's reward and DPO trainers read as is (``prompt``, ``chosen``, ``rejected``, all
strings), plus ``chosen_model``, ``rejected_model``, ``prompt_id``, ``category``, ``margin``,
``votes`` and ``comparison_id``.

The consensus of a comparison is the mean verdict of its trusted votes: verdicts run from -2
(a much better) to +2 (b much better), a vote is trusted when its annotator is trusted in the
campaign's latest snapshot (the votes the leaderboard used: scoring.selectors.annotator_trust),
and gold judgments are never votes. Then

- ``votes``  = the number of trusted votes (at least one);
- a negative mean chooses side a, a positive one side b; a mean of exactly 0 is a tie;
- ``margin`` = |mean|, from above 0 to 2: 2 when every trusted vote says "much better".

Comparisons without trusted votes (unresolved), ties and gold comparisons are left out. The
sign is taken from the sum of the verdicts, an integer, so a tie is exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from django.db.models import Count, Q, Sum

from campaign.models import Campaign, regular_pool
from scoring.exceptions import NotScoredYet
from scoring.exports.cursor import stream
from scoring.exports.formats import Column, Format, Progress, encode
from scoring.selectors import annotator_trust, latest_snapshot

CHUNK_ROWS = 2_000

PREFERENCE_COLUMNS: tuple[Column, ...] = (
    Column("prompt", "string"),
    Column("chosen", "string"),
    Column("rejected", "string"),
    Column("chosen_model", "string"),
    Column("rejected_model", "string"),
    Column("prompt_id", "string"),
    Column("category", "string"),
    Column("margin", "float"),
    Column("votes", "int"),
    Column("comparison_id", "int"),
)


class PreferenceRow(NamedTuple):
    """One preference pair, in the order of PREFERENCE_COLUMNS."""

    prompt: str
    chosen: str
    rejected: str
    chosen_model: str
    rejected_model: str
    prompt_id: str
    category: str
    margin: float
    votes: int
    comparison_id: int


def trusted_annotator_ids(campaign: Campaign) -> list[int]:
    """Whose votes the preferences count: the trusted of the latest snapshot."""
    snapshot = latest_snapshot(campaign)
    if snapshot is None:
        raise NotScoredYet(
            f"{campaign.slug!r} has not been scored yet, so nobody's votes are vetted: "
            f"run `manage.py score_campaign {campaign.slug}` first."
        )
    return sorted(user for user, trusted in annotator_trust(snapshot).items() if trusted)


def preference_file(
    campaign: Campaign, *, fmt: Format, progress: Progress | None = None
) -> Iterator[bytes]:
    """The preference pairs as a ``fmt`` file, chunk by chunk; raises NotScoredYet at the call."""
    return encode(preference_rows(campaign), PREFERENCE_COLUMNS, fmt=fmt, progress=progress)


def preference_rows(campaign: Campaign, *, chunk_size: int = CHUNK_ROWS) -> Iterator[PreferenceRow]:
    """The campaign's preference pairs by comparison.

    Raises NotScoredYet at the call, before the first row, so a caller can refuse before it
    starts a file or a response.
    """
    return _preference_rows(campaign, trusted_annotator_ids(campaign), chunk_size)


def _preference_rows(
    campaign: Campaign, trusted: list[int], chunk_size: int
) -> Iterator[PreferenceRow]:
    if not trusted:
        return
    names = dict(campaign.contenders.values_list("pk", "name"))
    vote = Q(judgments__annotator_id__in=trusted, judgments__is_gold=False)
    comparisons = (
        regular_pool(campaign)
        .annotate(
            total=Sum("judgments__verdict", filter=vote), votes=Count("judgments", filter=vote)
        )
        .filter(votes__gt=0)
        .exclude(total=0)
        .order_by("pk")
        .values_list(
            "pk",
            "prompt__text",
            "prompt__external_id",
            "prompt__category",
            "response_a__text",
            "response_b__text",
            "response_a__contender_id",
            "response_b__contender_id",
            "total",
            "votes",
        )
    )
    for (
        comparison_id,
        prompt,
        prompt_id,
        category,
        text_a,
        text_b,
        contender_a,
        contender_b,
        total,
        votes,
    ) in stream(comparisons, chunk_size=chunk_size):
        a_wins = total < 0
        yield PreferenceRow(
            prompt=prompt,
            chosen=text_a if a_wins else text_b,
            rejected=text_b if a_wins else text_a,
            chosen_model=names[contender_a if a_wins else contender_b],
            rejected_model=names[contender_b if a_wins else contender_a],
            prompt_id=prompt_id,
            category=category,
            margin=abs(total) / votes,
            votes=votes,
            comparison_id=comparison_id,
        )
