"""The participant ranking and the winner rule of PRODUCT.md ("Participant ranking").

Pure Python over `AnnotatorScore` values (no Django, no I/O).

Score = accepted judgments (non-gold, by a trusted annotator) x the accuracy's 95% lower
bound, so volume counts only as far as gold shows it is trustworthy, and a short lucky run
on gold does not beat a long solid one. In a campaign without gold nobody is vetted
(``trusted`` None) and every vote counts, so the score is the accepted judgments alone.
Higher score ranks first; equal scores are broken by agreement with the others' consensus
(no agreement figure counts as lowest); participants equal on both share a rank
(competition ranking "1, 2, 2, 4") and are listed by handle. The winner is the best-ranked
participant not found untrusted, with a positive score; several only if they tie exactly
on score and agreement, which the organiser must then settle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scoring.numerics.annotators import AnnotatorScore


@dataclass(frozen=True)
class Participant:
    """One row of the participant leaderboard (PRODUCT.md leaderboard JSON `participants`)."""

    handle: str
    judgments: int
    accepted: int
    gold_seen: int
    gold_correct: int
    accuracy: float | None  # posterior mean; None before any gold
    trusted: bool | None  # None: not vetted (the campaign has no gold)
    score: float
    rank: int
    agreement: float | None  # the tie-breaker, shown for transparency


def rank_participants(
    handles: Sequence[str], scores: Sequence[AnnotatorScore]
) -> list[Participant]:
    """Rank annotators; `handles[k]` is the handle of `scores[k]`. Best first."""
    if len(handles) != len(scores):
        raise ValueError("one handle per annotator score")
    rows = [
        (
            score.accepted * _weight(score),
            -1.0 if score.agreement is None else score.agreement,
            handle,
            score,
        )
        for handle, score in zip(handles, scores, strict=True)
    ]
    rows.sort(key=lambda row: (-row[0], -row[1], row[2]))
    ranked: list[Participant] = []
    for position, (points, agreement, handle, score) in enumerate(rows, start=1):
        previous = ranked[-1] if ranked else None
        same = previous is not None and (points, agreement) == (
            rows[position - 2][0],
            rows[position - 2][1],
        )
        ranked.append(
            Participant(
                handle=handle,
                judgments=score.judgments,
                accepted=score.accepted,
                gold_seen=score.gold_seen,
                gold_correct=score.gold_correct,
                accuracy=score.accuracy,
                trusted=score.trusted,
                score=points,
                rank=previous.rank if same and previous is not None else position,
                agreement=score.agreement,
            )
        )
    return ranked


def _weight(score: AnnotatorScore) -> float:
    """What one accepted judgment is worth: the gold accuracy's lower bound, 1 unvetted, 0 for
    an untrusted annotator (their votes may count toward the ratings when `vouched`, but the
    ranking, and so the prize, counts trusted annotators' judgments only)."""
    if score.trusted is False:
        return 0.0
    if score.trusted is None:
        return 1.0
    return score.accuracy_lower or 0.0  # none before any gold: then nothing is accepted


def pick_winners(ranking: Sequence[Participant]) -> list[Participant]:
    """The winner: the best-ranked participant not untrusted (trusted, or not vetted in a
    campaign without gold) with a positive score.

    Empty when nobody qualifies; more than one only on an exact tie (same score and
    agreement), which the rule cannot break and the organiser must.
    """
    eligible = [row for row in ranking if row.trusted is not False and row.score > 0]
    if not eligible:
        return []
    best = min(row.rank for row in eligible)
    return [row for row in eligible if row.rank == best]
