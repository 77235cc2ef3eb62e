"""Checking and planning the vote import, row by row and batch by batch; no writes.

A row is validated alone (campaign.imports.vote_rows), then planned against the campaign and
earlier lines (``Planner``). Whatever an earlier line created counts as existing, so planning
gives the same answer before (validation) and after (writing) earlier batches are stored.
Memory grows with one small entry per prompt, response and comparison, and 12 bytes per vote
(campaign.imports.vote_keys), never with the texts.

Given ``IdBlocks`` (PostgreSQL), the planner also gives every prompt, response and comparison
the votes name its primary key (stored, or drawn from the sequence when new) and counts each
comparison's votes, so the import can be written from one pass (campaign.imports.vote_spool).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from accounts.models import User
from campaign.imports.vote_keys import VoteKeys
from campaign.imports.vote_rows import VoteRecord
from campaign.imports.writing import IdBlocks
from campaign.ledger import totals
from campaign.models import Campaign, Comparison, Judgment, Prompt, Response

if TYPE_CHECKING:
    from campaign.imports.report import FileReport
    from campaign.imports.votes import JudgmentImportReport

USERNAME_PREFIX = "imported"


def imported_username(campaign: Campaign, annotator: str) -> str:
    return f"{USERNAME_PREFIX}+{campaign.slug}+{annotator}"


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
_fingerprint = hash


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


class Planner:
    """Checks each vote against the campaign and earlier lines, and plans what to create.

    Whatever an earlier line created counts as existing, so planning gives the same answer
    before (validation) and after (writing) earlier batches are stored.
    """

    def __init__(self, campaign: Campaign, ids: IdBlocks | None = None) -> None:
        self.campaign = campaign
        self.ids = ids
        # Name -> the one str object every key holds (a file's rows each bring their own copy).
        names = campaign.contenders.values_list("name", flat=True)
        self.contenders = {name: name for name in names}
        self.annotators: dict[str, int | None] = {}  # name -> user id (None: new)
        self.new_names: set[str] = set()  # new annotators already planned
        # Prompts and responses as stored or created by this file (Known).
        self.prompt_texts: dict[str, Known] = {}
        self.campaign_empty = not Prompt.objects.filter(campaign=campaign).exists()
        self.response_texts: dict[tuple[str, str], Known] = {}
        # digest of (prompt id, sorted pair) -> the comparison.
        self.comparisons: dict[bytes, PlannedComparison] = {}
        self.votes = VoteKeys()  # keys of (annotator, prompt, pair), with their lines
        self.earlier_votes: dict[int, int] = {}  # the batch's repeats of earlier batches' votes
        # The campaign's judgments stored before the import have no higher id than this one
        # (campaign.ledger; None: it has none, so no batch looks for stored votes); the import's
        # own, written batch by batch on PostgreSQL (campaign.imports.vote_spool), draw higher
        # ones: they are in self.votes, not stored.
        stored, largest, _sum = totals(campaign.pk, "judgments")
        self.last_stored_judgment: int | None = largest if stored else None

    def plan(self, batch: list[VoteRecord], report: JudgmentImportReport) -> BatchPlan:
        self._load_annotators({record.annotator for record in batch}, batch, report)
        stored_votes = self._load_stored({record.prompt_id for record in batch})
        plan = BatchPlan()
        annotators = self.annotators
        prompt_texts, response_texts = self.prompt_texts, self.response_texts
        pairs = []  # (record, its pair text, its vote key)
        for record in batch:
            if record.annotator not in annotators:
                continue  # its name is taken by a real account: reported once, on first use
            model_a, model_b = record.model_a, record.model_b
            # _pair_text, inline: one comparison instead of sorted()'s list.
            low, high = (model_a, model_b) if model_a < model_b else (model_b, model_a)
            pair_text = "\0".join((record.prompt_id, low, high))
            pairs.append((record, pair_text, _vote_key(record.annotator, pair_text)))
        # Votes of earlier batches these lines repeat (one lookup for the batch), and this
        # batch's own as they are planned.
        self.earlier_votes = earlier = self.votes.earlier([key for _r, _p, key in pairs])
        votes = self.votes.batch
        for record, pair_text, key in pairs:
            prompt_id, model_a, model_b = record.prompt_id, record.model_a, record.model_b
            # The usual line first, inline: a new vote whose texts agree with what is known
            # (_conflicts' checks, without spelling out messages for problems there are not).
            text, known = record.prompt_text, prompt_texts.get(prompt_id)
            if (
                not stored_votes
                and key not in votes
                and key not in earlier
                and (text is None or known is None or known[1] == _fingerprint(text))
            ):
                text, known = record.response_a, response_texts.get((prompt_id, model_a))
                if text is None or known is None or known[1] == _fingerprint(text):
                    text, known = record.response_b, response_texts.get((prompt_id, model_b))
                    if text is None or known is None or known[1] == _fingerprint(text):
                        self._plan_vote(record, key, _pair_key(pair_text), plan, report)
                        continue
            problems = self._conflicts(record, key, stored_votes)
            if problems:
                for message in problems:
                    report.add_error(record.line, message)
                continue
            self._plan_vote(record, key, _pair_key(pair_text), plan, report)
        self.votes.end_batch()
        return plan

    def _load_annotators(
        self, names: set[str], batch: list[VoteRecord], report: FileReport
    ) -> None:
        new = {imported_username(self.campaign, name): name for name in names}
        new = {username: name for username, name in new.items() if name not in self.annotators}
        found = User.objects.filter(username__in=new).values_list("username", "id", "is_imported")
        refused: set[str] = set()
        for username, pk, imported in found:
            if imported:
                self.annotators[new[username]] = pk
            else:
                refused.add(new[username])
        for name in new.values():
            self.annotators.setdefault(name, None)
        for record in batch:
            if record.annotator in refused:
                refused.discard(record.annotator)
                self.annotators.pop(record.annotator, None)
                report.add_error(
                    record.line,
                    f"annotator {record.annotator!r}: its username "
                    f"{imported_username(self.campaign, record.annotator)!r} belongs to an "
                    "account that was not imported",
                )

    def _load_stored(self, prompt_ids: set[str]) -> set[tuple[str, str, frozenset[str]]]:
        """Texts, comparisons and imported annotators' votes stored for these prompts."""
        # Known prompts (stored, or created by an earlier line) need no second look, nor any if
        # the campaign had none (no query: each waited for the COPY in progress, ~1 s in all).
        unknown = set() if self.campaign_empty else set(prompt_ids) - self.prompt_texts.keys()
        prompts = Prompt.objects.filter(campaign=self.campaign, external_id__in=unknown)
        for prompt_id, text, pk in prompts.values_list("external_id", "text", "id"):
            self.prompt_texts.setdefault(prompt_id, (0, _fingerprint(text), pk))
        responses = Response.objects.filter(
            prompt__campaign=self.campaign, prompt__external_id__in=unknown
        ).values_list("prompt__external_id", "contender__name", "text", "id")
        for prompt_id, model, text, pk in responses:
            self.response_texts.setdefault((prompt_id, model), (0, _fingerprint(text), pk))
        comparisons = Comparison.objects.filter(
            campaign=self.campaign, prompt__external_id__in=unknown
        ).values_list(
            "prompt__external_id",
            "response_a__contender__name",
            "response_b__contender__name",
            "gold_side",
            "id",
        )
        for prompt_id, model_a, model_b, gold, pk in comparisons:
            self.comparisons.setdefault(
                _pair_key(_pair_text(prompt_id, model_a, model_b)),
                PlannedComparison(model_a, gold, pk, stored=True),
            )
        names = {pk: name for name, pk in self.annotators.items() if pk is not None}
        if not names or self.last_stored_judgment is None:
            return set()
        votes = Judgment.objects.filter(
            campaign=self.campaign,
            id__lte=self.last_stored_judgment,
            annotator_id__in=names,
            comparison__prompt__external_id__in=prompt_ids,
        ).values_list(
            "annotator_id",
            "comparison__prompt__external_id",
            "comparison__response_a__contender__name",
            "comparison__response_b__contender__name",
        )
        return {(names[pk], prompt_id, frozenset((a, b))) for pk, prompt_id, a, b in votes}

    def _conflicts(
        self, record: VoteRecord, key: int, stored_votes: set[tuple[str, str, frozenset[str]]]
    ) -> list[str]:
        problems: list[str] = []
        if stored_votes and (
            (record.annotator, record.prompt_id, frozenset((record.model_a, record.model_b)))
            in stored_votes
        ):
            problems.append(
                f"{record.annotator!r} already judged {record.prompt_id!r} "
                f"{record.model_a} vs {record.model_b} (stored)"
            )
        earlier = self.votes.batch.get(key, self.earlier_votes.get(key))
        if earlier is not None:
            problems.append(
                f"{record.annotator!r} judges {record.prompt_id!r} {record.model_a} vs "
                f"{record.model_b} twice (first on line {earlier})"
            )
        # The subject of a message is spelled out only when there is a problem to report.
        texts = [
            (None, self.prompt_texts.get(record.prompt_id), record.prompt_text),
            (
                record.model_a,
                self.response_texts.get((record.prompt_id, record.model_a)),
                record.response_a,
            ),
            (
                record.model_b,
                self.response_texts.get((record.prompt_id, record.model_b)),
                record.response_b,
            ),
        ]
        for model, known, text in texts:
            problem = _text_problem(known, text)
            if problem:
                what = (
                    f"prompt {record.prompt_id!r}"
                    if model is None
                    else f"response of {model!r} to {record.prompt_id!r}"
                )
                problems.append(f"{what} {problem}")
        return problems

    def comparison(self, prompt_id: str, model_a: str, model_b: str) -> PlannedComparison:
        """The comparison of these models on this prompt, stored or planned."""
        return self.comparisons[_pair_key(_pair_text(prompt_id, model_a, model_b))]

    def _draw(self, model: type[Prompt] | type[Response] | type[Comparison]) -> int | None:
        return None if self.ids is None else self.ids.take(model)

    def _plan_vote(
        self,
        record: VoteRecord,
        key: int,
        pair: bytes,
        plan: BatchPlan,
        report: JudgmentImportReport,
    ) -> None:
        user_id = self.annotators[record.annotator]
        if user_id is not None:
            plan.annotator_ids[record.annotator] = user_id  # the writer needs no lookup
        elif record.annotator not in self.new_names:
            self.new_names.add(record.annotator)
            plan.annotators.append(record.annotator)
            report.annotators_created += 1
        if record.prompt_id not in self.prompt_texts:
            text = record.prompt_text
            self.prompt_texts[record.prompt_id] = (
                record.line,
                None if text is None else _fingerprint(text),
                self._draw(Prompt),
            )
            plan.prompts[record.prompt_id] = text or ""
            report.prompts_created += 1
        # A known response's contender is known too: only a new response may bring a new one.
        if (record.prompt_id, record.model_a) not in self.response_texts:
            self._plan_response(record, record.model_a, record.response_a, plan, report)
        if (record.prompt_id, record.model_b) not in self.response_texts:
            self._plan_response(record, record.model_b, record.response_b, plan, report)
        comparison = self.comparisons.get(pair)
        if comparison is None:
            model_a = self.contenders[record.model_a]
            comparison = PlannedComparison(model_a, "", self._draw(Comparison), stored=False)
            self.comparisons[pair] = comparison
            plan.comparisons.append((record.prompt_id, record.model_a, record.model_b, comparison))
            report.comparisons_created += 1
        model_a, gold_side = comparison.model_a, comparison.gold_side
        if not gold_side:
            if comparison.stored and not comparison.regular_votes:
                plan.loaded.append(comparison)
            comparison.regular_votes += 1
        swapped = model_a != record.model_a
        self.votes.batch[key] = record.line
        plan.votes.append(
            PlannedVote(
                record.annotator,
                record.prompt_id,
                model_a,
                record.model_a if swapped else record.model_b,
                -record.verdict if swapped else record.verdict,
                gold_side,
                record.created_at,
                comparison.pk,
                record.line,
            )
        )
        report.judgments_created += 1

    def _plan_response(
        self,
        record: VoteRecord,
        model: str,
        text: str | None,
        plan: BatchPlan,
        report: JudgmentImportReport,
    ) -> None:
        if model not in self.contenders:
            self.contenders[model] = model
            plan.contenders.add(model)
            report.contenders_created += 1
        response = (record.prompt_id, self.contenders[model])
        self.response_texts[response] = (
            record.line,
            None if text is None else _fingerprint(text),
            self._draw(Response),
        )
        plan.responses[response] = text or ""
        report.responses_created += 1


