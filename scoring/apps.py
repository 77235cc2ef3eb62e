from django.apps import AppConfig


class ScoringConfig(AppConfig):
    """The Django side of scoring: snapshots, Celery tasks and leaderboard views.

    The numeric modules beside it (votes, ratings, annotators, agreement, flags, participants)
    import nothing from Django; only the modules of this app's Django side import them.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"

    def ready(self) -> None:
        # Register the tasks in every process, not only in workers (which autodiscover them):
        # without a broker the campaign app runs scoring.score_campaign by name, in-process.
        from scoring import tasks  # noqa: F401
