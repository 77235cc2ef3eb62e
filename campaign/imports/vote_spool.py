"""Writing the vote import on PostgreSQL: each batch COPYed while the next one is checked.

The validation pass (campaign.imports.vote_planning with ``IdBlocks``) gives every prompt,
response and comparison the votes name its primary key, so a batch's new rows are COPY data as
soon as it is planned, and a thread stores them while the next batch is checked
(campaign.imports.copy_behind): the import takes about the longer of its Python and its
PostgreSQL backend, not their sum, and holds one batch or two, whatever the file's size. A
bad line found later rolls back what was stored (campaign.imports.pipeline). Three things a
batch's rows need are only settled by the whole file, and are handled thus:

- the imported annotators' accounts: created (accounts.creation, through enrolment) with the
  batch that first names them, before its judgments are stored;
- default timestamps end at the import's start, one microsecond a line (votes.py): they need
  the file's number of rows, counted once ahead (campaign.imports.files.count_rows) by the
  first batch holding a vote without its own;
- ``Comparison.load``: a new comparison is stored with the votes its batch gives it; what
  later batches add, as what the file adds to comparisons stored before it, each batch adds
  after its judgments, one UPDATE per count.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection

from campaign.imports.copy_behind import CopyBehind
from campaign.imports.vote_planning import BatchPlan, Planner, imported_username
from campaign.imports.writing import (
    CopyTable,
    IdBlocks,
    copy_text,
    ids_by_load,
    set_keys_checked,
)
from campaign.models import (
    Campaign,
    Comparison,
    Contender,
    Judgment,
    Prompt,
    Response,
    gold_fields,
    random_shuffle_keys,
)
from campaign.participants.enrolment import enroll_new_accounts

# Booleans and NULL in COPY text format.
_BOOLEAN = {True: "t", False: "f", None: "\\N"}
_TABLES = (Contender, Prompt, Response, Comparison, Judgment)


class VoteSpool:
    """One batch's planned rows of the five tables as COPY data, handed to a CopyBehind."""

    def __init__(
        self,
        campaign: Campaign,
        ids: IdBlocks,
        *,
        default_start: Callable[[], datetime.datetime],
    ) -> None:
        self.campaign = campaign
        self.ids = ids
        self.default_start = default_start  # called once, when a vote first needs it
        self.default_times: _DefaultTimes | None = None
        self.contender_pks: dict[str, int] = dict(campaign.contenders.values_list("name", "id"))
        self.contenders = CopyTable(Contender, ("campaign_id", "name"))
        self.prompts = CopyTable(Prompt, ("campaign_id", "external_id", "text"))
        self.responses = CopyTable(Response, ("prompt_id", "campaign_id", "contender_id", "text"))
        # The shuffle keys are given, drawn for the whole batch at once (as the item import).
        compared = ("campaign_id", "prompt_id", "response_a_id", "response_b_id", "load", "shuffle")
        self.comparisons = CopyTable(Comparison, compared)
        judged = ("annotator_id", "created_at", "campaign_id", "comparison_id", "verdict")
        self.judgments = CopyTable(Judgment, (*judged, "is_gold", "correct"), with_id=False)
        self.user_ids: dict[str, int] = {}  # annotator name -> user id
        self.judged: Counter[str] = Counter()  # annotator name -> votes stored
        # (verdict, gold side) -> the verdict, is_gold and correct cells of a judgment's row.
        self.flags: dict[tuple[int, str], str] = {}
        # Django's foreign keys wait for the commit (a contender's campaign). Checked as each
        # batch is stored instead, they run while Python checks the next batch. A judgment's
        # keys are checked once per COPY by the triggers of migration 0017.
        set_keys_checked(_TABLES, immediate=True)
        self.copying = CopyBehind()

    def add(self, plan: BatchPlan, planner: Planner) -> None:
        """Turn one planned batch into rows and queue them; its accounts are created now."""
        campaign = self.campaign.pk
        new = sorted(plan.contenders)
        for name, pk in zip(new, self.ids.draw(Contender, len(new)), strict=True):
            self.contender_pks[name] = pk
        contender_rows = self.contenders.encode(
            f"{self.contender_pks[name]}\t{campaign}\t{copy_text(name)}" for name in new
        )
        self._create_annotators(plan.annotators)
        self.user_ids |= plan.annotator_ids
        self.judged.update(vote.annotator for vote in plan.votes)
        prompts = planner.prompt_texts
        prompt_rows = self.prompts.encode(
            f"{prompts[prompt_id][2]}\t{campaign}\t{copy_text(prompt_id)}\t{copy_text(text)}"
            for prompt_id, text in plan.prompts.items()
        )
        responses = planner.response_texts
        contenders = self.contender_pks
        response_rows = self.responses.encode(
            f"{responses[key][2]}\t{prompts[key[0]][2]}\t{campaign}\t{contenders[key[1]]}\t"
            f"{copy_text(text)}"
            for key, text in plan.responses.items()
        )
        comparison_rows = self.comparisons.encode(
            f"{comparison.pk}\t{campaign}\t{prompts[prompt_id][2]}\t"
            f"{responses[(prompt_id, a)][2]}\t{responses[(prompt_id, b)][2]}\t"
            f"{comparison.regular_votes}\t{shuffle}"
            for (prompt_id, a, b, comparison), shuffle in zip(
                plan.comparisons, random_shuffle_keys(len(plan.comparisons)), strict=True
            )
        )
        for *_names, comparison in plan.comparisons:
            # Stored with the votes counted so far: later batches add theirs (_load).
            comparison.stored, comparison.regular_votes = True, 0
        # The rows the judgments refer to go first, so the backend stores them while Python
        # renders the judgments (and, on the first batch, counts the file's rows).
        self.copying.put(
            [
                (self.contenders.statement, contender_rows),
                (self.prompts.statement, prompt_rows),
                (self.responses.statement, response_rows),
                (self.comparisons.statement, comparison_rows),
            ]
        )
        judgments: tuple[str, bytes | list[Any]] = (
            self.judgments.statement,
            self.judgments.encode(self._judgments(plan)),
        )
        self.copying.put([judgments, *_load(plan)])

    def _judgments(self, plan: BatchPlan) -> list[str]:
        campaign, user_ids, flags = self.campaign.pk, self.user_ids, self.flags
        default_times = self.default_times
        lines = []
        for vote in plan.votes:
            cells = flags.get((vote.verdict, vote.gold_side))
            if cells is None:
                # gold_fields decides; there are only 5 verdicts times 3 gold sides to ask about.
                is_gold, correct = gold_fields(verdict=vote.verdict, gold_side=vote.gold_side)
                cells = flags[(vote.verdict, vote.gold_side)] = (
                    f"{vote.verdict}\t{_BOOLEAN[is_gold]}\t{_BOOLEAN[correct]}"
                )
            when: object = vote.created_at
            if when is None:
                if default_times is None:
                    default_times = self.default_times = _DefaultTimes(self.default_start())
                when = default_times.text(vote.line)
            lines.append(
                f"{user_ids[vote.annotator]}\t{when}\t{campaign}\t{vote.comparison_pk}\t{cells}"
            )
        return lines

    def _create_annotators(self, names: list[str]) -> None:
        self.user_ids |= imported_accounts(self.campaign, names)

    def finish(self) -> dict[int, int]:
        """Wait for the batches queued to be stored; the votes stored, by user id."""
        self.copying.finish()
        set_keys_checked(_TABLES, immediate=False)
        return {self.user_ids[name]: count for name, count in self.judged.items()}

    def close(self) -> None:
        # finish() re-raises the COPY thread's error: the id connection must close anyway.
        try:
            self.copying.finish()
        finally:
            self.ids.close()


