"""What the vote import plans, as values: votes, comparisons, a batch's new rows, and the keys
and fingerprints the planner (campaign.imports.vote_planning) compares lines by.

Memory grows with 40 bytes per prompt and response (campaign.imports.known_texts), ~34 bytes
per comparison (campaign.imports.comparison_map) and 12 bytes per vote
(campaign.imports.vote_keys), never with the texts: a text is kept as its fingerprint.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import NamedTuple


class PlannedVote(NamedTuple):
    """One vote to write (a tuple: made once per line, cheaper than a dataclass)."""

    annotator: str
    prompt_id: str
    model_a: str  # the comparison's own a/b
    model_b: str
    verdict: int  # canonical
    gold_side: str
    created_at: datetime.datetime | None  # the file's; None: the default, from the line
    comparison_pk: int | None  # known when the planner draws ids
    line: int


# What the planner knows of a prompt or response: the first line naming it (0: stored), the
# fingerprint of its text (None: created without one) and its primary key (None until drawn).
Known = tuple[int, int | None, int | None]

# A text's fingerprint, to compare it with later lines' without keeping it. Python's own str
# hash (64-bit SipHash, keyed per process: fingerprints never leave it) costs a fraction of a
# blake2b digest, and every line may bring three texts.
fingerprint = hash


class PlannedComparison:
    """A comparison the votes name: its a side, gold side, primary key and votes counted.

    ``stored``: its row is in the database (before the import, or written by an earlier
    batch); ``regular_votes``: the votes its row's ``load`` does not count yet.
    """

    __slots__ = ("gold_side", "model_a", "pk", "regular_votes", "stored")

    def __init__(self, model_a: str, gold_side: str, pk: int | None, *, stored: bool) -> None:
        self.model_a = model_a
        self.gold_side = gold_side
        self.pk = pk
        self.stored = stored
        self.regular_votes = 0  # what Comparison.load gains


@dataclass
class BatchPlan:
    annotators: list[str] = field(default_factory=list)  # new ones only
    annotator_ids: dict[str, int] = field(default_factory=dict)  # stored ones the votes name
    contenders: set[str] = field(default_factory=set)
    prompts: dict[str, str] = field(default_factory=dict)  # prompt id -> text
    responses: dict[tuple[str, str], str] = field(default_factory=dict)  # (prompt id, model)
    # New ones: prompt id, a, b and the comparison.
    comparisons: list[tuple[str, str, str, PlannedComparison]] = field(default_factory=list)
    # Stored ones that got their first regular vote not yet in their load in this batch.
    loaded: list[PlannedComparison] = field(default_factory=list)
    votes: list[PlannedVote] = field(default_factory=list)


def pair_text(prompt_id: str, model_a: str, model_b: str) -> str:
    """A comparison's prompt id and models, NUL-joined, whichever side each model is on."""
    return "\0".join((prompt_id, *sorted((model_a, model_b))))


def pair_key(pair_text: str) -> bytes:
    """A comparison's key (from ``pair_text``): 16 bytes, not three strings.

    Twice digest's size: two comparisons sharing a key would be merged without a word.
    """
    return hashlib.blake2b(pair_text.encode(), digest_size=16).digest()


def vote_key(annotator: str, pair_text: str) -> int:
    """One annotator's vote on one comparison (``pair_text``), whichever side each model is
    on. Python's hash, as ``fingerprint``: a quarter of a blake2b digest's cost, and two
    votes sharing a key would be refused as a repeat (a report to read), never merged."""
    return hash((annotator, pair_text))


def text_problem(known: Known | None, text: str | None) -> str:
    """Why a text given on this line disagrees with the stored one or an earlier line's (the
    message without its subject)."""
    if text is None or known is None:
        return ""
    line, knownfingerprint, _pk = known
    if knownfingerprint == fingerprint(text):
        return ""
    if line == 0:
        return "has a different text than the one stored"
    if knownfingerprint is None:
        return (
            f"first appears without a text on line {line}; give its text on every "
            "line that names it, or on none"
        )
    return f"has a different text than on line {line}"
