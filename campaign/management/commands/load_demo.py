"""manage.py load_demo: a ready demo campaign with real model responses (PandaLM)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from campaign.demo import load_demo


class Command(BaseCommand):
    help = "Create the PandaLM demo campaign (999 real comparisons, 50 gold). Safe to run twice."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = load_demo()
        state = "Created" if summary.created else "Kept"
        self.stdout.write(
            self.style.SUCCESS(
                f"{state} demo campaign {summary.campaign.slug!r}: {summary.report.summary()}"
            )
        )
