"""Writing the vote import on PostgreSQL: planned once, spooled for COPY while the file is read.

The validation pass (campaign.imports.vote_planning with ``IdBlocks``) gives every prompt,
response and comparison its primary key, so each batch's new rows go to temporary files as it
is checked (campaign.imports.writing) and the write is a stream of COPY data: no second pass,
no re-reading of what earlier batches stored, a fixed number of statements whatever the file's
size. Three things are only known once the whole file is read, and are settled at write time:

- the imported annotators' accounts: created then (accounts.creation, through enrolment), so
  a spooled judgment names its annotator by an index that the stream turns into the user id;
- default timestamps: the import's start minus the file's lines, plus the line (votes.py);
- ``Comparison.load``: a new comparison's row is spooled without it and completed from the
  planner's count; stored comparisons that got votes are updated, one statement per count.
"""

from __future__ import annotations

import datetime
import io
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import F

from campaign.imports.report import ProgressCallback
from campaign.imports.vote_planning import BatchPlan, PlannedComparison, Planner, imported_username
from campaign.imports.writing import COPY_CHUNK_BYTES, CopySpool, CopyTable, copy_text, draw_ids
from campaign.models import Campaign, Comparison, Contender, Judgment, Prompt, Response, gold_fields
from campaign.participants.enrolment import enroll_new_accounts

# Booleans and NULL in COPY text format.
_BOOLEAN = {True: "t", False: "f", None: "\\N"}


class _Judgments(CopyTable):
    """Judgment rows spooled as ``annotator index \\t time \\t the rest``, resolved as streamed.

    The time is the file's (COPY text) or ``@line`` for the default one.
    """

    def __init__(self) -> None:
        super().__init__(
            Judgment,
            given=(
                "annotator_id",
                "created_at",
                "campaign_id",
                "comparison_id",
                "verdict",
                "is_gold",
                "correct",
            ),
            with_id=False,
        )
        self.user_ids: list[int] = []
        self.start = datetime.datetime.min.replace(tzinfo=datetime.UTC)

    def stream(self) -> Iterator[bytes]:
        self.file.flush()
        self.file.seek(0)
        user_ids, start, microsecond = self.user_ids, self.start, datetime.timedelta(microseconds=1)
        lines: list[str] = []
        size = 0
        for line in self.file:
            annotator, when, rest = line.split("\t", 2)
            if when[0] == "@":
                when = str(start + int(when[1:]) * microsecond)
            lines.append(f"{user_ids[int(annotator)]}\t{when}\t{rest}")
            size += len(rest)
            if size >= COPY_CHUNK_BYTES:
                yield "".join(lines).encode()
                lines, size = [], 0
        if lines:
            yield "".join(lines).encode()


