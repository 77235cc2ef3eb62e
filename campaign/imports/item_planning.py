"""Planning the item import, batch by batch: what is new, what is already there, what conflicts.

"Already there" means stored in the campaign or planned by an earlier line of this file, so
planning gives the same answer whether or not earlier batches were written. Memory stays flat in
the file size except for a few dozen bytes per prompt id (duplicate and consistency checks
across lines).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count

from campaign.imports import writing
from campaign.imports.validation import ItemRecord, digest
from campaign.models import Campaign, Comparison, Contender, Prompt, Response

if TYPE_CHECKING:
    from campaign.imports.items import ImportReport


@dataclass
class BatchPlan:
    prompts: list[ItemRecord] = field(default_factory=list)
    responses: list[tuple[str, str, str]] = field(default_factory=list)  # prompt id, model, text
    comparisons: list[tuple[str, str, str, str]] = field(default_factory=list)  # + gold side
    contenders: list[str] = field(default_factory=list)
    # Primary keys of every prompt and response the batch's rows refer to: stored, planned by
    # an earlier line, or new. Known only when ids are drawn while planning (PostgreSQL).
    prompt_pks: dict[str, int | None] = field(default_factory=dict)
    response_pks: dict[tuple[str, str], int | None] = field(default_factory=dict)


class Planner:
    """Decides, batch by batch, what is new, what is already there and what conflicts.

    "Already there" means stored in the campaign or planned by an earlier line of this file,
    so planning gives the same answer whether or not earlier batches were written.
    """

    def __init__(self, campaign: Campaign, ids: writing.IdBlocks | None = None) -> None:
        self.campaign = campaign
        self.contenders: dict[str, int | None] = dict(campaign.contenders.values_list("name", "id"))
        # The one structure that grows with the file: prompt id -> first line, negated for the
        # explicit form. A plain int per id (no tuple, no digest) keeps it near 100 bytes.
        self.seen_prompts: dict[str, int] = {}
        # Explicit-form lines only (a few per prompt): prompt id -> prompt text digest; the
        # prompts and responses this file creates -> their id once drawn (cross-batch
        # references); pairs already given -> their line.
        self.explicit_digests: dict[str, bytes] = {}
        self.created_prompts: dict[str, int | None] = {}
        self.seen_responses: dict[tuple[str, str], bytes] = {}
        self.created_responses: dict[tuple[str, str], int | None] = {}
        self.seen_pairs: dict[tuple[str, frozenset[str]], int] = {}
        self.pair_usage: Counter[frozenset[str]] = Counter()
        self.ids = ids
        # Decided once, before anything is written: an empty campaign (the usual first, large
        # import) has nothing stored to look up batch by batch. Lines of this file that refer
        # to earlier ones go through created_prompts and created_responses instead.
        self.campaign_empty = not Prompt.objects.filter(campaign=campaign).exists()
        if campaign.pairs_per_prompt is not None:
            self.pair_usage.update(self._stored_pair_usage())

    def _stored_pair_usage(self) -> dict[frozenset[str], int]:
        # Counted by the database: one row per contender pair, not one per comparison.
        usage: Counter[frozenset[str]] = Counter()
        rows = (
            Comparison.objects.filter(campaign=self.campaign)
            .values_list("response_a__contender__name", "response_b__contender__name")
            .annotate(used=Count("id"))
            .order_by()
        )
        for model_a, model_b, used in rows:
            usage[frozenset((model_a, model_b))] += used
        return usage

    def plan(
        self,
        batch: list[ItemRecord],
        report: ImportReport | None,
        *,
        draw_ids: bool,
    ) -> BatchPlan:
        """Plan the batch's valid lines; with a ``report``, add its problems and counts."""
        if self.campaign_empty:
            stored = StoredState({}, {}, {})
        else:
            stored = StoredState.load(self.campaign, {record.prompt_id for record in batch})
        plan = BatchPlan()
        plan.prompt_pks = {prompt_id: pk for prompt_id, (_text, pk) in stored.prompts.items()}
        plan.response_pks = {key: pk for key, (_text, pk) in stored.responses.items()}
        for record in batch:
            problems = self._check_file_consistency(record) or stored.conflicts(record)
            if problems:
                if report is not None:
                    for message in problems:
                        report.add_error(record.line, message)
                continue
            if record.explicit_pair:
                self._recall_created(record, plan)
            self._plan_record(record, stored, plan, report)
        if draw_ids:
            self._draw_ids(plan)
        return plan

    def _recall_created(self, record: ItemRecord, plan: BatchPlan) -> None:
        # An explicit line may name a prompt (and responses) that an earlier batch of this file
        # creates; that is "already there", even though nothing is written yet.
        pk = self.created_prompts.get(record.prompt_id, 0)
        if pk != 0:
            plan.prompt_pks.setdefault(record.prompt_id, pk)
        for model in record.responses:
            key = (record.prompt_id, model)
            response_pk = self.created_responses.get(key, 0)
            if response_pk != 0:
                plan.response_pks.setdefault(key, response_pk)

    def _draw_ids(self, plan: BatchPlan) -> None:
        if self.ids is None:  # pragma: no cover - a bug: only a planner given ids draws them
            raise RuntimeError("this planner draws no ids")
        prompt_ids = list(itertools.islice(self.ids.of(Prompt), len(plan.prompts)))
        prompt_keys = [record.prompt_id for record in plan.prompts]
        plan.prompt_pks.update(zip(prompt_keys, prompt_ids, strict=True))
        response_ids = list(itertools.islice(self.ids.of(Response), len(plan.responses)))
        response_keys = [(prompt_id, model) for prompt_id, model, _text in plan.responses]
        plan.response_pks.update(zip(response_keys, response_ids, strict=True))
        # Only explicit lines are recalled by later batches (created_*): most imports have none.
        if self.created_prompts:
            for key, pk in zip(prompt_keys, prompt_ids, strict=True):
                if key in self.created_prompts:
                    self.created_prompts[key] = pk
        if self.created_responses:
            for response_key, pk in zip(response_keys, response_ids, strict=True):
                if response_key in self.created_responses:
                    self.created_responses[response_key] = pk
        for name, pk in zip(
            plan.contenders, writing.draw_ids(Contender, len(plan.contenders)), strict=True
        ):
            self.contenders[name] = pk

    def _check_file_consistency(self, record: ItemRecord) -> list[str]:
        problems: list[str] = []
        explicit = record.explicit_pair is not None
        earlier = self.seen_prompts.get(record.prompt_id)
        if earlier is not None:
            if not explicit or earlier > 0:
                return [f"duplicate id {record.prompt_id!r} (first on line {abs(earlier)})"]
            if self.explicit_digests[record.prompt_id] != digest(record.prompt):
                problems.append(
                    f"id {record.prompt_id!r} has a different prompt text than on line {-earlier}"
                )
        if record.explicit_pair:
            pair_key = (record.prompt_id, frozenset(record.explicit_pair))
            if pair_key in self.seen_pairs:
                problems.append(
                    f"duplicate comparison {record.prompt_id!r} "
                    f"{record.explicit_pair[0]} vs {record.explicit_pair[1]} "
                    f"(first on line {self.seen_pairs[pair_key]})"
                )
            for model, text in record.responses.items():
                known = self.seen_responses.get((record.prompt_id, model))
                if known is not None and known != digest(text):
                    problems.append(
                        f"response of {model!r} to {record.prompt_id!r} differs from an "
                        "earlier line"
                    )
        if not problems:
            if earlier is None:
                self.seen_prompts[record.prompt_id] = -record.line if explicit else record.line
            if record.explicit_pair:
                self.explicit_digests.setdefault(record.prompt_id, digest(record.prompt))
                self.seen_pairs[(record.prompt_id, frozenset(record.explicit_pair))] = record.line
                for model, text in record.responses.items():
                    self.seen_responses[(record.prompt_id, model)] = digest(text)
        return problems

    def _plan_record(
        self,
        record: ItemRecord,
        stored: StoredState,
        plan: BatchPlan,
        report: ImportReport | None,
    ) -> None:
        prompt_id = record.prompt_id
        explicit = record.explicit_pair is not None
        planned = False
        if prompt_id not in plan.prompt_pks:
            plan.prompt_pks[prompt_id] = None
            plan.prompts.append(record)
            if explicit:
                self.created_prompts[prompt_id] = None
            planned = True
        response_pks = plan.response_pks
        new_responses = 0
        for model, text in record.responses.items():
            key = (prompt_id, model)
            if key not in response_pks:
                response_pks[key] = None
                plan.responses.append((prompt_id, model, text))
                if explicit:
                    self.created_responses[key] = None
                new_responses += 1
            if model not in self.contenders:
                self.contenders[model] = None
                plan.contenders.append(model)
                if report is not None:
                    report.contenders_created += 1
        comparisons = self._new_comparisons(record, stored)
        if self.campaign.pairs_per_prompt is not None:
            for model_a, model_b, _gold in comparisons:
                self.pair_usage[frozenset((model_a, model_b))] += 1
        # stored.pairs needs no update for what is planned here: a multi-response prompt has one
        # line, and seen_pairs already refuses an explicit pair given twice.
        plan.comparisons.extend((prompt_id, a, b, gold) for a, b, gold in comparisons)
        if report is not None:
            report.prompts_created += planned
            report.responses_created += new_responses
            report.comparisons_created += len(comparisons)
            report.gold_created += sum(1 for _a, _b, gold in comparisons if gold)
            if not (planned or new_responses or comparisons):
                report.lines_unchanged += 1

    def _new_comparisons(
        self, record: ItemRecord, stored: StoredState
    ) -> list[tuple[str, str, str]]:
        existing = stored.pairs.get(record.prompt_id, {})
        if record.explicit_pair:
            if frozenset(record.explicit_pair) in existing:
                return []
            return [(*record.explicit_pair, record.gold)]
        budget = self.campaign.pairs_per_prompt
        candidates = list(itertools.combinations(sorted(record.responses), 2))
        if existing:
            candidates = [pair for pair in candidates if frozenset(pair) not in existing]
        if budget is None:
            return [(a, b, "") for a, b in candidates]
        room = max(budget - len(existing), 0)
        # Least-used contender pairs first, so sampled comparisons spread evenly over pairs;
        # the digest tie-break is deterministic, which keeps dry runs and re-imports identical.
        candidates.sort(
            key=lambda pair: (
                self.pair_usage[frozenset(pair)],
                digest(record.prompt_id + pair[0] + pair[1]),
            )
        )
        return [(a, b, "") for a, b in candidates[:room]]


