"""The vote import: judgments collected elsewhere, one row per vote, in file order, all or nothing.

PRODUCT.md "Import format", last paragraph. Each row names an ``annotator``, a ``prompt`` id,
``model_a``, ``model_b`` and a ``winner``, optionally ``created_at`` and the texts
``prompt_text``, ``response_a``, ``response_b``. Rules chosen here:

* ``winner`` ``a`` → -1, ``tie`` → 0, ``b`` → +1 (case-insensitive); an integer -2…+2 (or its
  string, as CSV gives it) is taken as is. Verdicts are stored relative to the comparison's own
  a/b: when the file names a stored comparison with its sides swapped, the verdict is negated.
* Order: ids follow file order; ``created_at`` is the file's (ISO 8601, naive means UTC) or, when
  absent, the import's start time plus the line number in microseconds. Without file timestamps
  (or with non-decreasing ones), ordering by (created_at, id) reproduces the file (online Elo).
* Annotators become login-less accounts per campaign, username ``imported+<slug>+<annotator>``,
  ``is_imported``, an unusable password and a generated handle, enrolled in the campaign.
* The first line naming a missing prompt, response or comparison creates it (texts empty when
  the line gives none; the comparison takes that line's a/b order). A text given later must
  equal the one stored or created, and one annotator judges one comparison at most once.

Like the item import: one pass validates the whole file (nothing written), a second pass writes
it batch by batch with bulk inserts, both under one transaction holding the campaign. Memory
grows with one small entry per prompt, response, comparison and vote, never with the texts.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User, unused_handles
from campaign.annotate.judging import is_correct
from campaign.events import judgments_recorded
from campaign.imports.files import source_format, validated_batches
from campaign.imports.items import ImportReport, ProgressCallback
from campaign.imports.validation import digest, required_text
from campaign.models import Campaign, Comparison, Contender, Enrollment, Judgment, Prompt, Response
from campaign.participants.progress import refresh_progress_counters
from campaign.services import lock_campaign_for_import

BATCH_SIZE = 5000
REQUIRED_KEYS = ("annotator", "prompt", "model_a", "model_b", "winner")
TEXT_KEYS = ("prompt_text", "response_a", "response_b")
ALLOWED_KEYS = frozenset({*REQUIRED_KEYS, *TEXT_KEYS, "created_at"})
WINNER_WORDS = {"a": -1, "tie": 0, "b": 1}
MAX_ANNOTATOR_CHARS = 64  # keeps "imported+<64-char slug>+<name>" within a 150-char username
MAX_NAME_CHARS = 200
USERNAME_PREFIX = "imported"


@dataclass
class JudgmentImportReport(ImportReport):
    """The item import's report (lines, errors, created rows) plus votes and annotators."""

    judgments_created: int = 0
    annotators_created: int = 0

    def summary(self) -> str:
        if not self.ok:
            return super().summary()
        verb = "would create" if self.dry_run else "created"
        return (
            f"{self.lines} lines: {verb} {self.judgments_created} judgments by "
            f"{self.annotators_created} new imported annotators, {self.prompts_created} prompts, "
            f"{self.responses_created} responses, {self.comparisons_created} comparisons, "
            f"{self.contenders_created} contenders."
        )


@dataclass(frozen=True)
class VoteRecord:
    line: int
    annotator: str
    prompt_id: str
    model_a: str
    model_b: str
    verdict: int  # relative to this row's model_a / model_b
    created_at: datetime.datetime | None
    prompt_text: str | None
    response_a: str | None
    response_b: str | None


def imported_username(campaign: Campaign, annotator: str) -> str:
    return f"{USERNAME_PREFIX}+{campaign.slug}+{annotator}"


