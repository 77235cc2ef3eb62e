"""create_campaign: PRODUCT.md's defaults, settings from flags, clear errors."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from campaign.models import Campaign

pytestmark = pytest.mark.django_db


def test_defaults_follow_the_product_specification():
    call_command("create_campaign", "spring", "--title", "Spring")

    campaign = Campaign.objects.get(slug="spring")
    assert campaign.status == "draft" and campaign.scale == 5
    assert campaign.judgments_per_comparison == 3
    assert campaign.gold_rate == 0.10 and campaign.qualification_gold == 3
    assert campaign.min_gold_seen == 5 and campaign.min_gold_accuracy == 0.70
    assert campaign.lease_minutes == 15 and campaign.pairs_per_prompt is None
    assert not (campaign.block_untrusted or campaign.require_rationale or campaign.allow_signup)
    assert campaign.leaderboard == "public"
    assert (campaign.allocation, campaign.min_judgments_per_comparison) == ("uniform", 1)


def test_adaptive_allocation_and_its_floor_come_from_flags():
    call_command(
        "create_campaign", "spring", "--title", "Spring", "--allocation", "adaptive",
        "--judgments-per-comparison", "5", "--min-judgments-per-comparison", "2",
    )  # fmt: skip

    campaign = Campaign.objects.get(slug="spring")
    assert (campaign.allocation, campaign.judgments_per_comparison) == ("adaptive", 5)
    assert campaign.min_judgments_per_comparison == 2


def test_a_floor_above_the_cap_is_refused_and_nothing_is_created():
    with pytest.raises(CommandError, match="floor cannot exceed"):
        call_command(
            "create_campaign", "spring", "--title", "Spring", "--allocation", "adaptive",
            "--judgments-per-comparison", "2", "--min-judgments-per-comparison", "3",
        )  # fmt: skip
    assert not Campaign.objects.exists()


def test_settings_and_guidelines_come_from_flags(tmp_path):
    guidelines = tmp_path / "guide.md"
    guidelines.write_text("# Be fair", encoding="utf-8")

    call_command(
        "create_campaign", "spring", "--title", "Spring", "--guidelines", str(guidelines),
        "--scale", "3", "--gold-rate", "0.2", "--allow-signup", "--pairs-per-prompt", "2",
        "--status", "open", "--leaderboard", "hidden",
    )  # fmt: skip

    campaign = Campaign.objects.get(slug="spring")
    assert campaign.guidelines == "# Be fair"
    assert (campaign.scale, campaign.gold_rate, campaign.pairs_per_prompt) == (3, 0.2, 2)
    assert campaign.allow_signup and campaign.status == "open" and campaign.leaderboard == "hidden"


def test_gold_spotters_are_excluded_unless_the_flag_says_no():
    call_command("create_campaign", "spring", "--title", "Spring")
    call_command("create_campaign", "autumn", "--title", "Autumn", "--no-exclude-gold-spotters")

    assert Campaign.objects.get(slug="spring").exclude_gold_spotters
    assert not Campaign.objects.get(slug="autumn").exclude_gold_spotters


def test_an_existing_slug_is_refused():
    call_command("create_campaign", "spring", "--title", "Spring")

    with pytest.raises(CommandError, match="already exists"):
        call_command("create_campaign", "spring", "--title", "Again")


def test_out_of_range_settings_are_refused_with_the_setting_named():
    with pytest.raises(CommandError, match="gold_rate"):
        call_command("create_campaign", "spring", "--title", "Spring", "--gold-rate", "2")
    assert not Campaign.objects.exists()


def test_bad_slug_and_missing_guidelines_file_are_refused(tmp_path):
    with pytest.raises(CommandError, match="slug"):
        call_command("create_campaign", "not a slug!", "--title", "X")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "create_campaign", "x", "--title", "X", "--guidelines", str(tmp_path / "no.md")
        )
