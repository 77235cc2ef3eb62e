"""A campaign as a Hugging Face dataset folder: PRODUCT.md "Exports", dataset.

``write_dataset`` writes two configs as Parquet, ``preferences`` (the default) and
``judgments``, and a dataset card, ``README.md``, whose YAML header is what the Hub and
``datasets.load_dataset(folder)`` read: the license, the configs and their data files, the
size category. Its body says how the votes were collected and shows the latest leaderboard.
The folder uploads to the Hub as it is.

It holds every judgment with gold and correctness, so it is an organiser's export, like
the judgments file (scoring.exports.judgments).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.models import Campaign
from scoring.exports.formats import parquet_chunks
from scoring.exports.judgments import JUDGMENT_COLUMNS, judgment_rows
from scoring.exports.preferences import PREFERENCE_COLUMNS, preference_rows
from scoring.models import Snapshot
from scoring.selectors import latest_snapshot

DEFAULT_LICENSE = "other"
JUDGMENTS_FILE = "judgments/train-00000-of-00001.parquet"
PREFERENCES_FILE = "preferences/train-00000-of-00001.parquet"
# The Hub's size categories, by number of rows (its dataset card specification).
_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
)


@dataclass(frozen=True)
class DatasetSummary:
    folder: Path
    judgments: int
    preferences: int


def write_dataset(
    campaign: Campaign, *, folder: Path, license: str = DEFAULT_LICENSE
) -> DatasetSummary:
    """Write the campaign's dataset into ``folder`` (created if missing; files replaced).

    Raises scoring.exceptions.NotScoredYet before the first snapshot (the preferences need
    its trust), and OSError when the folder cannot be written.
    """
    snapshot = latest_snapshot(campaign)
    preferences = preference_rows(campaign)  # raises before anything is written
    counted = _Counter()
    _write_parquet(
        folder / PREFERENCES_FILE, counted.rows(preferences, "preferences"), PREFERENCE_COLUMNS
    )
    _write_parquet(
        folder / JUDGMENTS_FILE,
        counted.rows(judgment_rows(campaign), "judgments"),
        JUDGMENT_COLUMNS,
    )
    summary = DatasetSummary(
        folder=folder,
        judgments=counted.counts["judgments"],
        preferences=counted.counts["preferences"],
    )
    (folder / "README.md").write_text(
        dataset_card(campaign, snapshot, summary, license=license), encoding="utf-8"
    )
    return summary


def dataset_card(
    campaign: Campaign, snapshot: Snapshot | None, summary: DatasetSummary, *, license: str
) -> str:
    """The card: the Hub's YAML header, then how the data was collected and the leaderboard."""
    header = "\n".join(
        [
            "---",
            f"license: {json.dumps(license)}",
            f"pretty_name: {json.dumps(campaign.title)}",
            "task_categories:",
            "- text-generation",
            "tags:",
            "- human-feedback",
            "- preference",
            "- pairwise-comparison",
            "- dpo",
            "- reward-modeling",
            "- crowdeval",
            "size_categories:",
            f"- {size_category(summary.judgments)}",
            "configs:",
            "- config_name: preferences",
            "  default: true",
            "  data_files:",
            "  - split: train",
            f"    path: {PREFERENCES_FILE}",
            "- config_name: judgments",
            "  data_files:",
            "  - split: train",
            f"    path: {JUDGMENTS_FILE}",
            "---",
        ]
    )
    parts = [header, *_card_body(campaign, snapshot, summary)]
    return "\n\n".join(part for part in parts if part) + "\n"


def size_category(rows: int) -> str:
    for limit, name in _SIZE_CATEGORIES:
        if rows < limit:
            return name
    return "n>100M"


def _card_body(campaign: Campaign, snapshot: Snapshot | None, summary: DatasetSummary) -> list[str]:
    scale = Campaign.Scale(campaign.scale).label
    return [
        f"# {_markdown(campaign.title)}",
        campaign.description,
        "## How it was collected",
        (
            f"Pairwise human judgments gathered with Crowdeval in the campaign "
            f"`{campaign.slug}` (status: {campaign.status}). Each item shows one prompt and "
            f"two responses from different models, in random left/right order, judged on a "
            f"{scale} scale; each regular comparison was to get "
            f"{campaign.judgments_per_comparison} judgments from different annotators. "
            f"About {campaign.gold_rate:.0%} of the items served were gold comparisons with a "
            f'known answer; an annotator\'s votes count ("trusted") once they judged '
            f"{campaign.min_gold_seen} gold items with a posterior mean accuracy of at least "
            f"{campaign.min_gold_accuracy:.0%}. Votes imported from elsewhere have no "
            f"screen side or time."
        ),
        "## Configs",
        (
            f"- `preferences` ({summary.preferences:,} rows, the default): `prompt`, "
            f"`chosen`, `rejected`, the format TRL's reward and DPO trainers read, plus "
            f"`chosen_model`, `rejected_model`, `prompt_id`, `category`, `margin`, `votes`, "
            f"`comparison_id`. One row per regular comparison whose trusted consensus "
            f"prefers one side: the mean verdict of its trusted votes (-2 a much better ... "
            f"+2 b much better) chooses a when negative, b when positive; `margin` is its "
            f"absolute value (0 to 2) and `votes` the number of trusted votes. Ties, "
            f"comparisons without a trusted vote and gold comparisons are left out.\n"
            f"- `judgments` ({summary.judgments:,} rows): every judgment, with `verdict`, "
            f"the side shown on the left, the annotator's handle, seconds spent, rationale, "
            f"time, gold side and correctness for gold items, and whether the annotator was "
            f"trusted in the latest scoring run."
        ),
        "## Leaderboard",
        _leaderboard_table(snapshot),
    ]


def _leaderboard_table(snapshot: Snapshot | None) -> str:
    if snapshot is None or not snapshot.contenders:
        return "Not scored yet."
    lines = [
        f"Bradley-Terry ratings (Elo scale, 95% bootstrap interval) from "
        f"{snapshot.rated_judgments:,} trusted votes, scored "
        f"{snapshot.computed_at:%Y-%m-%d %H:%M} UTC.",
        "",
        "| Rank | Model | Rating | 95% CI | Votes | Win rate |",
        "|---:|---|---:|---|---:|---:|",
    ]
    for row in snapshot.contenders:
        lines.append(
            f"| {row['rank']} | {_markdown(str(row['name']))} | {row['rating']:.1f} | "
            f"{row['ci_lower']:.1f} to {row['ci_upper']:.1f} | {row['votes']} | "
            f"{row['win_rate']:.1%} |"
        )
    return "\n".join(lines)


def _markdown(text: str) -> str:
    """Anyone's text in a table cell or heading: no pipes, no line breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def _write_parquet(path: Path, rows: Iterable[tuple[Any, ...]], columns: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        for chunk in parquet_chunks(rows, columns):
            file.write(chunk)


class _Counter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def rows(self, rows: Iterable[tuple[Any, ...]], name: str) -> Iterator[tuple[Any, ...]]:
        self.counts[name] = 0
        for row in rows:
            self.counts[name] += 1
            yield row