class _DefaultTimes:
    """``start`` plus a line's microseconds, as COPY text: the second's text is made once, the
    microseconds appended (str() of a datetime cost ~5x the rest of a judgment's line)."""

    def __init__(self, start: datetime.datetime) -> None:
        start = start.astimezone(datetime.UTC)
        self.microsecond = start.microsecond
        self.second = start.replace(microsecond=0)
        self.seconds: dict[int, str] = {}

    def text(self, line: int) -> str:
        seconds, microsecond = divmod(self.microsecond + line, 1_000_000)
        second = self.seconds.get(seconds)
        if second is None:
            moment = self.second + datetime.timedelta(seconds=seconds)
            second = self.seconds[seconds] = f"{moment:%Y-%m-%d %H:%M:%S}"
        return f"{second}.{microsecond:06d}+00:00"


def _load(plan: BatchPlan) -> list[tuple[str, list[Any]]]:
    """UPDATEs adding the batch's votes to the loads of comparisons stored before it, one per
    count; those comparisons' votes are then all counted."""
    by_count = ids_by_load((c.pk or 0, c.regular_votes) for c in plan.loaded)
    for comparison in plan.loaded:
        comparison.regular_votes = 0
    table = connection.ops.quote_name(Comparison._meta.db_table)
    statement = f"UPDATE {table} SET load = load + %s WHERE id = ANY(%s)"  # noqa: S608
    return [(statement, [count, ids]) for count, ids in by_count.items()]


def imported_accounts(campaign: Campaign, names: list[str]) -> dict[str, int]:
    """Accounts (enrolled, marked imported) for the file's annotator ``names``: name → user
    id. Both vote writers (this COPY one, and the ORM one of campaign.imports.votes) use it."""
    if not names:
        return {}
    users = enroll_new_accounts(
        campaign=campaign,
        usernames=[imported_username(campaign, name) for name in names],
        imported=True,
    )
    return {name: user.pk for name, user in zip(names, users, strict=True)}