def _pair_text(prompt_id: str, model_a: str, model_b: str) -> str:
    """A comparison's prompt id and models, NUL-joined, whichever side each model is on."""
    return "\0".join((prompt_id, *sorted((model_a, model_b))))


def _pair_key(pair_text: str) -> bytes:
    """A comparison's key (from ``_pair_text``): 16 bytes, not three strings.

    Twice digest's size: two comparisons sharing a key would be merged without a word.
    """
    return hashlib.blake2b(pair_text.encode(), digest_size=16).digest()


def _vote_key(annotator: str, pair_text: str) -> int:
    """One annotator's vote on one comparison (``_pair_text``), whichever side each model is
    on. Python's hash, as ``_fingerprint``: a quarter of a blake2b digest's cost, and two
    votes sharing a key would be refused as a repeat (a report to read), never merged."""
    return hash((annotator, pair_text))


def _text_problem(known: Known | None, text: str | None) -> str:
    """Why a text given on this line disagrees with the stored one or an earlier line's (the
    message without its subject)."""
    if text is None or known is None:
        return ""
    line, known_fingerprint, _pk = known
    if known_fingerprint == _fingerprint(text):
        return ""
    if line == 0:
        return "has a different text than the one stored"
    if known_fingerprint is None:
        return (
            f"first appears without a text on line {line}; give its text on every "
            "line that names it, or on none"
        )
    return f"has a different text than on line {line}"
