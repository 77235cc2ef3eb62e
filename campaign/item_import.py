"""The item import service: prompts, responses and comparisons from a file, all or nothing.

Two passes over the file under one transaction that holds the campaign: the first validates
every row (format, consistency within the file, conflicts with what is stored) and counts what
would change; only when it finds no error does the second pass write, batch by batch. Both
passes share one planner, so a dry run reports exactly what the real import would create.
Memory stays flat in the file size except for one small digest per prompt id (duplicate and
consistency checks across lines).
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import connection, models, transaction

from campaign.item_files import detect_format, read_rows
from campaign.item_validation import ItemRecord, validate_item
from campaign.models import Campaign, Comparison, Contender, Prompt, Response

BATCH_SIZE = 5000

ProgressCallback = Callable[[str, int], None]


@dataclass(frozen=True)
class ImportProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    lines: int = 0
    prompts_created: int = 0
    lines_unchanged: int = 0
    responses_created: int = 0
    comparisons_created: int = 0
    gold_created: int = 0
    contenders_created: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    errors_not_listed: int = 0
    dry_run: bool = False
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({problem.line for problem in self.errors})

    def add_error(self, line: int, message: str) -> None:
        if len(self.errors) < settings.IMPORT_MAX_ERRORS:
            self.errors.append(ImportProblem(line, message))
        else:
            self.errors_not_listed += 1

    def summary(self) -> str:
        if not self.ok:
            more = f" (and {self.errors_not_listed} more)" if self.errors_not_listed else ""
            return (
                f"{self.bad_lines} bad lines, {len(self.errors)} problems{more}; "
                "nothing was imported."
            )
        verb = "would create" if self.dry_run else "created"
        return (
            f"{self.lines} lines: {verb} {self.prompts_created} prompts, "
            f"{self.responses_created} responses, {self.comparisons_created} comparisons "
            f"({self.gold_created} gold), {self.contenders_created} contenders; "
            f"{self.lines_unchanged} lines were already imported."
        )


@dataclass
class _BatchPlan:
    prompts: list[ItemRecord] = field(default_factory=list)
    responses: list[tuple[str, str, str]] = field(default_factory=list)  # prompt id, model, text
    comparisons: list[tuple[str, str, str, str]] = field(default_factory=list)  # + gold side
    contenders: set[str] = field(default_factory=set)


def import_items(
    campaign: Campaign,
    source: Path | IO[bytes],
    *,
    file_format: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Validate the whole file, then (unless ``dry_run`` or any error) write it atomically."""
    name = source.name if isinstance(source, Path) else getattr(source, "name", "") or ""
    file_format = detect_format(name, file_format)
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        # NO KEY UPDATE serialises imports into one campaign without blocking the inserts
        # (assignments, judgments) that only need the campaign row to exist.
        Campaign.objects.select_for_update(no_key=True).filter(pk=campaign.pk).first()
        planner = _Planner(campaign)
        for batch in _record_batches(source, file_format, report, progress, "validating"):
            planner.plan(batch, report, count=True)
        report.errors.sort(key=lambda problem: problem.line)
        if not report.ok or dry_run:
            return report
        planner = _Planner(campaign)
        writer = _Writer(campaign)
        for batch in _record_batches(source, file_format, None, progress, "writing"):
            writer.write(planner.plan(batch, None, count=False))
        report.written = True
    return report


def _record_batches(
    source: Path | IO[bytes],
    file_format: str,
    report: ImportReport | None,
    progress: ProgressCallback | None,
    phase: str,
) -> Iterator[list[ItemRecord]]:
    max_chars = settings.IMPORT_MAX_TEXT_CHARS
    batch: list[ItemRecord] = []
    done = 0
    for row in read_rows(source, file_format):
        done += 1
        if report is not None:
            report.lines += 1
        if row.error is not None or row.data is None:
            if report is not None:
                report.add_error(row.line, row.error or "unreadable row")
            continue
        result = validate_item(row.line, row.data, max_chars=max_chars)
        if isinstance(result, list):
            if report is not None:
                for message in result:
                    report.add_error(row.line, message)
            continue
        batch.append(result)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
            if progress:
                progress(phase, done)
    if batch:
        yield batch
    if progress:
        progress(phase, done)
    if report is not None and report.lines == 0:
        report.add_error(0, "the file holds no rows")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