def import_judgments(
    campaign: Campaign,
    source: Path | IO[bytes],
    *,
    file_format: str | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> JudgmentImportReport:
    """Validate every vote in the file, then (unless ``dry_run`` or any error) write them all."""
    file_format = source_format(source, file_format)
    report = JudgmentImportReport(dry_run=dry_run)
    with transaction.atomic():
        lock_campaign_for_import(campaign)
        planner = _Planner(campaign, timezone.now())
        for batch in validated_batches(
            source, file_format, validate_vote, BATCH_SIZE, report, progress, "validating"
        ):
            planner.plan(batch, report)
        report.errors.sort(key=lambda problem: problem.line)
        if not report.ok or dry_run:
            return report
        # Default timestamps end at the start of the import, one microsecond a line.
        planner = _Planner(campaign, planner.start - datetime.timedelta(microseconds=report.lines))
        writer = _Writer(campaign)
        for batch in validated_batches(
            source, file_format, validate_vote, BATCH_SIZE, None, progress, "writing"
        ):
            check = JudgmentImportReport()
            plan = planner.plan(batch, check)
            if not check.ok:  # the campaign is locked, so only a bug can get here
                raise RuntimeError(f"vote import changed under its feet: {check.errors[:3]}")
            writer.write(plan)
        # Imported votes bypass the annotate services that keep the counters.
        refresh_progress_counters(campaign=campaign, user_ids=set(writer.annotator_ids.values()))
        report.written = True
        # Scored after the commit, like judgments made here (debounced with them).
        campaign_id = campaign.pk
        transaction.on_commit(lambda: judgments_recorded(campaign_id))
    return report


def validate_vote(line: int, data: dict[str, Any], *, max_chars: int) -> VoteRecord | list[str]:
    """The row as a VoteRecord, or every reason it is bad (no database)."""
    errors: list[str] = []
    unknown = sorted(set(data) - ALLOWED_KEYS)
    if unknown:
        errors.append("unknown key " + ", ".join(repr(key) for key in unknown))
    annotator = required_text(
        data, "annotator", errors, max_chars=MAX_ANNOTATOR_CHARS, allow_int=True
    )
    prompt_id = required_text(data, "prompt", errors, max_chars=MAX_NAME_CHARS, allow_int=True)
    model_a = required_text(data, "model_a", errors, max_chars=MAX_NAME_CHARS)
    model_b = required_text(data, "model_b", errors, max_chars=MAX_NAME_CHARS)
    if model_a and model_a == model_b:
        errors.append(f"same model on both sides ({model_a!r})")
    verdict = _parse_winner(data["winner"]) if "winner" in data else None
    if "winner" not in data:
        errors.append("missing field 'winner'")
    elif verdict is None:
        errors.append(f"winner must be 'a', 'b', 'tie' or an integer -2…2, got {data['winner']!r}")
    created_at = _parse_created_at(data["created_at"], errors) if "created_at" in data else None
    texts = {
        key: required_text(data, key, errors, max_chars=max_chars) if key in data else None
        for key in TEXT_KEYS
    }
    if errors or verdict is None:
        return errors
    return VoteRecord(line, annotator, prompt_id, model_a, model_b, verdict, created_at, **texts)


def _parse_winner(value: Any) -> int | None:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in WINNER_WORDS:
            return WINNER_WORDS[word]
        try:
            value = int(word)
        except ValueError:
            return None
    if isinstance(value, int) and not isinstance(value, bool) and -2 <= value <= 2:
        return value
    return None


def _parse_created_at(value: Any, errors: list[str]) -> datetime.datetime | None:
    moment = value if isinstance(value, datetime.datetime) else None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.datetime.fromisoformat(value.strip())
    if moment is None:
        errors.append(f"created_at must be an ISO 8601 date and time, got {value!r}")
        return None
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=datetime.UTC)


@dataclass
class _Vote:
    annotator: str
    prompt_id: str
    model_a: str  # the comparison's own a/b
    model_b: str
    verdict: int  # canonical
    gold_side: str
    created_at: datetime.datetime


