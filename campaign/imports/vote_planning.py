"""Checking and planning the vote import, row by row and batch by batch; no writes.

A row is validated alone (campaign.imports.vote_rows), then planned against the campaign and
earlier lines (``Planner``). Whatever an earlier line created counts as existing, so planning
gives the same answer before (validation) and after (writing) earlier batches are stored.
What it plans, and the keys it compares lines by, are campaign.imports.vote_plan's values.

Given ``IdBlocks`` (PostgreSQL), the planner also gives every prompt, response and comparison
the votes name its primary key (stored, or drawn from the sequence when new) and counts each
comparison's votes, so the import can be written from one pass (campaign.imports.vote_spool).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from accounts.models import User
from campaign.imports.comparison_map import ComparisonMap
from campaign.imports.known_texts import KnownTexts
from campaign.imports.vote_keys import VoteKeys
from campaign.imports.vote_plan import (
    BatchPlan,
    Known,
    PlannedComparison,
    PlannedVote,
    fingerprint,
    pair_key,
    pair_text,
    text_problem,
    vote_key,
)
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


class Planner:
    """Checks each vote against the campaign and earlier lines, and plans what to create.

    Whatever an earlier line created counts as existing, so planning gives the same answer
    before (validation) and after (writing) earlier batches are stored.
    """

    def __init__(self, campaign: Campaign, ids: IdBlocks | None = None) -> None:
        self.campaign = campaign
        # The ids new rows get, one next() each; without IdBlocks (SQLite) None: no ids drawn.
        self.prompt_ids, self.response_ids, self.comparison_ids = (
            itertools.repeat(None) if ids is None else ids.of(model)
            for model in (Prompt, Response, Comparison)
        )
        # Name -> the one str object every key holds (a file's rows each bring their own copy).
        names = campaign.contenders.values_list("name", flat=True)
        self.contenders = {name: name for name in names}
        self.annotators: dict[str, int | None] = {}  # name -> user id (None: new)
        self.new_names: set[str] = set()  # new annotators already planned
        # Prompts and responses as stored or created by this file (Known); the batch's lines'
        # in the two dicts (what the writer reads too), all of them in the compact maps.
        self.known_prompts: KnownTexts[str] = KnownTexts()
        self.known_responses: KnownTexts[tuple[str, str]] = KnownTexts()
        self.prompt_texts: dict[str, Known] = self.known_prompts.batch
        self.response_texts: dict[tuple[str, str], Known] = self.known_responses.batch
        self.campaign_empty = not Prompt.objects.filter(campaign=campaign).exists()
        # digest of (prompt id, sorted pair) -> the comparison.
        self.comparisons = ComparisonMap()
        self.votes = VoteKeys()  # keys of (annotator, prompt, pair), with their lines
        self.earlier_votes: dict[int, int] = {}  # the batch's repeats of earlier batches' votes
        # The campaign's judgments stored before the import have no higher id than this one
        # (campaign.ledger; None: it has none, so no batch looks for stored votes); the import's
        # own, written batch by batch on PostgreSQL (campaign.imports.vote_spool), draw higher
        # ones: they are in self.votes, not stored.
        stored, largest, _sum = totals(campaign.pk, "judgments")
        self.last_stored_judgment: int | None = largest if stored else None

    def plan(self, batch: list[VoteRecord], report: JudgmentImportReport) -> BatchPlan:
        self._start_batch(batch)
        self._load_annotators({record.annotator for record in batch}, batch, report)
        stored_votes = self._load_stored({record.prompt_id for record in batch})
        plan = BatchPlan()
        annotators = self.annotators
        prompt_texts, response_texts = self.prompt_texts, self.response_texts
        pairs = []  # (record, its comparison's key, its vote key)
        for record in batch:
            if record.annotator not in annotators:
                continue  # its name is taken by a real account: reported once, on first use
            model_a, model_b = record.model_a, record.model_b
            # pair_text (campaign.imports.vote_plan) inline: one comparison, not sorted()'s list.
            low, high = (model_a, model_b) if model_a < model_b else (model_b, model_a)
            names = "\0".join((record.prompt_id, low, high))
            pairs.append((record, pair_key(names), vote_key(record.annotator, names)))
        # Votes of earlier batches these lines repeat (one lookup for the batch), and this
        # batch's own as they are planned.
        self.earlier_votes = earlier = self.votes.earlier([key for _r, _p, key in pairs])
        self.comparisons.load(pair for _r, pair, _k in pairs)
        votes = self.votes.batch
        for record, pair, key in pairs:
            prompt_id, model_a, model_b = record.prompt_id, record.model_a, record.model_b
            # The usual line first, inline: a new vote whose texts agree with what is known
            # (_conflicts' checks, without spelling out messages for problems there are not).
            text, known = record.prompt_text, prompt_texts.get(prompt_id)
            if (
                not stored_votes
                and key not in votes
                and key not in earlier
                and (text is None or known is None or known[1] == fingerprint(text))
            ):
                text, known = record.response_a, response_texts.get((prompt_id, model_a))
                if text is None or known is None or known[1] == fingerprint(text):
                    text, known = record.response_b, response_texts.get((prompt_id, model_b))
                    if text is None or known is None or known[1] == fingerprint(text):
                        self._plan_vote(record, key, pair, plan, report)
                        continue
            problems = self._conflicts(record, key, stored_votes)
            if problems:
                for message in problems:
                    report.add_error(record.line, message)
                continue
            self._plan_vote(record, key, pair, plan, report)
        self.votes.end_batch()
        return plan

    def _start_batch(self, batch: list[VoteRecord]) -> None:
        """Bring what earlier batches planned for these lines' prompts, responses and
        comparisons (the latter once their keys are known, in ``plan``) into the batch."""
        self.comparisons.start_batch()
        self.known_prompts.start_batch()
        self.known_responses.start_batch()
        self.known_prompts.load(record.prompt_id for record in batch)
        self.known_responses.load(
            response
            for record in batch
            for response in ((record.prompt_id, record.model_a), (record.prompt_id, record.model_b))
        )
        self.prompt_texts = self.known_prompts.batch
        self.response_texts = self.known_responses.batch

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
            self.prompt_texts.setdefault(prompt_id, (0, fingerprint(text), pk))
        responses = Response.objects.filter(
            prompt__campaign=self.campaign, prompt__external_id__in=unknown
        ).values_list("prompt__external_id", "contender__name", "text", "id")
        for prompt_id, model, text, pk in responses:
            self.response_texts.setdefault((prompt_id, model), (0, fingerprint(text), pk))
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
            self.comparisons.batch.setdefault(
                pair_key(pair_text(prompt_id, model_a, model_b)),
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
            problem = text_problem(known, text)
            if problem:
                what = (
                    f"prompt {record.prompt_id!r}"
                    if model is None
                    else f"response of {model!r} to {record.prompt_id!r}"
                )
                problems.append(f"{what} {problem}")
        return problems

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
                None if text is None else fingerprint(text),
                next(self.prompt_ids),
            )
            plan.prompts[record.prompt_id] = text or ""
            report.prompts_created += 1
        # A known response's contender is known too: only a new response may bring a new one.
        if (record.prompt_id, record.model_a) not in self.response_texts:
            self._plan_response(record, record.model_a, record.response_a, plan, report)
        if (record.prompt_id, record.model_b) not in self.response_texts:
            self._plan_response(record, record.model_b, record.response_b, plan, report)
        comparison = self.comparisons.batch.get(pair)
        if comparison is None:
            model_a = self.contenders[record.model_a]
            comparison = PlannedComparison(model_a, "", next(self.comparison_ids), stored=False)
            self.comparisons.batch[pair] = comparison
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
            None if text is None else fingerprint(text),
            next(self.response_ids),
        )
        plan.responses[response] = text or ""
        report.responses_created += 1
