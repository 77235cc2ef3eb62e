from django.apps import AppConfig


class ScoringConfig(AppConfig):
    """The Django side of scoring: snapshots, Celery tasks and leaderboard views.

    The numeric modules beside it (scoring.numerics) import nothing from Django; only the
    modules of this app's Django side import them.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"

    def ready(self) -> None:
        # Register the tasks in every process, not only in workers (which autodiscover them):
        # without a broker scoring.queue runs scoring.score_campaign by name, in-process.
        import importlib

        from campaign.events import ScoringReactions, register_scoring
        from scoring import tasks  # noqa: F401
        from scoring.extra_modules import EXTRA_MODULES

        for module in EXTRA_MODULES:  # each registers its views or analyses (scoring.extras)
            importlib.import_module(module)
        from scoring.jobs import request_recompute
        from scoring.queue import score_soon

        # The campaign app announces new judgments and asks for final scores without
        # importing scoring: these are scoring's answers (campaign/events.py).
        register_scoring(
            ScoringReactions(judgments_recorded=score_soon, scoring_requested=request_recompute)
        )