@dataclass
class StoredState:
    """What the campaign already holds for the prompt ids of one batch (texts and ids)."""

    prompts: dict[str, tuple[str, int]]
    responses: dict[tuple[str, str], tuple[str, int]]
    pairs: dict[str, dict[frozenset[str], str]]

    @classmethod
    def load(cls, campaign: Campaign, prompt_ids: set[str]) -> StoredState:
        prompts = {
            external_id: (text, pk)
            for external_id, text, pk in Prompt.objects.filter(
                campaign=campaign, external_id__in=prompt_ids
            ).values_list("external_id", "text", "id")
        }
        responses: dict[tuple[str, str], tuple[str, int]] = {}
        pairs: dict[str, dict[frozenset[str], str]] = {}
        if prompts:
            for prompt_id, model, text, pk in Response.objects.filter(
                prompt__campaign=campaign, prompt__external_id__in=prompts
            ).values_list("prompt__external_id", "contender__name", "text", "id"):
                responses[(prompt_id, model)] = (text, pk)
            for prompt_id, model_a, model_b, gold in Comparison.objects.filter(
                campaign=campaign, prompt__external_id__in=prompts
            ).values_list(
                "prompt__external_id",
                "response_a__contender__name",
                "response_b__contender__name",
                "gold_side",
            ):
                pairs.setdefault(prompt_id, {})[frozenset((model_a, model_b))] = gold
        return cls(prompts, responses, pairs)

    def conflicts(self, record: ItemRecord) -> list[str]:
        if not self.prompts:
            return []  # responses and pairs are only ever loaded for stored prompts
        problems: list[str] = []
        stored_prompt = self.prompts.get(record.prompt_id)
        if stored_prompt is not None and stored_prompt[0] != record.prompt:
            problems.append(
                f"id {record.prompt_id!r} already exists in this campaign with a different "
                "prompt text"
            )
        for model, text in record.responses.items():
            stored_response = self.responses.get((record.prompt_id, model))
            if stored_response is not None and stored_response[0] != text:
                problems.append(
                    f"response of {model!r} to {record.prompt_id!r} differs from the one "
                    "already stored"
                )
        if record.explicit_pair:
            stored_gold = self.pairs.get(record.prompt_id, {}).get(frozenset(record.explicit_pair))
            if stored_gold is not None and stored_gold != record.gold:
                problems.append(
                    f"comparison {record.prompt_id!r} {record.explicit_pair[0]} vs "
                    f"{record.explicit_pair[1]} is already stored with gold "
                    f"{stored_gold or 'none'!r}"
                )
        return problems
