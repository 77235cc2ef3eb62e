"""The whole scoring job on a million judgments: is a campaign's snapshot ready in under 5 s?

Issue 5 (PRODUCT.md "Targets"). Builds a campaign in its own database (default
``crowdeval_scorebench``, dropped and recreated unless --reuse finds it already built):
50 contenders, 500 annotators (a fifth of them clicking at random, so they fail gold and are
untrusted), 1,000,000 judgments of which 10% on a pool of gold comparisons, every regular
comparison judged by three different annotators; prompts in eight categories and responses of
a few hundred characters with some Markdown, so the per-category and style-controlled views
have work to do. Everything is bulk-loaded with COPY.

Then it runs `scoring.snapshots.compute_snapshot` (1000 bootstrap rounds) end to end, as the
Celery job does, and prints its time beside the time of the numeric fit alone
(`rate_contenders` on the same PairCounts) and the job's own breakdown (stored in the
snapshot's ``stats["timings"]``), and the job process's CPU time. A second run shows the
cost of a run with nothing new (fingerprint unchanged: nothing is stored). It prints figures
and asserts no timings.

    .venv/bin/python bench/score_campaign.py                 # 1,000,000 judgments
    .venv/bin/python bench/score_campaign.py --quick         # 100,000 judgments, a smoke run
    .venv/bin/python bench/score_campaign.py --reuse         # skip the build if it is there
    .venv/bin/python bench/score_campaign.py --incremental   # full beside incremental (issue 14)

Only the local PostgreSQL at 127.0.0.1 is contacted; Redis is not needed.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import SERVER, fresh_database  # noqa: E402

SLUG = "scorebench"
BAD_SHARE = 0.2  # annotators who click at random (and so fail gold)
GOLD_SHARE = 0.1  # of all judgments
TIE_SHARE = 0.1
JUDGMENTS_PER_COMPARISON = 3
CATEGORIES = ("coding", "math", "writing", "reasoning", "chat", "extraction", "roleplay", "stem")
T = TypeVar("T")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--judgments", type=int, default=1_000_000)
    parser.add_argument("--contenders", type=int, default=50)
    parser.add_argument("--annotators", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap rounds")
    parser.add_argument("--db", default="crowdeval_scorebench")
    parser.add_argument("--repeat", type=int, default=3, help="job runs; the median is shown")
    parser.add_argument("--quick", action="store_true", help="100,000 judgments")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database if it already holds the campaign"
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="a full run beside an incremental run after --new new judgments "
        "(bench/score_incremental.py)",
    )
    parser.add_argument("--new", type=int, default=10_000, help="new judgments (--incremental)")
    parser.add_argument(
        "--profile", metavar="FILE", help="cProfile the incremental run into FILE (--incremental)"
    )
    args = parser.parse_args()
    if args.quick:
        args.judgments = min(args.judgments, 100_000)
    return args


# --- building the campaign -------------------------------------------------------------------


def database_url(db: str) -> str:
    return f"{SERVER}/{db}"


def prepare_database(args: argparse.Namespace) -> bool:
    """Create and migrate the database; True when --reuse found the campaign already built."""
    if args.reuse and built_judgments(args.db) == args.judgments:
        return True
    fresh_database(args.db, django_env(args.db))
    return False


def built_judgments(db: str) -> int | None:
    try:
        with psycopg.connect(database_url(db)) as conn:
            row = conn.execute(
                "SELECT count(*) FROM campaign_judgment j JOIN campaign_campaign c "
                "ON c.id = j.campaign_id WHERE c.slug = %s",
                [SLUG],
            ).fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def django_env(db: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(db),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        # As in production: with DEBUG on, Django also formats every query for its log
        # (the state's megabytes of bytea too, about 0.2 s of an incremental run at 1M).
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-not-for-any-deployment",  # noqa: S106
        # bench/pages.py and bench/export.py request pages through Django's test client.
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback, no TLS proxy in front
    )
    return env


def copy_rows(conn: psycopg.Connection, table: str, columns: str, lines: Iterable[str]) -> None:
    """COPY text lines (tab-separated, \\N for NULL) into `table`."""
    buffer = io.StringIO()
    buffer.writelines(lines)
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())


def first_id(conn: psycopg.Connection, table: str, where: str, count: int) -> int:
    """The first id of rows just copied; a fresh database numbers them consecutively."""
    low, high, n = conn.execute(
        f"SELECT min(id), max(id), count(*) FROM {table} WHERE {where}"  # noqa: S608
    ).fetchone()
    assert n == count and high - low + 1 == count, f"{table}: ids are not consecutive"
    return low


def build_campaign(args: argparse.Namespace) -> None:
    """Contenders, annotators, one prompt per comparison, judgments; all with COPY."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from campaign.models import Contender, Enrollment
    from campaign.services import create_campaign

    rng = np.random.default_rng(0)
    campaign = create_campaign(slug=SLUG, title="Scoring bench", status="open")
    contenders = Contender.objects.bulk_create(
        [Contender(campaign=campaign, name=f"model-{k:02d}") for k in range(args.contenders)]
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"bench{k:04d}", handle=f"bench-annotator-{k:04d}", password=password)
            for k in range(args.annotators)
        ]
    )
    Enrollment.objects.bulk_create([Enrollment(campaign=campaign, user=user) for user in users])
    contender_ids = np.array([c.pk for c in contenders])
    user_ids = np.array([u.pk for u in users])

    n_gold_judgments = round(args.judgments * GOLD_SHARE)
    regular = (args.judgments - n_gold_judgments) // JUDGMENTS_PER_COMPARISON
    n_gold_judgments = args.judgments - regular * JUDGMENTS_PER_COMPARISON
    gold_pool = max(400, -(-2 * n_gold_judgments // args.annotators))
    comparisons = regular + gold_pool
    strength = rng.normal(0.0, 1.0, args.contenders)
    first = rng.integers(0, args.contenders, comparisons)
    second = (first + rng.integers(1, args.contenders, comparisons)) % args.contenders
    gold_side = np.where(rng.random(gold_pool) < 0.5, "a", "b")

    # Their own generator, so the judgments stay those of earlier builds.
    text_rng = np.random.default_rng(1)
    texts_a, texts_b = (response_texts(text_rng, comparisons) for _side in range(2))

    start = time.perf_counter()
    with psycopg.connect(database_url(args.db), autocommit=True) as conn:
        c = campaign.pk
        copy_rows(
            conn,
            "campaign_prompt",
            "campaign_id, external_id, text, category, metadata",
            (
                f"{c}\tp{k}\tPrompt {k}\t{CATEGORIES[k % len(CATEGORIES)]}\t{{}}\n"
                for k in range(comparisons)
            ),
        )
        prompt0 = first_id(conn, "campaign_prompt", f"campaign_id = {c}", comparisons)
        copy_rows(
            conn,
            "campaign_response",
            "prompt_id, campaign_id, contender_id, text",
            (
                f"{prompt0 + k}\t{c}\t{contender_ids[side[k]]}\t{texts[k]}\n"
                for k in range(comparisons)
                for side, texts in ((first, texts_a), (second, texts_b))
            ),
        )
        response0 = first_id(
            conn,
            "campaign_response",
            f"prompt_id BETWEEN {prompt0} AND {prompt0 + comparisons - 1}",
            2 * comparisons,
        )
        sides = np.concatenate([np.full(regular, ""), gold_side])
        copy_rows(
            conn,
            "campaign_comparison",
            "campaign_id, prompt_id, response_a_id, response_b_id, gold_side, load, shuffle",
            (
                f"{c}\t{prompt0 + k}\t{response0 + 2 * k}\t{response0 + 2 * k + 1}\t{sides[k]}\t"
                f"{JUDGMENTS_PER_COMPARISON if k < regular else 0}\t{k}\n"
                for k in range(comparisons)
            ),
        )
        comparison0 = first_id(conn, "campaign_comparison", f"campaign_id = {c}", comparisons)
        judgments = synthetic_judgments(
            rng, args, regular, gold_pool, n_gold_judgments, strength, first, second, gold_side
        )
        copy_rows(
            conn,
            "campaign_judgment",
            JUDGMENT_COLUMNS,
            judgment_lines(judgments, c, comparison0, user_ids),
        )
        conn.execute("VACUUM ANALYZE")
    print(
        f"built in {time.perf_counter() - start:.1f} s: {comparisons:,} comparisons "
        f"({gold_pool} gold), {args.judgments:,} judgments"
    )


def response_texts(rng: np.random.Generator, n: int) -> list[str]:
    """Responses of 10 to 90 words, some with Markdown headers, list items and bold; written
    for COPY's text format (a newline is the two characters backslash, n)."""
    words = rng.integers(10, 90, n)
    headers, items, bold = (rng.poisson(lam, n) for lam in (0.3, 1.0, 0.5))
    return [
        "## Answer\\n" * h + "- point\\n" * i + "**key** " * b + "word " * w
        for w, h, i, b in zip(
            words.tolist(), headers.tolist(), items.tolist(), bold.tolist(), strict=True
        )
    ]


JUDGMENT_COLUMNS = (
    "campaign_id, comparison_id, annotator_id, verdict, left_side, seconds, rationale, "
    "is_gold, correct, created_at"
)


def synthetic_judgments(
    rng: np.random.Generator,
    args: argparse.Namespace,
    regular: int,
    gold_pool: int,
    n_gold: int,
    strength: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    gold_side: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per judgment: comparison index, annotator index, verdict, gold flag, correctness, ..."""
    n_annotators = args.annotators
    # Three different annotators per regular comparison: r, r + d1, r + d2 (mod n), d1 ≠ d2.
    base = rng.integers(0, n_annotators, regular)
    d1 = rng.integers(1, n_annotators, regular)
    d2 = rng.integers(1, n_annotators - 1, regular)
    d2 += d2 >= d1
    annotator = np.concatenate(
        [np.stack([base, (base + d1) % n_annotators, (base + d2) % n_annotators], 1).ravel()]
    )
    comparison = np.repeat(np.arange(regular), JUDGMENTS_PER_COMPARISON)
    # Gold: each annotator meets a gold comparison at most once.
    per_annotator = np.full(n_annotators, n_gold // n_annotators)
    per_annotator[: n_gold % n_annotators] += 1
    gold_annotator = np.repeat(np.arange(n_annotators), per_annotator)
    gold_comparison = np.concatenate([rng.permutation(gold_pool)[:k] for k in per_annotator])
    annotator = np.concatenate([annotator, gold_annotator])
    comparison = np.concatenate([comparison, regular + gold_comparison])
    n = annotator.size
    bad = rng.random(n_annotators) < BAD_SHARE
    p_a = 1.0 / (1.0 + np.exp(strength[second[comparison]] - strength[first[comparison]]))
    sign = np.where(rng.random(n) < p_a, -1, 1)
    sign = np.where(rng.random(n) < TIE_SHARE, 0, sign)
    is_gold = np.arange(n) >= regular * JUDGMENTS_PER_COMPARISON
    gold_sign = np.zeros(n, dtype=int)
    gold_sign[is_gold] = np.where(gold_side[gold_comparison] == "a", -1, 1)
    right = rng.random(n) < 0.9
    sign = np.where(is_gold, np.where(right, gold_sign, -gold_sign), sign)
    sign = np.where(bad[annotator], rng.integers(-1, 2, n), sign)
    verdict = sign * rng.integers(1, 3, n)
    order = rng.permutation(n)  # the order they were cast in
    return {
        "comparison": comparison[order],
        "annotator": annotator[order],
        "verdict": verdict[order],
        "left": np.where(rng.random(n) < 0.5, "a", "b")[order],
        "seconds": np.round(rng.lognormal(np.log(25.0), 0.5, n), 3)[order],
        "is_gold": is_gold[order],
        "correct": (np.sign(verdict) == gold_sign)[order],
    }


CORRECT = {(True, True): "t", (True, False): "f", (False, True): "\\N", (False, False): "\\N"}


def judgment_lines(
    judgments: dict[str, np.ndarray], campaign_id: int, comparison0: int, user_ids: np.ndarray
) -> Iterable[str]:
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    columns = zip(
        (judgments["comparison"] + comparison0).tolist(),
        user_ids[judgments["annotator"]].tolist(),
        judgments["verdict"].tolist(),
        judgments["left"].tolist(),
        judgments["seconds"].tolist(),
        judgments["is_gold"].tolist(),
        judgments["correct"].tolist(),
        strict=True,
    )
    for k, (comparison, annotator, verdict, left, seconds, gold, correct) in enumerate(columns):
        moment = start + datetime.timedelta(milliseconds=100 * k)
        yield (
            f"{campaign_id}\t{comparison}\t{annotator}\t{verdict}\t{left}\t{seconds}\t\t"
            f"{'t' if gold else 'f'}\t{CORRECT[gold, correct]}\t"
            f"{moment.isoformat()}\n"
        )


# --- the job -----------------------------------------------------------------------------------

STEPS = (
    ("fingerprint", "fingerprint, settings hash and watermark"),
    ("judgment_load", "per-judgment load (packed rows -> numpy)"),
    ("comparisons", "regular comparisons (contenders, categories)"),
    ("annotator_scores_and_votes", "annotator scores, counted votes, online Elo, alpha (folded)"),
    ("ratings", "ratings (Bradley-Terry + bootstrap)"),
    ("extra_reads", "reads of the views and analyses (scoring.extras)"),
)


def timed(function: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def cpu_timed(function: Callable[[], T]) -> tuple[float, float, T]:
    """Wall seconds, this process's CPU seconds (less sensitive to a loaded machine; the
    database server's own work is not in it), result."""
    cpu = time.process_time()
    seconds, result = timed(function)
    return seconds, time.process_time() - cpu, result


def run_job(args: argparse.Namespace) -> None:
    from campaign.models import Campaign
    from scoring.campaign_data import rated_pair_counts
    from scoring.jobs import run_scoring_job
    from scoring.models import Snapshot
    from scoring.numerics.ratings import fit_bradley_terry, rate_contenders

    campaign = Campaign.objects.get(slug=SLUG)
    runs = []
    for _ in range(args.repeat):
        Snapshot.objects.filter(campaign=campaign).delete()  # so the job has work to do
        # full: after the first run the stored tallies would let a run fold nothing new.
        seconds, cpu, outcome = cpu_timed(
            lambda: run_scoring_job(campaign.pk, rounds=args.rounds, full=True)
        )
        runs.append((seconds, outcome.snapshot, cpu))
    seconds, snapshot, cpu = sorted(runs, key=lambda run: run[0])[len(runs) // 2]  # the median
    rerun, outcome = timed(lambda: run_scoring_job(campaign.pk, rounds=args.rounds))

    contenders = list(campaign.contenders.order_by("name").values_list("pk", "name"))
    trusted = [row["user_id"] for row in snapshot.annotators if row["trusted"]]
    counts = rated_pair_counts(campaign, trusted, [pk for pk, _name in contenders])
    names = [name for _pk, name in contenders]
    fit_alone, _rows = timed(lambda: rate_contenders(names, counts, rounds=args.rounds))
    single_fit, _ratings = timed(lambda: fit_bradley_terry(counts))

    stats = snapshot.stats
    print(
        f"\n{snapshot.judgments:,} judgments, {len(contenders)} contenders, "
        f"{stats['annotators']} annotators ({stats['trusted_annotators']} trusted), "
        f"{snapshot.rated_judgments:,} rated votes, {args.rounds} bootstrap rounds; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)"
    )
    print(f"\n{'step of the median run':<62} {'seconds':>8}")
    labels = dict(STEPS)
    for key, lap in stats["timings"].items():  # every lap the run recorded, extras included
        print(f"  {labels.get(key, key):<60} {lap:8.3f}")
    print(f"  {'insert (one INSERT) and the rest':<60} {seconds - stats['seconds']:8.3f}")
    print(f"{'whole job, end to end (run_scoring_job)':<62} {seconds:8.3f}")
    print(f"{'  all runs':<62} {'  '.join(f'{run[0]:.2f}' for run in runs)}")
    print(f"{'  CPU time of the job process (median run)':<62} {cpu:8.3f}")
    print(f"{'  CPU time, all runs':<62} {'  '.join(f'{run[2]:.2f}' for run in runs)}")
    print(f"{'numeric fit alone: rate_contenders on the same PairCounts':<62} {fit_alone:8.3f}")
    print(f"{'  one Bradley-Terry fit, no bootstrap':<62} {single_fit:8.3f}")
    print(f"{'a run with nothing new (fingerprint only, nothing stored)':<62} {rerun:8.3f}")
    assert outcome.snapshot is None, "the re-run should have stored nothing"
    print(f"\ntarget: whole job < 5 s: {'met' if seconds < 5.0 else 'NOT met'}")


def main() -> None:
    args = parse_args()
    os.environ.update(django_env(args.db))
    os.environ.pop("REDIS_URL", None)
    reused = prepare_database(args)
    import django

    django.setup()
    if reused:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a database built before the latest migrations
        print(f"reusing {args.db}: {args.judgments:,} judgments already built")
    else:
        build_campaign(args)
    from config.memory import keep_freed_memory

    # The runs below happen in this process: tune its memory as the scoring worker's is.
    kept = keep_freed_memory()
    print(f"freed memory kept for reuse, as in the scoring worker (config.memory): {kept}")
    if args.incremental:
        from bench.score_incremental import run_incremental

        run_incremental(args)
    else:
        run_job(args)


if __name__ == "__main__":
    main()
