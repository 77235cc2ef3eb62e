"""PostgreSQL restarted under load: participants get the friendly 503 or a retry, never a 500.

Starts a private PostgreSQL cluster (initdb into a temporary directory, its own port; the
shared cluster on 5432 is never touched), builds a campaign in it, serves it with gunicorn and
lets ~100 participants judge with a short think time. In the middle the cluster is restarted
(`pg_ctl restart -m fast`) and later stopped for ~5 s and started again. The participants do
what static/annotate.js does: a 503 is sent again after its Retry-After with the same
assignment key and the same choice; a transport error is sent again (the participant presses
Enter); anything else reloads the page. Then it prints the responses by status, checks every
503 (Retry-After and the friendly page) and the database invariants (bench/load/invariants.py,
plus: every acknowledged judgment stored with the verdict that was sent).

Figures only, no timing asserts. Exits 1 if any response was a 500, a 503 lacked Retry-After
or the friendly page, or an invariant failed. Everything it started (gunicorn, the cluster)
is stopped on exit, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load.build import create_campaign, create_participants, direct_session, recreate_database
from bench.load.clients import CHOICES, CSRF_RE, KEY_RE, NOTICE_MARK, Participant, login_direct
from bench.load.config import ServerConfig, server_env
from bench.load.invariants import check_invariants
from bench.load.server import GUNICORN_LOG, Server

PG_BIN = Path("/usr/lib/postgresql/15/bin")
FRIENDLY = "Back in a moment"  # templates/503.html
RETRY_LIMIT = 12  # static/annotate.js: 503s retried before it asks the participant
TRANSPORT_RETRY_SECONDS = 1.0  # annotate.js keeps the choice; the participant presses Enter


class Cluster:
    """A throwaway PostgreSQL cluster: trust auth, 127.0.0.1 only, in a temporary directory."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="crowdeval-dbrestart-"))
        self.data = self.root / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{port}"
        self.running = False

    def pg(self, *args: str) -> None:
        # initdb refuses root: run the cluster as the postgres system user then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, stdout=subprocess.DEVNULL)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        log = str(self.root / "postgres.log")
        self.pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w",
                action, *extra)  # fmt: skip

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self.pg(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()

    def start(self) -> None:
        self.pg_ctl("start")
        self.running = True

    def stop(self) -> None:
        self.running = False
        self.pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def remove(self) -> None:
        if self.running or (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def free_port(first: int = 55432, last: int = 55499) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)  # (request kind, status) -> count
    bad_503: list[str] = field(default_factory=list)  # 503s without Retry-After or the page
    server_errors: list[str] = field(default_factory=list)  # every 500, with what it said
    sent: dict[str, int] = field(default_factory=dict)  # acknowledged key -> screen choice
    retried: int = 0  # judgments answered 503 first, then sent again with the same choice
    retried_acked: int = 0  # of which acknowledged (200 and the next item) in the end
    gave_up: int = 0  # judgments still unanswered after annotate.js's retry limit
    t0: float = field(default_factory=time.monotonic)
    refused_at: Counter = field(default_factory=Counter)  # second of the run -> 503s

    def note(self, kind: str, status: int, body: str, headers) -> None:
        self.statuses[kind, status] += 1
        if status == 503:
            self.refused_at[int(time.monotonic() - self.t0)] += 1
        if status == 503 and (not headers.get("Retry-After", "").isdigit() or FRIENDLY not in body):
            self.bad_503.append(f"{kind}: Retry-After={headers.get('Retry-After')!r}")
        if status >= 500 and status != 503:
            self.server_errors.append(f"{kind} {status}: {body[:200]!r}")


async def request(participant: Participant, method: str, url: str, **kw) -> tuple[int, str, dict]:
    try:
        async with participant.session.request(method, url, allow_redirects=False, **kw) as r:
            return r.status, await r.text(), dict(r.headers)
    except (aiohttp.ClientError, TimeoutError):
        return 0, "", {}


def retry_after(headers: dict) -> float:
    value = headers.get("Retry-After", "")
    return min(int(value), 30) if value.isdigit() else 5.0


async def open_page(base: str, slug: str, p: Participant, tally: Tally) -> None:
    """GET the annotate page, waiting out 503s (the friendly page says: reload in a moment)."""
    for _ in range(RETRY_LIMIT * 2):
        status, page, headers = await request(p, "GET", f"{base}/c/{slug}/annotate/")
        tally.note("page", status, page, headers)
        if status == 200:
            csrf = CSRF_RE.search(page)
            p.csrf = csrf.group(1) if csrf else p.csrf
            match = KEY_RE.search(page)
            p.key, p.done = (match.group(1), False) if match else (None, True)
            return
        await asyncio.sleep(retry_after(headers) if status == 503 else TRANSPORT_RETRY_SECONDS)
    p.done = True


async def judge(base: str, slug: str, p: Participant, tally: Tally) -> None:
    """One verdict, sent until answered as annotate.js does: same key, same choice."""
    key, choice = p.key, random.choice(CHOICES)
    form = {"csrfmiddlewaretoken": p.csrf, "choice": choice, "rationale": "", "seconds": "3.0"}
    headers = {"X-Requested-With": "fetch", "X-CSRFToken": p.csrf}
    url = f"{base}/c/{slug}/annotate/{key}/judge/"
    refused = 0
    for _ in range(RETRY_LIMIT * 2):
        status, body, answer = await request(p, "POST", url, data=form, headers=headers)
        tally.note("judge", status, body, answer)
        if status == 200:
            if NOTICE_MARK not in body:
                tally.sent[key] = int(choice)
                tally.retried_acked += refused > 0
            match = KEY_RE.search(body)
            p.key, p.done = (match.group(1), False) if match else (None, True)
            return
        if status == 503:
            refused += 1
            tally.retried += refused == 1
            if refused > RETRY_LIMIT:
                break
            await asyncio.sleep(retry_after(answer))
        elif status == 0:
            await asyncio.sleep(TRANSPORT_RETRY_SECONDS)
        else:
            break  # annotate.js reloads the page on anything unexpected
    else:
        tally.gave_up += 1
    await open_page(base, slug, p, tally)


async def run_load(base, slug, participants, tally, *, seconds: float, think: float) -> None:
    deadline = time.monotonic() + seconds

    async def loop(p: Participant) -> None:
        await open_page(base, slug, p, tally)
        while not p.done and time.monotonic() < deadline:
            await asyncio.sleep(random.expovariate(1 / think))
            await judge(base, slug, p, tally)  # a verdict started is seen through

    await asyncio.gather(*(loop(p) for p in participants))


async def outages(cluster: Cluster, *, seconds: float, stop_seconds: float) -> list[str]:
    t0, log = time.monotonic(), []

    async def at(fraction: float) -> None:
        await asyncio.sleep(max(t0 + seconds * fraction - time.monotonic(), 0))

    def stamp(what: str) -> None:
        log.append(f"  {time.monotonic() - t0:5.1f} s  {what}")

    await at(0.3)
    stamp("pg_ctl restart -m fast")
    await asyncio.to_thread(cluster.restart)
    stamp("cluster back")
    await at(0.6)
    stamp("pg_ctl stop -m fast")
    await asyncio.to_thread(cluster.stop)
    await asyncio.sleep(stop_seconds)
    stamp("pg_ctl start")
    await asyncio.to_thread(cluster.start)
    stamp("cluster back")
    return log


def verdicts_as_sent(server: str, db: str, sent: dict[str, int]) -> bool:
    """Every acknowledged key's judgment holds the choice sent (the retry kept the verdict)."""
    with psycopg.connect(f"{server}/{db}") as conn:
        rows = conn.execute(
            """SELECT a.key::text, j.verdict, j.left_side FROM campaign_assignment a
               JOIN campaign_judgment j ON j.assignment_id = a.id WHERE a.key::text = ANY(%s)""",
            [list(sent)],
        ).fetchall()
    wrong = sum(
        1 for key, verdict, left in rows if verdict != (sent[key] if left == "a" else -sent[key])
    )
    ok = wrong == 0 and len(rows) == len(sent)
    print(f"  {'PASS' if ok else 'FAIL'}  stored verdict = the choice sent: {len(rows)} checked, "
          f"{wrong} differ, {len(sent) - len(rows)} not found")  # fmt: skip
    return ok


async def main_async(args, cluster: Cluster, creds, slug: str) -> bool:
    config = ServerConfig.parse(args.server)
    server = Server(config, args.db, args.port, args.redis_db, server=cluster.url)
    participants: list[Participant] = []
    try:
        await server.wait_ready()
        base = server.base
        keys = await asyncio.to_thread(lambda: [direct_session(uid) for _, _, uid in creds])
        participants += [login_direct(base, key) for key in keys]
        print(f"gunicorn {config}; {len(participants)} participants, think {args.think} s mean,"
              f" {args.seconds:.0f} s; outages:", flush=True)  # fmt: skip
        tally = Tally()  # its clock and the outages' start together
        load = run_load(base, slug, participants, tally, seconds=args.seconds, think=args.think)
        _, log = await asyncio.gather(
            load, outages(cluster, seconds=args.seconds, stop_seconds=args.stop_seconds)
        )
    finally:
        await asyncio.gather(*(p.session.close() for p in participants))
        server.stop()
    print("\n".join(log))
    return report(tally, args, cluster)


def report(tally: Tally, args, cluster: Cluster) -> bool:
    print("\nresponses by status:")
    for kind in ("judge", "page"):
        row = {s: n for (k, s), n in sorted(tally.statuses.items()) if k == kind}
        other = sum(n for s, n in row.items() if s not in (200, 503))
        print(f"  {kind:<6} 200: {row.get(200, 0):>6}   503: {row.get(503, 0):>5}   other: {other}"
              f"  {dict((s, n) for s, n in row.items() if s not in (200, 503))}")  # fmt: skip
    errors = len(tally.server_errors)
    when = " ".join(f"{s}s:{n}" for s, n in sorted(tally.refused_at.items()))
    print(f"  503s by second of the run: {when or '-'}")
    print(f"  500s and other 5xx (must be 0): {errors}")
    for line in tally.server_errors[:10]:
        print(f"    {line}")
    n503 = sum(n for (_, s), n in tally.statuses.items() if s == 503)
    print(f"  503s with Retry-After and the friendly page: {n503 - len(tally.bad_503)} of {n503}")
    print(
        f"  judgments refused with 503 and sent again (same key, same choice): {tally.retried},"
        f" acknowledged in the end: {tally.retried_acked}; given up: {tally.gave_up}"
    )
    print("\ninvariants:")
    ok = check_invariants(args.db, list(tally.sent), server=cluster.url)
    ok = verdicts_as_sent(cluster.url, args.db, tally.sent) and ok
    return ok and errors == 0 and not tally.bad_503


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=40, help="length of the load")
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--stop-seconds", type=float, default=5, help="the stop's length")
    parser.add_argument("--comparisons", type=int, default=800, help="few: many fill up")
    parser.add_argument("--server", default="gthread:3:4", help="class:workers[:threads]")
    parser.add_argument("--db", default="crowdeval_dbrestart")
    parser.add_argument("--port", type=int, default=8775, help="gunicorn's port")
    parser.add_argument("--redis-db", type=int, default=15, help="Redis database number")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # cleaned up as Ctrl-C is
    cluster = Cluster(free_port())
    try:
        cluster.init()
        print(f"private PostgreSQL on port {cluster.port} in {cluster.root}", flush=True)
        recreate_database(args.db, args.redis_db, server=cluster.url)
        os.environ.update(server_env(args.db, args.redis_db, server=cluster.url))
        import django

        django.setup()
        slug = "db-restart"
        campaign_id = create_campaign(slug, args.comparisons)
        creds = create_participants([campaign_id], args.participants)
        from django.db import connections

        connections.close_all()
        ok = asyncio.run(main_async(args, cluster, creds, slug))
    except KeyboardInterrupt:
        print("\ninterrupted: gunicorn and the private cluster stopped", file=sys.stderr)
        return 130
    finally:
        cluster.remove()
    print(f"\n{'OK' if ok else 'FAILED'} (gunicorn log: {GUNICORN_LOG})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
