"""export_dataset and export_preferences open with `datasets`, offline, as training code reads
them: the rows match the judgments, and the preferences have TRL's string columns."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from campaign.models import Judgment
from scoring.exports.dataset import size_category
from tests.builders import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def datasets(tmp_path, monkeypatch):
    """`datasets` from local files only: no Hub, its cache inside the test's folder."""
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    import datasets
    import datasets.config

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True, raising=False)
    datasets.disable_progress_bars()
    return datasets


def run(*args: str) -> str:
    stdout = io.StringIO()
    call_command(*args, stdout=stdout)
    return stdout.getvalue()


def judgment_facts(campaign) -> list[tuple]:
    return list(
        Judgment.objects.filter(campaign=campaign)
        .order_by("pk")
        .values_list("comparison_id", "annotator__handle", "verdict", "is_gold", "correct")
    )


def test_the_dataset_folder_opens_with_both_configs_and_matches_the_judgments(
    scenario, tmp_path, datasets
) -> None:
    folder = tmp_path / "dataset"
    message = run("export_dataset", scenario.campaign.slug, "--out", str(folder))
    assert "2 preference pairs and 11 judgments" in message
    cache = str(tmp_path / "cache")
    judgments = datasets.load_dataset(str(folder), "judgments", split="train", cache_dir=cache)
    assert [
        (row["comparison_id"], row["annotator"], row["verdict"], row["gold"], row["correct"])
        for row in judgments
    ] == judgment_facts(scenario.campaign)
    preferences = datasets.load_dataset(str(folder), split="train", cache_dir=cache)  # default
    assert preferences["comparison_id"] == [scenario.clear.pk, scenario.flipped.pk]
    assert preferences["margin"] == [1.5, 2.0] and preferences["votes"] == [2, 1]
    for column in ("prompt", "chosen", "rejected"):
        assert preferences.features[column].dtype == "string"


def test_the_dataset_card_has_the_hub_header_and_the_leaderboard(scenario, tmp_path) -> None:
    folder = tmp_path / "dataset"
    run("export_dataset", scenario.campaign.slug, "--out", str(folder), "--license", "cc-by-4.0")
    card = (folder / "README.md").read_text(encoding="utf-8")
    header, body = card.split("---\n")[1:3]
    assert 'license: "cc-by-4.0"' in header
    assert "- n<1K" in header
    assert "config_name: preferences" in header and "config_name: judgments" in header
    assert "path: judgments/train-00000-of-00001.parquet" in header
    assert "# Helpfulness \\| round 1" in body  # anyone's text cannot break the Markdown
    assert "## How it was collected" in body
    assert "| 1 | alpha | 1040.0 |" in body


def test_exported_preferences_load_as_trl_reads_them(scenario, tmp_path, datasets) -> None:
    for suffix, builder in (("jsonl", "json"), ("parquet", "parquet")):
        out = tmp_path / f"preferences.{suffix}"
        run("export_preferences", scenario.campaign.slug, "--out", str(out), "--no-progress")
        pairs = datasets.load_dataset(
            builder, data_files=str(out), split="train", cache_dir=str(tmp_path / "cache")
        )
        assert pairs.column_names[:3] == ["prompt", "chosen", "rejected"]
        assert all(isinstance(pair[key], str) for pair in pairs for key in ("prompt", "chosen"))
        assert pairs[0]["chosen"] == "Moon." and pairs[0]["rejected"] == "Wind."
        assert pairs["comparison_id"] == [scenario.clear.pk, scenario.flipped.pk]


def test_an_unscored_campaign_or_an_unwritable_folder_is_a_clear_error(scenario, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_dataset", scenario.campaign.slug, "--out", str(blocker / "dataset"))
    with pytest.raises(CommandError, match="no-such-campaign"):
        run("export_dataset", "no-such-campaign", "--out", str(tmp_path / "d"))
    with pytest.raises(CommandError, match="score_campaign"):
        run("export_dataset", make_campaign().slug, "--out", str(tmp_path / "unscored"))
    assert not (tmp_path / "unscored").exists()


def test_size_categories_follow_the_hub() -> None:
    assert [size_category(n) for n in (0, 999, 1_000, 150_000, 2_000_000)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "100K<n<1M",
        "1M<n<10M",
    ]
