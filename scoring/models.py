"""Snapshot: the stored result of one scoring run, which every page and export reads.

A snapshot is written in one INSERT inside the scoring job's final transaction, so a run that
dies half-way leaves nothing behind and the previous snapshot stays the latest. Its JSON
columns hold plain lists of dicts (shapes below) so pages and exports read them
without touching the numerics.

``contenders``  — PRODUCT.md's leaderboard rows, best first: name, rating, ci_lower, ci_upper,
                  rank, votes, wins, losses, ties, win_rate, online_elo.
``participants`` — the participant ranking, best first: handle, judgments, accepted,
                  gold_seen, gold_correct, accuracy, trusted, score, rank, agreement.
``annotators``  — every annotator's score for the dashboard: user_id, handle, judgments,
                  gold_seen, gold_correct, accuracy, accuracy_lower, trusted, accepted,
                  agreement, agreement_judgments, median_seconds, left_share,
                  top_verdict_share, flags (list of flag names).
``matrices``    — {"names": [...], "votes": [[int]], "win_rate": [[float]]}, rows and columns
                  in the order of ``names`` (the order of ``contenders``).
``views``       — other boards of the same run by name (scoring.extras): each at least
                  {"label": str, "contenders": [rows shaped like ``contenders``]}; a view
                  with "boards" (per category) holds one such board per key instead
                  (scoring.board_views, scoring.controlled).
``analysis``    — facts about the ranking by name (scoring.extras), shapes in their modules.
``stats``       — run facts: rounds, seed, alpha (Krippendorff, or null), annotators,
                  trusted_annotators, gold_judgments, seconds (how long the run took).
"""

from __future__ import annotations

from django.db import models

from campaign.models import Campaign, Response


class Snapshot(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField(db_index=True)
    # Every judgment of the campaign at the time of the run, and those the ratings used
    # (non-gold judgments of trusted annotators).
    judgments = models.PositiveIntegerField()
    rated_judgments = models.PositiveIntegerField()
    # A digest of the data and settings scored: a run whose fingerprint equals the latest
    # snapshot's has nothing new to say and stores nothing (retries are idempotent).
    fingerprint = models.CharField(max_length=64)
    contenders = models.JSONField(default=list)
    participants = models.JSONField(default=list)
    annotators = models.JSONField(default=list)
    matrices = models.JSONField(default=dict)
    stats = models.JSONField(default=dict)
    views = models.JSONField(default=dict)
    analysis = models.JSONField(default=dict)
    # Whether viewers of an open campaign see this run (scoring.publication): only runs that
    # fold at least PUBLIC_STEP judgments more than the previous published one, so public
    # standings move in steps no single item can be traced through.
    published = models.BooleanField(default=False)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = ["computed_at", "pk"]
        indexes = [models.Index(fields=["campaign", "-computed_at"], name="snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.campaign.slug} @ {self.computed_at:%Y-%m-%d %H:%M:%S}"


class ResponseStyle(models.Model):
    """A response's style counts (scoring.numerics.style), kept so each text is read once.

    The style-controlled view (scoring.controlled.style) needs four numbers per response;
    reading every text on every run would cost more than the rest of the run at a million
    judgments. A run counts the responses that have no row yet and stores their rows after
    its read. A response's text edited later (the admin) drops its row (a trigger, scoring
    migration 0008), so the next run counts the new text.
    """

    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    length = models.PositiveIntegerField()
    headers = models.PositiveIntegerField()
    lists = models.PositiveIntegerField()
    bold = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"style of response {self.response_id}"


class ScoringState(models.Model):
    """What the latest run folded, so the next one reads only newer judgments
    (scoring.incremental): the tallies as packed numpy arrays and the watermark they reach.

    Written in the same transaction as the snapshot. ``settings_hash`` digests everything
    besides judgments the tallies depend on (scoring version, gold settings and pool,
    contenders); a run whose hash differs, or that finds the judgments up to ``max_id``
    changed, rebuilds the state in full.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    settings_hash = models.CharField(max_length=64)
    # The judgments folded: their count, largest id and id sum, and the last one in vote
    # order (created_at, id): newer judgments must all come after it to fold.
    judgments = models.BigIntegerField()
    max_id = models.BigIntegerField()
    id_sum = models.BigIntegerField()
    last_created_at = models.DateTimeField(null=True)
    last_id = models.BigIntegerField()
    arrays = models.BinaryField()
    # The per-comparison vote cells' base (scoring.numerics.vote_cells), apart from ``arrays``:
    # most of the state's bytes at scale, read and rewritten only now and then
    # (scoring.state_storage), while ``arrays`` holds their small delta.
    comparison_base = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return f"scoring state of campaign {self.campaign_id} up to judgment {self.max_id}"


class ComparisonCache(models.Model):
    """A campaign's regular comparisons as a scoring run needs them, kept between runs
    (scoring.comparison_cache): their contenders, prompt categories and both responses'
    style counts as packed numpy arrays, and what identifies the comparisons they describe.

    Rewritten only when comparisons were added (or the cache had to be rebuilt), in the
    snapshot's transaction; ``key`` digests what else the arrays depend on (the contenders'
    order, the campaign's item edits, the cache's version).
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    key = models.CharField(max_length=64)
    # Every comparison of the campaign (gold too) when the arrays were built: their count,
    # largest id and id sum. Any insert or delete changes them.
    count = models.BigIntegerField()
    max_id = models.BigIntegerField()
    id_sum = models.BigIntegerField()
    categories = models.JSONField(default=list)
    arrays = models.BinaryField()
    # Both responses' style counts, apart from ``arrays``: only the style view needs them, so a
    # run whose extras are not due leaves them unread (at 10,000,000 judgments they are three
    # quarters of the bytes).
    style = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return f"comparisons of campaign {self.campaign_id} up to {self.max_id}"