class VoteSpool(CopySpool):
    """The planned rows of the five tables, spooled batch by batch during validation."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.contender_pks: dict[str, int] = dict(campaign.contenders.values_list("name", "id"))
        self.contenders = CopyTable(Contender, ("campaign_id", "name"))
        self.prompts = CopyTable(Prompt, ("campaign_id", "external_id", "text"))
        self.responses = CopyTable(Response, ("prompt_id", "campaign_id", "contender_id", "text"))
        given = ("campaign_id", "prompt_id", "response_a_id", "response_b_id", "load")
        self.comparisons = CopyTable(Comparison, given)
        self.judgments = _Judgments()
        super().__init__(
            self.contenders, self.prompts, self.responses, self.comparisons, self.judgments
        )
        # New comparisons' rows until their load is known, in the order the planner met them.
        # Closed (and so deleted) by close().
        spool = tempfile.TemporaryFile()  # noqa: SIM115
        self.pending = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        self.annotator_index: dict[str, int] = {}
        self.annotator_names: list[str] = []
        self.annotator_pks: list[int | None] = []  # None: to be created at write time
        # (verdict, gold side) -> the verdict, is_gold and correct cells of a judgment's row.
        self.flags: dict[tuple[int, str], str] = {}

    def add(self, plan: BatchPlan, planner: Planner) -> None:
        campaign = self.campaign.pk
        new = sorted(plan.contenders)
        for name, pk in zip(new, draw_ids(Contender, len(new)), strict=True):
            self.contender_pks[name] = pk
        self.contenders.write(
            f"{self.contender_pks[name]}\t{campaign}\t{copy_text(name)}" for name in new
        )
        prompts = planner.prompt_texts
        self.prompts.write(
            f"{prompts[prompt_id][2]}\t{campaign}\t{copy_text(prompt_id)}\t{copy_text(text)}"
            for prompt_id, text in plan.prompts.items()
        )
        responses = planner.response_texts
        contenders = self.contender_pks
        self.responses.write(
            f"{responses[key][2]}\t{prompts[key[0]][2]}\t{campaign}\t{contenders[key[1]]}\t"
            f"{copy_text(text)}"
            for key, text in plan.responses.items()
        )
        self.pending.writelines(
            f"{planner.comparison(prompt_id, a, b).pk}\t{campaign}\t{prompts[prompt_id][2]}\t"
            f"{responses[(prompt_id, a)][2]}\t{responses[(prompt_id, b)][2]}\n"
            for prompt_id, a, b in plan.comparisons
        )
        for name in plan.annotators:
            self._annotator(name, None)
        for name, pk in plan.annotator_ids.items():
            self._annotator(name, pk)
        index = self.annotator_index
        lines = []
        flags = self.flags
        for vote in plan.votes:
            cells = flags.get((vote.verdict, vote.gold_side))
            if cells is None:
                # gold_fields decides; there are only 5 verdicts times 3 gold sides to ask about.
                is_gold, correct = gold_fields(verdict=vote.verdict, gold_side=vote.gold_side)
                cells = flags[(vote.verdict, vote.gold_side)] = (
                    f"{vote.verdict}\t{_BOOLEAN[is_gold]}\t{_BOOLEAN[correct]}"
                )
            when = str(vote.created_at) if vote.file_time else f"@{vote.line}"
            lines.append(
                f"{index[vote.annotator]}\t{when}\t{campaign}\t{vote.comparison_pk}\t{cells}"
            )
        self.judgments.write(lines)

    def _annotator(self, name: str, pk: int | None) -> None:
        if name not in self.annotator_index:
            self.annotator_index[name] = len(self.annotator_names)
            self.annotator_names.append(name)
            self.annotator_pks.append(pk)

    def write(
        self,
        planner: Planner,
        *,
        start: datetime.datetime,
        lines: int,
        progress: ProgressCallback | None,
    ) -> set[int]:
        """Create the annotators, complete the rows, COPY them; the annotators' user ids."""
        names, pks = self.annotator_names, self.annotator_pks
        new = [name for name, pk in zip(names, pks, strict=True) if pk is None]
        created: dict[str, int] = {}
        if new:
            users = enroll_new_accounts(
                campaign=self.campaign,
                usernames=[imported_username(self.campaign, name) for name in new],
                imported=True,
            )
            created = {name: user.pk for name, user in zip(new, users, strict=True)}
        self.judgments.user_ids = [
            pk if pk is not None else created[name]
            for name, pk in zip(self.annotator_names, self.annotator_pks, strict=True)
        ]
        self.judgments.start = start
        stored = self._complete_comparisons(planner.comparisons.values())
        self.copy(progress, lines)
        by_count: dict[int, list[int]] = {}
        for comparison in stored:
            by_count.setdefault(comparison.regular_votes, []).append(comparison.pk or 0)
        for count, ids in by_count.items():
            Comparison.objects.filter(pk__in=ids).update(load=F("load") + count)
        return set(self.judgments.user_ids)

    def _complete_comparisons(
        self, comparisons: Iterable[PlannedComparison]
    ) -> list[PlannedComparison]:
        """Spool the new comparisons with their load; the stored ones that got votes."""
        stored: list[PlannedComparison] = []
        fresh: list[PlannedComparison] = []
        for comparison in comparisons:
            if comparison.stored:
                if comparison.regular_votes:
                    stored.append(comparison)
            else:
                fresh.append(comparison)
        self.pending.flush()
        self.pending.seek(0)
        self.comparisons.write(
            f"{line[:-1]}\t{comparison.regular_votes}"
            for line, comparison in zip(self.pending, fresh, strict=True)
        )
        return stored

    def close(self) -> None:
        super().close()
        self.pending.close()
