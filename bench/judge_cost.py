"""What one "submit and get the next item" request costs the server: CPU, SQL statements.

The load bench (annotate_load.py) measures throughput, which on this 2-core machine is bounded
by CPU per judgment. This script isolates that figure: one process sends judge requests
through Django's WSGI handler (all middleware, a real session cookie and CSRF token, the fetch
header the page sends) one after another, participants taking turns, against PostgreSQL. It
prints per request the CPU of this process and of its PostgreSQL backend and the SQL
statements by kind, the statements per request split by the kind of item it served next
(regular or gold: they must be equal, or the request's cost tells a participant which items
are gold), and with --profile the top functions by cumulative time.

    .venv/bin/python bench/judge_cost.py [--requests 2000] [--participants 50] [--profile]

It drops and recreates the database ``crowdeval_judgecost`` (see --db).

No Celery worker runs here, so the scoring run the first judgment queues never starts: past
its due time (SCORING_DEBOUNCE_SECONDS, 10 s in the settings) every judgment would find it
still queued and ask Redis again (scoring.queue), a round trip that a worker, starting the
run and letting the next judgment queue another, leaves to about one judgment per debounce
period. The figure would then grow with the run's length. So the debounce defaults to an
hour here; set SCORING_DEBOUNCE_SECONDS to measure otherwise (bench/compare.py passes the
environment to both commits' scripts, so set it there to compare with an older commit).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load.build import (  # noqa: E402
    create_campaign,
    create_participants,
    direct_session,
    recreate_database,
)
from bench.load.clients import CHOICES, CSRF_RE, KEY_RE, NOTICE_MARK  # noqa: E402
from bench.load.config import server_env  # noqa: E402
from bench.load.cpu import CLK_TCK, proc_ticks  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--comparisons", type=int, default=10_000)
    parser.add_argument("--db", default="crowdeval_judgecost")
    parser.add_argument("--redis-db", type=int, default=14, help="Redis database number")
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    return parser.parse_args()


class Browser:
    """One participant's cookies, as the annotate page's fetch calls would carry them."""

    def __init__(self, session_key: str) -> None:
        self.cookies = {"sessionid": session_key}
        self.csrf = ""
        self.key: str | None = None

    def environ(self, method: str, path: str, body: bytes = b"") -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": cookie,
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        if body:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        return environ


def call(application, browser: Browser, method: str, path: str, body: bytes = b"", headers=None):
    status_line: list[str] = []
    set_cookies: list[str] = []

    def start_response(status, response_headers, exc_info=None):
        status_line.append(status)
        set_cookies.extend(v for k, v in response_headers if k.lower() == "set-cookie")

    environ = browser.environ(method, path, body)
    environ.update(headers or {})
    result = application(environ, start_response)
    text = b"".join(result).decode()
    if hasattr(result, "close"):
        result.close()
    for cookie in set_cookies:
        name, _, rest = cookie.partition("=")
        browser.cookies[name] = rest.split(";", 1)[0]
    return int(status_line[0].split()[0]), text


def main() -> None:
    args = parse_args()
    os.environ.update(server_env(args.db, args.redis_db))
    os.environ["CONN_MAX_AGE"] = "600"
    os.environ.setdefault("SCORING_DEBOUNCE_SECONDS", "3600")  # see the module docstring
    recreate_database(args.db, args.redis_db)
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    application = get_wsgi_application()
    campaign_id = create_campaign("cost", args.comparisons)
    creds = create_participants([campaign_id], args.participants)
    browsers = [Browser(direct_session(uid)) for _, _, uid in creds]
    for browser in browsers:
        status, page = call(application, browser, "GET", "/c/cost/annotate/")
        assert status == 200, status
        browser.csrf = CSRF_RE.search(page).group(1)
        browser.key = KEY_RE.search(page).group(1)

    statements: collections.Counter[str] = collections.Counter()

    def count(execute, sql, params, many, context):
        statements[sql.split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    served: list[tuple[str, int]] = []  # (the next item's key, statements the request ran)

    def one_request(browser: Browser) -> bool:
        before = sum(statements.values())
        body = urlencode(
            {
                "csrfmiddlewaretoken": browser.csrf,
                "choice": random.choice(CHOICES),
                "rationale": "",
                "seconds": f"{random.uniform(2, 9):.1f}",
            }
        ).encode()
        status, text = call(
            application,
            browser,
            "POST",
            f"/c/cost/annotate/{browser.key}/judge/",
            body,
            {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_X_CSRFTOKEN": browser.csrf},
        )
        if status != 200 or NOTICE_MARK in text:
            raise RuntimeError(f"judge answered {status}: {text[:300]}")
        match = KEY_RE.search(text)
        browser.key = match.group(1) if match else None
        if browser.key is not None:
            served.append((browser.key, sum(statements.values()) - before))
        return browser.key is not None

    # Warm up: imports, template loading, the connection.
    for browser in browsers[:5]:
        one_request(browser)

    # CPU time, not wall time: on a loaded machine waiting for PostgreSQL would dominate.
    profile = cProfile.Profile(time.process_time) if args.profile else None
    done = 0
    cpu0, pg0, wall0 = time.process_time(), proc_ticks(backend), time.perf_counter()
    with connection.execute_wrapper(count):
        if profile:
            profile.enable()
        while done < args.requests:
            for browser in browsers:
                if browser.key is None:
                    continue
                one_request(browser)
                done += 1
                if done >= args.requests:
                    break
        if profile:
            profile.disable()
    cpu = time.process_time() - cpu0
    pg = (proc_ticks(backend) - pg0) / CLK_TCK
    wall = time.perf_counter() - wall0
    print(f"{done} judge requests, {args.participants} participants, one process")
    print(f"  Django CPU      {cpu / done * 1000:6.2f} ms per request")
    print(f"  PostgreSQL CPU  {pg / done * 1000:6.2f} ms per request (this connection's backend)")
    print(f"  wall            {wall / done * 1000:6.2f} ms per request")
    total = sum(statements.values())
    kinds = ", ".join(f"{k} {v / done:.1f}" for k, v in statements.most_common())
    print(f"  SQL statements  {total / done:6.1f} per request ({kinds})")
    from campaign.models import Assignment

    gold = set(
        Assignment.objects.filter(key__in=[key for key, _ in served], is_gold=True).values_list(
            "key", flat=True
        )
    )
    # A participant's every STANDING_STEP-th request re-assesses their standing (two more
    # statements): counts per kind, so both kinds show the same set of figures.
    by_kind: dict[str, collections.Counter[int]] = {
        "regular": collections.Counter(),
        "gold": collections.Counter(),
    }
    for key, count in served[5:]:  # after the warm-up
        by_kind["gold" if uuid.UUID(key) in gold else "regular"][count] += 1
    for kind, counts in by_kind.items():
        spread = ", ".join(f"{n} statements x {times}" for n, times in sorted(counts.items()))
        print(f"  next item {kind:7} {spread}")
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(120)
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(40)
        print(out.getvalue())


if __name__ == "__main__":
    main()