@dataclass
class _BatchPlan:
    annotators: list[str] = field(default_factory=list)  # new ones only
    annotator_ids: dict[str, int] = field(default_factory=dict)  # stored ones the votes name
    contenders: set[str] = field(default_factory=set)
    prompts: dict[str, str] = field(default_factory=dict)  # prompt id -> text
    responses: dict[tuple[str, str], str] = field(default_factory=dict)  # (prompt id, model)
    comparisons: list[tuple[str, str, str]] = field(default_factory=list)  # prompt id, a, b
    votes: list[_Vote] = field(default_factory=list)


class _Planner:
    """Checks each vote against the campaign and earlier lines, and plans what to create.

    Whatever an earlier line created counts as existing, so planning gives the same answer
    before (validation) and after (writing) earlier batches are stored.
    """

    def __init__(self, campaign: Campaign, start: datetime.datetime) -> None:
        self.campaign = campaign
        self.start = start
        self.contenders = set(campaign.contenders.values_list("name", flat=True))
        self.annotators: dict[str, int | None] = {}  # name -> user id (None: new)
        self.new_names: set[str] = set()  # new annotators already planned
        # Texts of prompts and responses as stored or created by this file: (first line, digest).
        # Line 0 means stored; a None digest, created by a line that gave no text (so empty).
        self.prompt_texts: dict[str, tuple[int, bytes | None]] = {}
        self.response_texts: dict[tuple[str, str], tuple[int, bytes | None]] = {}
        # (prompt id, unordered pair) -> (model a, gold side) of the comparison.
        self.comparisons: dict[tuple[str, frozenset[str]], tuple[str, str]] = {}
        self.votes: dict[bytes, int] = {}  # digest of (annotator, prompt, pair) -> line

    def plan(self, batch: list[VoteRecord], report: JudgmentImportReport) -> _BatchPlan:
        self._load_annotators({record.annotator for record in batch}, batch, report)
        stored_votes = self._load_stored({record.prompt_id for record in batch})
        plan = _BatchPlan()
        for record in batch:
            if record.annotator not in self.annotators:
                continue  # its name is taken by a real account: reported once, on first use
            problems = self._conflicts(record, stored_votes)
            if problems:
                for message in problems:
                    report.add_error(record.line, message)
                continue
            self._plan_vote(record, plan, report)
        return plan

    def _load_annotators(
        self, names: set[str], batch: list[VoteRecord], report: ImportReport
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
        prompts = Prompt.objects.filter(campaign=self.campaign, external_id__in=prompt_ids)
        for prompt_id, text in prompts.values_list("external_id", "text"):
            self.prompt_texts.setdefault(prompt_id, (0, digest(text)))
        responses = Response.objects.filter(
            prompt__campaign=self.campaign, prompt__external_id__in=prompt_ids
        ).values_list("prompt__external_id", "contender__name", "text")
        for prompt_id, model, text in responses:
            self.response_texts.setdefault((prompt_id, model), (0, digest(text)))
        comparisons = Comparison.objects.filter(
            campaign=self.campaign, prompt__external_id__in=prompt_ids
        ).values_list(
            "prompt__external_id",
            "response_a__contender__name",
            "response_b__contender__name",
            "gold_side",
        )
        for prompt_id, model_a, model_b, gold in comparisons:
            self.comparisons.setdefault((prompt_id, frozenset((model_a, model_b))), (model_a, gold))
        names = {pk: name for name, pk in self.annotators.items() if pk is not None}
        votes = Judgment.objects.filter(
            campaign=self.campaign,
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
        self, record: VoteRecord, stored_votes: set[tuple[str, str, frozenset[str]]]
    ) -> list[str]:
        problems: list[str] = []
        pair = frozenset((record.model_a, record.model_b))
        if (record.annotator, record.prompt_id, pair) in stored_votes:
            problems.append(
                f"{record.annotator!r} already judged {record.prompt_id!r} "
                f"{record.model_a} vs {record.model_b} (stored)"
            )
        earlier = self.votes.get(digest(record.annotator, record.prompt_id, *sorted(pair)))
        if earlier is not None:
            problems.append(
                f"{record.annotator!r} judges {record.prompt_id!r} {record.model_a} vs "
                f"{record.model_b} twice (first on line {earlier})"
            )
        texts = [
            (
                f"prompt {record.prompt_id!r}",
                self.prompt_texts.get(record.prompt_id),
                record.prompt_text,
            )
        ]
        for model, text in (
            (record.model_a, record.response_a),
            (record.model_b, record.response_b),
        ):
            known = self.response_texts.get((record.prompt_id, model))
            texts.append((f"response of {model!r} to {record.prompt_id!r}", known, text))
        for what, known, text in texts:
            problem = _text_problem(what, known, text)
            if problem:
                problems.append(problem)
        return problems

    def _plan_vote(
        self, record: VoteRecord, plan: _BatchPlan, report: JudgmentImportReport
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
            self.prompt_texts[record.prompt_id] = (record.line, text and digest(text))
            plan.prompts[record.prompt_id] = text or ""
            report.prompts_created += 1
        for model, text in (
            (record.model_a, record.response_a),
            (record.model_b, record.response_b),
        ):
            if model not in self.contenders:
                self.contenders.add(model)
                plan.contenders.add(model)
                report.contenders_created += 1
            if (record.prompt_id, model) not in self.response_texts:
                self.response_texts[(record.prompt_id, model)] = (
                    record.line,
                    text and digest(text),
                )
                plan.responses[(record.prompt_id, model)] = text or ""
                report.responses_created += 1
        pair = frozenset((record.model_a, record.model_b))
        if (record.prompt_id, pair) not in self.comparisons:
            self.comparisons[(record.prompt_id, pair)] = (record.model_a, "")
            plan.comparisons.append((record.prompt_id, record.model_a, record.model_b))
            report.comparisons_created += 1
        model_a, gold_side = self.comparisons[(record.prompt_id, pair)]
        swapped = model_a != record.model_a
        self.votes[digest(record.annotator, record.prompt_id, *sorted(pair))] = record.line
        plan.votes.append(
            _Vote(
                annotator=record.annotator,
                prompt_id=record.prompt_id,
                model_a=model_a,
                model_b=record.model_a if swapped else record.model_b,
                verdict=-record.verdict if swapped else record.verdict,
                gold_side=gold_side,
                created_at=record.created_at
                or self.start + datetime.timedelta(microseconds=record.line),
            )
        )
        report.judgments_created += 1


def _text_problem(what: str, known: tuple[int, bytes | None] | None, text: str | None) -> str:
    """Why a text given on this line disagrees with the stored one or an earlier line's."""
    if text is None or known is None:
        return ""
    line, known_digest = known
    if known_digest == digest(text):
        return ""
    if line == 0:
        return f"{what} has a different text than the one stored"
    if known_digest is None:
        return (
            f"{what} first appears without a text on line {line}; give its text on every "
            "line that names it, or on none"
        )
    return f"{what} has a different text than on line {line}"


class _Writer:
    """Turns a batch plan into rows: a fixed number of statements per batch, whatever its size."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.contender_ids = dict(campaign.contenders.values_list("name", "id"))
        self.annotator_ids: dict[str, int] = {}

    def write(self, plan: _BatchPlan) -> None:
        if plan.contenders:
            Contender.objects.bulk_create(
                [Contender(campaign=self.campaign, name=name) for name in sorted(plan.contenders)]
            )
            self.contender_ids = dict(self.campaign.contenders.values_list("name", "id"))
        self._create_annotators(plan.annotators)
        self.annotator_ids |= plan.annotator_ids
        prompt_ids = self._create_prompts(plan, {vote.prompt_id for vote in plan.votes})
        response_ids = self._create_responses(plan, prompt_ids)
        comparison_ids = self._create_comparisons(plan, prompt_ids, response_ids)
        rows = []
        regular: Counter[int] = Counter()
        for vote in plan.votes:
            comparison_id = comparison_ids[(vote.prompt_id, vote.model_a, vote.model_b)]
            if not vote.gold_side:
                regular[comparison_id] += 1
            rows.append(
                {
                    "campaign_id": self.campaign.pk,
                    "comparison_id": comparison_id,
                    "annotator_id": self.annotator_ids[vote.annotator],
                    "assignment_id": None,
                    "verdict": vote.verdict,
                    "left_side": "",
                    "seconds": None,
                    "rationale": "",
                    "is_gold": bool(vote.gold_side),
                    "correct": is_correct(verdict=vote.verdict, gold_side=vote.gold_side)
                    if vote.gold_side
                    else None,
                    "created_at": vote.created_at,
                }
            )
        _insert(Judgment, rows)
        # Comparison.load counts the judgments of regular comparisons
        # (campaign.annotate.assignment).
        by_count: dict[int, list[int]] = {}
        for comparison_id, count in regular.items():
            by_count.setdefault(count, []).append(comparison_id)
        for count, ids in by_count.items():
            Comparison.objects.filter(pk__in=ids).update(load=F("load") + count)

    def _create_annotators(self, names: list[str]) -> None:
        if not names:
            return
        handles = unused_handles(len(names))
        users = User.objects.bulk_create(
            [
                User(
                    username=imported_username(self.campaign, name),
                    handle=handle,
                    password=make_password(None),
                    is_imported=True,
                )
                for name, handle in zip(names, handles, strict=True)
            ]
        )
        Enrollment.objects.bulk_create(
            [Enrollment(campaign=self.campaign, user=user) for user in users]
        )
        self.annotator_ids |= {name: user.pk for name, user in zip(names, users, strict=True)}

    def _create_prompts(self, plan: _BatchPlan, needed: set[str]) -> dict[str, int]:
        _insert(
            Prompt,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "external_id": prompt_id,
                    "text": text,
                    "category": "",
                }
                for prompt_id, text in plan.prompts.items()
            ],
        )
        return dict(
            Prompt.objects.filter(campaign=self.campaign, external_id__in=needed).values_list(
                "external_id", "id"
            )
        )

    def _create_responses(
        self, plan: _BatchPlan, prompt_ids: dict[str, int]
    ) -> dict[tuple[int, int], int]:
        _insert(
            Response,
            [
                {
                    "prompt_id": prompt_ids[prompt_id],
                    "contender_id": self.contender_ids[model],
                    "text": text,
                }
                for (prompt_id, model), text in plan.responses.items()
            ],
        )
        responses = Response.objects.filter(prompt_id__in=prompt_ids.values())
        return {
            (prompt_id, contender_id): pk
            for pk, prompt_id, contender_id in responses.values_list(
                "id", "prompt_id", "contender_id"
            )
        }

    def _create_comparisons(
        self,
        plan: _BatchPlan,
        prompt_ids: dict[str, int],
        response_ids: dict[tuple[int, int], int],
    ) -> dict[tuple[str, str, str], int]:
        def response_id(prompt_id: str, model: str) -> int:
            return response_ids[(prompt_ids[prompt_id], self.contender_ids[model])]

        _insert(
            Comparison,
            [
                {
                    "campaign_id": self.campaign.pk,
                    "prompt_id": prompt_ids[prompt_id],
                    "response_a_id": response_id(prompt_id, model_a),
                    "response_b_id": response_id(prompt_id, model_b),
                    "gold_side": "",
                }
                for prompt_id, model_a, model_b in plan.comparisons
            ],
        )
        external_ids = {pk: prompt_id for prompt_id, pk in prompt_ids.items()}
        comparisons = Comparison.objects.filter(prompt_id__in=external_ids).values_list(
            "id", "prompt_id", "response_a__contender__name", "response_b__contender__name"
        )
        return {
            (external_ids[prompt_id], model_a, model_b): pk
            for pk, prompt_id, model_a, model_b in comparisons
        }


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    # One multi-row INSERT per table and batch (PostgreSQL: INSERT … SELECT FROM UNNEST).
    if rows:
        model.objects.bulk_create([model(**row) for row in rows])
