"""Do the organiser's and participants' pages cost the same at 10,000 and 1,000,000 judgments?

Issue 14 item 2 ("flat pages"). For each size it builds the scoring bench's campaign
(bench/score_campaign.py's builder: 50 contenders, 50 annotators, 10% gold, three votes per
regular comparison, all COPY-loaded) in its own database, scores it once, then requests each page
in-process through Django's test client and prints, side by side, the median server time of
``--repeat`` requests (the best of ``--rounds`` rounds, which alternate the sizes) and the
number of SQL statements of one request. It asserts nothing.

    .venv/bin/python bench/pages.py                      # 10,000 and 1,000,000 judgments
    .venv/bin/python bench/pages.py --sizes 10000 100000 # other sizes
    .venv/bin/python bench/pages.py --reuse              # keep databases already built

Target (issue 14): every page within 1.5x between the sizes and under 100 ms.
Only the local PostgreSQL at 127.0.0.1 is contacted; Redis is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same crowd and models at every size, so only the judgments differ: 50 annotators meet
# enough gold at 10,000 judgments to be trusted (with 500 nobody would be, and the boards
# would be empty states, cheaper than any ranking).
ANNOTATORS = 50
PAGES = (
    ("dashboard", "organiser", "/c/{slug}/organise/"),
    ("leaderboard", "organiser", "/c/{slug}/leaderboard/"),
    ("leaderboard.json", "organiser", "/c/{slug}/leaderboard.json"),
    ("leaderboard (public)", "participant", "/c/{slug}/leaderboard/"),
    ("my progress", "participant", "/c/{slug}/progress/"),
    ("campaign page", "participant", "/c/{slug}/"),
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15, help="requests per page per round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds alternating the sizes; the best is shown"
    )
    parser.add_argument("--reuse", action="store_true", help="keep databases already built")
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)  # child: one size
    return parser.parse_args()


class StatementCounter:
    """A database execute wrapper that counts the statements of one request."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure(size: int, args: argparse.Namespace) -> dict[str, tuple[float, int]]:
    """In a child process whose settings name the size's database: build, score, request."""
    from bench import score_campaign as scorebench

    db = f"crowdeval_pagebench_{size}"
    build = argparse.Namespace(
        judgments=size, contenders=50, annotators=ANNOTATORS, db=db, reuse=args.reuse
    )
    os.environ.update(scorebench.django_env(db))
    os.environ.pop("REDIS_URL", None)
    reused = scorebench.prepare_database(build)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from campaign.models import Campaign
    from scoring.jobs import run_scoring_job

    if not reused:
        scorebench.build_campaign(build)
    campaign = Campaign.objects.get(slug=scorebench.SLUG)
    run_scoring_job(campaign.pk, rounds=100)
    organiser, _ = User.objects.get_or_create(
        username="bench-organiser", defaults={"handle": "bench-organiser", "is_staff": True}
    )
    clients = {
        "organiser": Client(HTTP_HOST="127.0.0.1"),
        "participant": Client(HTTP_HOST="127.0.0.1"),
    }
    clients["organiser"].force_login(organiser)
    clients["participant"].force_login(User.objects.get(username="bench0000"))
    results = {}
    for name, who, path in PAGES:
        url = path.format(slug=campaign.slug)
        client = clients[who]
        counter = StatementCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        results[name] = (statistics.median(times) * 1000, counter.count)
    return results


def main() -> None:
    args = parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args)))
        return
    figures: dict[int, dict[str, list[float]]] = {}
    # The sizes alternate round by round, so a burst of load on this shared machine hits
    # both; each page's best round is shown (the least disturbed one).
    for round_ in range(args.rounds):
        for size in args.sizes:
            command = [sys.executable, __file__, "--measure", str(size)]
            command += ["--repeat", str(args.repeat)]
            if args.reuse or round_ > 0:
                command.append("--reuse")
            verb = "building and measuring" if round_ == 0 and not args.reuse else "measuring"
            print(f"round {round_ + 1}: {verb} {size:,} judgments...", flush=True)
            output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
            measured = json.loads(output.stdout.strip().splitlines()[-1])
            best = figures.setdefault(size, {})
            for name, (milliseconds, statements) in measured.items():
                kept = best.get(name)
                if kept is None or milliseconds < kept[0]:
                    best[name] = [milliseconds, statements]
    small, large = args.sizes[0], args.sizes[-1]
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    header = f"{'page':<22}" + "".join(f"{f'{size:,} judgments':>26}" for size in args.sizes)
    print(header + f"{'ratio':>8}")
    for name, _who, _path in PAGES:
        cells = "".join(
            f"{figures[size][name][0]:>14.1f} ms {figures[size][name][1]:>3} SQL   "
            for size in args.sizes
        )
        ratio = figures[large][name][0] / max(figures[small][name][0], 1e-9)
        verdict = "ok" if ratio <= 1.5 and figures[large][name][0] < 100 else "MISSED"
        print(f"{name:<22}{cells}{ratio:>6.2f}x {verdict}")
    print("\ntarget: each page within 1.5x between the sizes and under 100 ms")


if __name__ == "__main__":
    main()