class _Planner:
    """Decides, batch by batch, what is new, what is already there and what conflicts.

    "Already there" means stored in the campaign or planned by an earlier line of this file,
    so planning gives the same answer whether or not earlier batches were written.
    """

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.known_contenders = set(campaign.contenders.values_list("name", flat=True))
        # prompt id -> (form, first line, prompt text digest); form is "multi" or "explicit".
        self.seen_prompts: dict[str, tuple[str, int, bytes]] = {}
        # Explicit-form lines only: (prompt id, model) -> text digest, and pairs already given.
        self.seen_responses: dict[tuple[str, str], bytes] = {}
        self.seen_pairs: dict[tuple[str, frozenset[str]], int] = {}
        self.pair_usage: Counter[frozenset[str]] = Counter(self._stored_pair_usage())

    def _stored_pair_usage(self) -> Iterator[frozenset[str]]:
        pairs = Comparison.objects.filter(campaign=self.campaign).values_list(
            "response_a__contender__name", "response_b__contender__name"
        )
        for model_a, model_b in pairs.iterator(chunk_size=10_000):
            yield frozenset((model_a, model_b))

    def plan(
        self, batch: list[ItemRecord], report: ImportReport | None, *, count: bool
    ) -> _BatchPlan:
        stored = _StoredState.load(self.campaign, {record.prompt_id for record in batch})
        plan = _BatchPlan()
        for record in batch:
            problems = self._check_file_consistency(record) or stored.conflicts(record)
            if problems:
                if report is not None:
                    for message in problems:
                        report.add_error(record.line, message)
                continue
            self._plan_record(record, stored, plan, report if count else None)
        return plan

    def _check_file_consistency(self, record: ItemRecord) -> list[str]:
        problems: list[str] = []
        form = "explicit" if record.explicit_pair else "multi"
        digest = _digest(record.prompt)
        earlier = self.seen_prompts.get(record.prompt_id)
        if earlier is not None:
            earlier_form, earlier_line, earlier_digest = earlier
            if form == "multi" or earlier_form == "multi":
                return [f"duplicate id {record.prompt_id!r} (first on line {earlier_line})"]
            if earlier_digest != digest:
                problems.append(
                    f"id {record.prompt_id!r} has a different prompt text than on line "
                    f"{earlier_line}"
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
                if known is not None and known != _digest(text):
                    problems.append(
                        f"response of {model!r} to {record.prompt_id!r} differs from an "
                        "earlier line"
                    )
        if not problems:
            self.seen_prompts.setdefault(record.prompt_id, (form, record.line, digest))
            if record.explicit_pair:
                self.seen_pairs[(record.prompt_id, frozenset(record.explicit_pair))] = record.line
                for model, text in record.responses.items():
                    self.seen_responses[(record.prompt_id, model)] = _digest(text)
        return problems

    def _plan_record(
        self,
        record: ItemRecord,
        stored: _StoredState,
        plan: _BatchPlan,
        report: ImportReport | None,
    ) -> None:
        planned_before = (len(plan.prompts), len(plan.responses), len(plan.comparisons))
        if record.prompt_id not in stored.prompts:
            stored.prompts[record.prompt_id] = record.prompt
            plan.prompts.append(record)
            if report is not None:
                report.prompts_created += 1
        for model, text in record.responses.items():
            if (record.prompt_id, model) not in stored.responses:
                stored.responses[(record.prompt_id, model)] = text
                plan.responses.append((record.prompt_id, model, text))
                if report is not None:
                    report.responses_created += 1
            if model not in self.known_contenders:
                self.known_contenders.add(model)
                plan.contenders.add(model)
                if report is not None:
                    report.contenders_created += 1
        for model_a, model_b, gold in self._new_comparisons(record, stored):
            stored.pairs.setdefault(record.prompt_id, {})[frozenset((model_a, model_b))] = gold
            self.pair_usage[frozenset((model_a, model_b))] += 1
            plan.comparisons.append((record.prompt_id, model_a, model_b, gold))
            if report is not None:
                report.comparisons_created += 1
                report.gold_created += bool(gold)
        planned_after = (len(plan.prompts), len(plan.responses), len(plan.comparisons))
        if report is not None and planned_after == planned_before:
            report.lines_unchanged += 1

    def _new_comparisons(
        self, record: ItemRecord, stored: _StoredState
    ) -> list[tuple[str, str, str]]:
        existing = stored.pairs.get(record.prompt_id, {})
        if record.explicit_pair:
            if frozenset(record.explicit_pair) in existing:
                return []
            return [(*record.explicit_pair, record.gold)]
        candidates = [
            pair
            for pair in itertools.combinations(sorted(record.responses), 2)
            if frozenset(pair) not in existing
        ]
        budget = self.campaign.pairs_per_prompt
        if budget is None:
            return [(a, b, "") for a, b in candidates]
        room = max(budget - len(existing), 0)
        # Least-used contender pairs first, so sampled comparisons spread evenly over pairs;
        # the digest tie-break is deterministic, which keeps dry runs and re-imports identical.
        candidates.sort(
            key=lambda pair: (
                self.pair_usage[frozenset(pair)],
                _digest(record.prompt_id + pair[0] + pair[1]),
            )
        )
        return [(a, b, "") for a, b in candidates[:room]]


@dataclass
class _StoredState:
    """What the campaign already holds for the prompt ids of one batch."""

    prompts: dict[str, str]
    responses: dict[tuple[str, str], str]
    pairs: dict[str, dict[frozenset[str], str]]

    @classmethod
    def load(cls, campaign: Campaign, prompt_ids: set[str]) -> _StoredState:
        prompts = dict(
            Prompt.objects.filter(campaign=campaign, external_id__in=prompt_ids).values_list(
                "external_id", "text"
            )
        )
        responses: dict[tuple[str, str], str] = {}
        pairs: dict[str, dict[frozenset[str], str]] = {}
        if prompts:
            for prompt_id, model, text in Response.objects.filter(
                prompt__campaign=campaign, prompt__external_id__in=prompts
            ).values_list("prompt__external_id", "contender__name", "text"):
                responses[(prompt_id, model)] = text
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
        problems: list[str] = []
        stored_text = self.prompts.get(record.prompt_id)
        if stored_text is not None and stored_text != record.prompt:
            problems.append(
                f"id {record.prompt_id!r} already exists in this campaign with a different "
                "prompt text"
            )
        for model, text in record.responses.items():
            stored_response = self.responses.get((record.prompt_id, model))
            if stored_response is not None and stored_response != text:
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


class _Writer:
    """Turns planned names into rows with bulk inserts (a few statements per batch)."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.contender_ids = dict(campaign.contenders.values_list("name", "id"))

    def write(self, plan: _BatchPlan) -> None:
        if plan.contenders:
            Contender.objects.bulk_create(
                [Contender(campaign=self.campaign, name=name) for name in sorted(plan.contenders)]
            )
            self.contender_ids = dict(self.campaign.contenders.values_list("name", "id"))
        new_prompt_ids = _insert_rows(
            Prompt,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "external_id": record.prompt_id,
                    "text": record.prompt,
                    "category": record.category,
                    "metadata": record.metadata,
                }
                for record in plan.prompts
            ],
        )
        prompt_ids = {
            record.prompt_id: pk for record, pk in zip(plan.prompts, new_prompt_ids, strict=True)
        }
        needed = {prompt_id for prompt_id, _model, _text in plan.responses}
        needed |= {comparison[0] for comparison in plan.comparisons}
        if needed - prompt_ids.keys():
            prompt_ids |= dict(
                Prompt.objects.filter(
                    campaign=self.campaign, external_id__in=needed - prompt_ids.keys()
                ).values_list("external_id", "id")
            )
        response_rows = [
            {
                "prompt_id": prompt_ids[prompt_id],
                "contender_id": self.contender_ids[model],
                "text": text,
            }
            for prompt_id, model, text in plan.responses
        ]
        new_response_ids = _insert_rows(Response, response_rows)
        response_ids = {
            (row["prompt_id"], row["contender_id"]): pk
            for row, pk in zip(response_rows, new_response_ids, strict=True)
        }
        wanted = {
            (prompt_ids[prompt_id], self.contender_ids[model])
            for prompt_id, a, b, _gold in plan.comparisons
            for model in (a, b)
        }
        unresolved_prompts = {prompt for prompt, _contender in wanted - response_ids.keys()}
        if unresolved_prompts:
            response_ids |= {
                (prompt_id, contender_id): pk
                for pk, prompt_id, contender_id in Response.objects.filter(
                    prompt_id__in=unresolved_prompts
                ).values_list("id", "prompt_id", "contender_id")
            }
        _insert_rows(
            Comparison,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "prompt_id": prompt_ids[prompt_id],
                    "response_a_id": response_ids[(prompt_ids[prompt_id], self.contender_ids[a])],
                    "response_b_id": response_ids[(prompt_ids[prompt_id], self.contender_ids[b])],
                    "gold_side": gold,
                }
                for prompt_id, a, b, gold in plan.comparisons
            ],
        )


def _insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows given by attribute name; return their new primary keys in order.

    On PostgreSQL this is COPY with ids drawn from the table's sequence first: several times
    faster than bulk_create, whose per-object model and SQL building dominated imports. Fields
    a row leaves out get their model default, so new columns with defaults keep working.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create([model(**row) for row in rows])
        return [instance.pk for instance in created]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    table = model._meta.db_table
    columns = ", ".join(["id", *(connection.ops.quote_name(field.column) for field in fields)])
    specs = [(field, isinstance(field, models.JSONField), field.has_default()) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [pk]
                for field, is_json, has_default in specs:
                    if field.attname in row:
                        value = row[field.attname]
                    else:
                        value = field.get_default() if has_default else None
                    values.append(field.get_db_prep_save(value, connection) if is_json else value)
                copy.write_row(values)
    return ids
