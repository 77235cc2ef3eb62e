"""Load test of the annotate loop: simulated participants against gunicorn and PostgreSQL.

Issue 3. Each simulated participant has its own session (own cookie jar) and does what
static/annotate.js does: GET /c/<slug>/annotate/ once for the page and its current item, then
POST the judge form to /c/<slug>/annotate/<key>/judge/ with ``X-Requested-With: fetch`` and the
CSRF token, and reads the next item's key out of the HTML fragment it gets back.

Modes, on the small campaign (default 10,000 comparisons):

* capacity -- no think time; judgments per second sustained after a short warm-up;
* live contest -- an exponentially distributed 5 s pause between judgments (about 100
  judgments per second offered with 500 participants): p50/p95/p99 of "submit a verdict and
  receive the next item", measured after a warm-up;

then capacity again on the large campaign (default 1,000,000 comparisons). It prints the CPU
used by the gunicorn processes, the load generator, PostgreSQL (backends of the bench database
plus its background processes) and the rest of the machine (this box is shared), then checks
the invariants on the database. It never asserts timings.

    .venv/bin/pip install aiohttp==3.14.5
    .venv/bin/python bench/annotate_load.py            # full run, about 5-6 minutes
    .venv/bin/python bench/annotate_load.py --quick    # a smoke run, about 1.5 minutes

It drops and recreates the database ``crowdeval_loadbench`` (see --db) on the local server and
runs ``collectstatic`` (DEBUG=0 serves the manifest-hashed static files; staticfiles/ is
ignored by git). Only 127.0.0.1 is contacted.

Logins: ``--http-logins`` participants log in through allauth's form (timed and reported: a
provisioned password is re-hashed at Django's full PBKDF2 strength on its first login, about
0.3 s of server CPU each); the rest get their session created directly in the session store,
which yields the same cookie a login would, to keep the run short.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg
from yarl import URL

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
GUNICORN_LOG = Path(tempfile.gettempdir()) / "annotate_load.gunicorn.log"
CONTENDERS = 8  # 28 pairs per prompt
GOLD_COMPARISONS = 200
CHOICES = ("-2", "-1", "0", "1", "2")
THINK_MEAN_SECONDS = 5.0
KEY_RE = re.compile(r"/annotate/([0-9a-f-]{36})/judge/")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTICE_MARK = 'class="notice"'
RESPONSE_TEXT = (
    "Here is one way to do it.\n\n1. Read the input line by line.\n2. Keep a running total "
    "in a dictionary keyed by the first field.\n3. Print the totals sorted by key.\n\n"
    "```python\ntotals = {}\nfor line in lines:\n    k, v = line.split()\n"
    "    totals[k] = totals.get(k, 0) + int(v)\n```\n\nThis runs in linear time."
)
PROMPT_TEXT = "Write a short program that sums the second column of a file, grouped by the first."


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # sync | gthread
    workers: int
    threads: int = 1

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        parts = text.split(":")
        threads = int(parts[2]) if len(parts) > 2 else 1
        return cls(worker_class=parts[0], workers=int(parts[1]), threads=threads)

    def __str__(self) -> str:
        if self.worker_class == "gthread":
            return f"gthread {self.workers}w x {self.threads}t"
        return f"{self.worker_class} x{self.workers}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=25, help="capacity run length")
    parser.add_argument("--live-seconds", type=float, default=60, help="live run, measured")
    parser.add_argument("--warmup", type=float, default=10, help="live run warm-up")
    parser.add_argument(
        "--sizes", default=None, help="comparisons: small (all modes),large; 10000,1000000"
    )
    parser.add_argument(
        "--servers",
        default="sync:3,sync:4,gthread:3:4",
        help="gunicorn options to probe (class:workers[:threads]); the best is kept",
    )
    parser.add_argument("--probe-seconds", type=float, default=8)
    parser.add_argument("--http-logins", type=int, default=30)
    parser.add_argument("--db", default="crowdeval_loadbench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis-db", type=int, default=14, help="Redis database number")
    parser.add_argument("--quick", action="store_true", help="small and short smoke run")
    args = parser.parse_args()
    if args.quick:
        args.participants = min(args.participants, 100)
        args.seconds, args.live_seconds, args.warmup = 8, 12, 3
        args.sizes = args.sizes or "10000,100000"
        args.servers = args.servers.split(",")[-1]
        args.http_logins = min(args.http_logins, 5)
    sizes = [int(size) for size in (args.sizes or "10000,1000000").split(",")]
    args.small, args.large = sizes[0], (sizes[1] if len(sizes) > 1 else None)
    args.server_configs = [ServerConfig.parse(item) for item in args.servers.split(",")]
    return args


def server_env(db: str, redis_db: int = 14) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="loadbench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        CONN_MAX_AGE="600",
        REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


# --- database setup --------------------------------------------------------------------------


def recreate_database(db: str, redis_db: int = 14) -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    env = server_env(db, redis_db)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)


def create_campaign(slug: str, comparisons: int) -> int:
    """A campaign with `comparisons` regular comparisons plus gold, inserted in bulk SQL."""
    from django.db import connection

    from campaign.models import Campaign, Contender

    campaign = Campaign.objects.create(slug=slug, title=f"Load bench {slug}", status="open")
    Contender.objects.bulk_create(
        [Contender(campaign=campaign, name=f"model-{i}") for i in range(CONTENDERS)]
    )
    pairs = CONTENDERS * (CONTENDERS - 1) // 2
    prompts = math.ceil(comparisons / pairs)
    c = campaign.pk
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO campaign_prompt (campaign_id, external_id, text, category, metadata)
               SELECT %s, 'p' || g, %s || ' (#' || g || ')', '', '{}'
               FROM generate_series(1, %s) g""",
            [c, PROMPT_TEXT, prompts],
        )
        cur.execute(
            """INSERT INTO campaign_prompt (campaign_id, external_id, text, category, metadata)
               SELECT %s, 'g' || g, %s || ' (gold #' || g || ')', 'gold', '{}'
               FROM generate_series(1, %s) g""",
            [c, PROMPT_TEXT, GOLD_COMPARISONS],
        )
        cur.execute(
            """INSERT INTO campaign_response (prompt_id, contender_id, text)
               SELECT p.id, k.id, k.name || ' says: ' || %s || ' [' || p.id || ']'
               FROM campaign_prompt p CROSS JOIN campaign_contender k
               WHERE p.campaign_id = %s AND k.campaign_id = %s
                 AND (p.category = '' OR k.name IN ('model-0', 'model-1'))""",
            [RESPONSE_TEXT, c, c],
        )
        for gold, limit in ((False, comparisons), (True, GOLD_COMPARISONS)):
            gold_side = "CASE WHEN random() < 0.5 THEN 'a' ELSE 'b' END" if gold else "''"
            cur.execute(  # the only interpolation is the constant gold_side expression
                f"""INSERT INTO campaign_comparison
                      (campaign_id, prompt_id, response_a_id, response_b_id, gold_side, load,
                       shuffle)
                    SELECT %s, a.prompt_id, a.id, b.id,
                           {gold_side},
                           0, floor(random() * 2147483648)::int
                    FROM campaign_prompt p
                    JOIN campaign_response a ON a.prompt_id = p.id
                    JOIN campaign_response b ON b.prompt_id = p.id
                                            AND a.contender_id < b.contender_id
                    WHERE p.campaign_id = %s AND p.category = %s
                    LIMIT %s""",  # noqa: S608
                [c, c, "gold" if gold else "", limit],
            )
        for table in ("campaign_prompt", "campaign_response", "campaign_comparison"):
            cur.execute(f"ANALYZE {table}")
    return c


def create_participants(campaign_ids: list[int], count: int) -> list[tuple[str, str, int]]:
    from accounts.models import User
    from campaign.models import Campaign, Enrollment
    from campaign.participants.provisioning import provision_annotators

    first = Campaign.objects.get(pk=campaign_ids[0])
    credentials = provision_annotators(campaign=first, count=count)
    users = dict(
        User.objects.filter(username__in=[c.username for c in credentials]).values_list(
            "username", "pk"
        )
    )
    for campaign_id in campaign_ids[1:]:
        Enrollment.objects.bulk_create(
            [Enrollment(campaign_id=campaign_id, user_id=pk) for pk in users.values()]
        )
    return [(c.username, c.password, users[c.username]) for c in credentials]


def direct_session(user_id: int) -> str:
    """The session a login would create (auth keys and the session hash), stored directly."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.get(pk=user_id)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


# --- CPU accounting --------------------------------------------------------------------------


def proc_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
    return kids


def machine_ticks() -> tuple[int, int]:
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


@dataclass
class CpuSnapshot:
    wall: float
    server: int
    generator: float
    postgres: dict[int, int]
    machine_busy: int


class CpuMeter:
    def __init__(self, db: str, server_pid: int) -> None:
        self.server_pid = server_pid
        self.pg = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}", autocommit=True)

    def pg_pids(self) -> list[int]:
        rows = self.pg.execute(
            "SELECT pid FROM pg_stat_activity WHERE (datname = current_database() OR "
            "backend_type <> 'client backend') AND pid <> pg_backend_pid()"
        ).fetchall()
        return [row[0] for row in rows]

    def snap(self) -> CpuSnapshot:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        server = sum(proc_ticks(p) for p in [self.server_pid, *children_of(self.server_pid)])
        return CpuSnapshot(
            wall=time.monotonic(),
            server=server,
            generator=usage.ru_utime + usage.ru_stime,
            postgres={pid: proc_ticks(pid) for pid in self.pg_pids()},
            machine_busy=machine_ticks()[0],
        )

    @staticmethod
    def cores(a: CpuSnapshot, b: CpuSnapshot) -> dict[str, float]:
        wall = b.wall - a.wall
        # Backends that started in the window count from zero; those that ended are lost.
        pg = sum(ticks - a.postgres.get(pid, 0) for pid, ticks in b.postgres.items())
        result = {
            "server": (b.server - a.server) / CLK_TCK / wall,
            "generator": (b.generator - a.generator) / wall,
            "postgres": pg / CLK_TCK / wall,
            "machine": (b.machine_busy - a.machine_busy) / CLK_TCK / wall,
        }
        result["other"] = max(
            result["machine"] - result["server"] - result["generator"] - result["postgres"], 0
        )
        return result


# --- gunicorn --------------------------------------------------------------------------------


class Server:
    def __init__(self, config: ServerConfig, db: str, port: int, redis_db: int = 14) -> None:
        self.config = config
        self.base = f"http://127.0.0.1:{port}"
        gunicorn = str(Path(PYTHON).with_name("gunicorn"))
        command = [
            gunicorn,
            "config.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={config.workers}",
            f"--worker-class={config.worker_class}",
            f"--threads={config.threads}",
            "--backlog=2048",
            "--timeout=120",
            "--keep-alive=5",
            "--log-level=warning",
        ]
        self.log = open(GUNICORN_LOG, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, env=server_env(db, redis_db), cwd=ROOT, stdout=self.log, stderr=self.log
        )

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                try:
                    async with session.get(self.base + "/accounts/login/") as response:
                        if response.status == 200:
                            await asyncio.sleep(1.0)  # let every worker finish booting
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up; see {GUNICORN_LOG}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- participants ----------------------------------------------------------------------------


@dataclass
class Participant:
    session: aiohttp.ClientSession
    csrf: str = ""
    key: str | None = None
    done: bool = False


@dataclass
class Record:
    start: float
    end: float
    status: int  # HTTP status, or 0 for a transport error
    key: str
    notice: bool = False


@dataclass
class Results:
    records: list[Record] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)  # judged keys answered 200 + next item


def new_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=1, keepalive_timeout=1.0)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for an IP address host
        timeout=aiohttp.ClientTimeout(total=120),
    )


async def login_http(base: str, username: str, password: str) -> Participant:
    session = new_session()
    async with session.get(base + "/accounts/login/") as response:
        page = await response.text()
    token = CSRF_RE.search(page).group(1)
    form = {"login": username, "password": password, "csrfmiddlewaretoken": token}
    async with session.post(
        base + "/accounts/login/", data=form, allow_redirects=False, headers={"Referer": base}
    ) as response:
        await response.read()
        if response.status != 302:
            raise RuntimeError(f"login of {username} answered {response.status}")
    return Participant(session=session)


def login_direct(base: str, session_key: str) -> Participant:
    session = new_session()
    session.cookie_jar.update_cookies({"sessionid": session_key}, URL(base + "/"))
    return Participant(session=session)


async def open_page(base: str, slug: str, participant: Participant) -> None:
    """GET the annotate page: the item on screen and the form's CSRF token."""
    async with participant.session.get(f"{base}/c/{slug}/annotate/") as response:
        page = await response.text()
        if response.status != 200:
            raise RuntimeError(f"annotate page answered {response.status}")
    participant.csrf = CSRF_RE.search(page).group(1) if CSRF_RE.search(page) else participant.csrf
    match = KEY_RE.search(page)
    participant.key = match.group(1) if match else None
    participant.done = match is None


async def judge(base: str, slug: str, participant: Participant, results: Results) -> None:
    key = participant.key
    form = {
        "csrfmiddlewaretoken": participant.csrf,
        "choice": random.choice(CHOICES),
        "rationale": "",
        "seconds": f"{random.uniform(2, 9):.1f}",
    }
    headers = {"X-Requested-With": "fetch", "X-CSRFToken": participant.csrf}
    start = time.monotonic()
    status, body = 0, ""
    try:
        async with participant.session.post(
            f"{base}/c/{slug}/annotate/{key}/judge/",
            data=form,
            headers=headers,
            allow_redirects=False,
        ) as response:
            body = await response.text()
            status = response.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    record = Record(start=start, end=time.monotonic(), status=status, key=key)
    results.records.append(record)
    if status == 200:
        record.notice = NOTICE_MARK in body
        if not record.notice:
            results.acked.append(key)
        match = KEY_RE.search(body)
        participant.key = match.group(1) if match else None
        participant.done = match is None
    else:
        # What the page does on anything unexpected: reload, i.e. resume from the page.
        try:
            await open_page(base, slug, participant)
        except (aiohttp.ClientError, TimeoutError, RuntimeError):
            await asyncio.sleep(1)


async def run_phase(
    base: str,
    slug: str,
    participants: list[Participant],
    *,
    seconds: float,
    warmup: float,
    think: float,
    meter: CpuMeter,
) -> tuple[Results, dict[str, float], float, float]:
    results = Results()
    t0 = time.monotonic()
    measure_from, deadline = t0 + warmup, t0 + warmup + seconds

    async def loop(participant: Participant) -> None:
        if think:
            await asyncio.sleep(random.expovariate(1 / think))
        while not participant.done and time.monotonic() < deadline:
            await judge(base, slug, participant, results)
            if think:
                await asyncio.sleep(random.expovariate(1 / think))

    tasks = [asyncio.create_task(loop(p)) for p in participants]
    await asyncio.sleep(max(measure_from - time.monotonic(), 0))
    before = meter.snap()
    await asyncio.sleep(max(deadline - time.monotonic(), 0))
    after = meter.snap()
    await asyncio.wait(tasks, timeout=150)
    return results, CpuMeter.cores(before, after), measure_from, deadline


@dataclass
class Row:
    label: str
    rate: float
    p50: float | None
    p95: float | None
    p99: float | None
    errors: int
    cpu: dict[str, float]


def summarise(label: str, phase, *, latencies: bool) -> Row:
    results, cpu, measure_from, deadline = phase
    window = [r for r in results.records if measure_from <= r.start < deadline]
    ok_ended = [r for r in results.records if r.status == 200 and measure_from <= r.end < deadline]
    rate = len(ok_ended) / (deadline - measure_from)
    ms = sorted((r.end - r.start) * 1000 for r in window if r.status == 200)
    p50 = p95 = p99 = None
    if latencies and len(ms) >= 2:
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
    errors = sum(1 for r in results.records if r.status != 200 or r.notice)
    return Row(label, rate, p50, p95, p99, errors, cpu)


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def per_judgment(rate: float):
    return (lambda cores: f"{1000 * cores / rate:.1f}") if rate else (lambda cores: "-")


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'run':<44} {'judg/s':>7} {'p50ms':>6} {'p95ms':>6} {'p99ms':>6} {'err':>4}"
        f" | {'cores: server':>13} {'generator':>9} {'postgres':>8} {'other':>6} {'machine':>7}"
        f" | {'srv ms/j':>8} {'pg ms/j':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        c = row.cpu
        per = per_judgment(row.rate)
        print(
            f"{row.label:<44} {row.rate:>7.1f} {fmt_ms(row.p50):>6} {fmt_ms(row.p95):>6}"
            f" {fmt_ms(row.p99):>6} {row.errors:>4} | {c['server']:>13.2f} {c['generator']:>9.2f}"
            f" {c['postgres']:>8.2f} {c['other']:>6.2f} {c['machine']:>7.2f}"
            f" | {per(c['server']):>8} {per(c['postgres']):>7}"
        )


# --- invariants ------------------------------------------------------------------------------


def check_invariants(db: str, acked: list[str]) -> bool:
    ok = True
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{db}") as conn:

        def one(sql: str) -> int:
            return conn.execute(sql).fetchone()[0]

        def report(name: str, bad: int, detail: str) -> None:
            nonlocal ok
            ok = ok and bad == 0
            print(f"  {'PASS' if bad == 0 else 'FAIL'}  {name}: {detail}")

        total = one("SELECT count(*) FROM campaign_judgment")
        over = one(
            """SELECT count(*) FROM (
                 SELECT j.comparison_id FROM campaign_judgment j
                 JOIN campaign_comparison c ON c.id = j.comparison_id AND c.gold_side = ''
                 JOIN campaign_campaign k ON k.id = c.campaign_id
                 GROUP BY j.comparison_id, k.judgments_per_comparison
                 HAVING count(*) > k.judgments_per_comparison) t"""
        )
        full = one(
            """SELECT count(*) FROM (
                 SELECT j.comparison_id FROM campaign_judgment j
                 JOIN campaign_comparison c ON c.id = j.comparison_id AND c.gold_side = ''
                 GROUP BY j.comparison_id HAVING count(*) = 3) t"""
        )
        report(
            "no regular comparison over judgments_per_comparison",
            over,
            f"{over} over target; {full} comparisons exactly at target; {total} judgments",
        )
        twice = one(
            """SELECT count(*) FROM (SELECT 1 FROM campaign_judgment
                 GROUP BY comparison_id, annotator_id HAVING count(*) > 1) t"""
        )
        report("no (comparison, annotator) judged twice", twice, f"{twice} pairs twice")
        load_bad = one(
            """SELECT count(*) FROM campaign_comparison c WHERE c.gold_side = '' AND c.load <>
                 (SELECT count(*) FROM campaign_judgment j WHERE j.comparison_id = c.id)
               + (SELECT count(*) FROM campaign_assignment a
                  WHERE a.comparison_id = c.id AND a.status = 'open')"""
        )
        report("load = judgments + open leases (regular)", load_bad, f"{load_bad} comparisons off")
        conn.execute("CREATE TEMP TABLE acked (key uuid)")
        with conn.cursor().copy("COPY acked (key) FROM STDIN") as copy:
            for key in acked:
                copy.write_row((key,))
        stored = dict(
            conn.execute(
                """SELECT n, count(*) FROM (
                     SELECT k.key, count(j.id) AS n FROM acked k
                     LEFT JOIN campaign_assignment a ON a.key = k.key
                     LEFT JOIN campaign_judgment j ON j.assignment_id = a.id
                     GROUP BY k.key) t GROUP BY n"""
            ).fetchall()
        )
        distinct = len(set(acked))
        missing, multiple = stored.get(0, 0), sum(v for n, v in stored.items() if n > 1)
        report(
            "every acknowledged submission stored exactly once",
            missing + multiple + (len(acked) - distinct),
            f"{len(acked)} acknowledged ({distinct} distinct keys): {stored.get(1, 0)} stored "
            f"once, {missing} missing, {multiple} stored more than once",
        )
        print(f"  info  judgments not acknowledged (in flight at a cut-off): {total - distinct}")
    return ok


# --- main ------------------------------------------------------------------------------------


def uptime() -> str:
    with open("/proc/loadavg") as f:
        return "load average " + " ".join(f.read().split()[:3])


async def main_async(args: argparse.Namespace, creds, campaigns: dict[str, int]) -> None:
    slugs = list(campaigns)
    small = slugs[0]
    base = f"http://127.0.0.1:{args.port}"
    rows: list[Row] = []
    all_acked: list[str] = []

    # Sessions: some through allauth's form (timed), the rest directly in the session store.
    configs = args.server_configs
    server = Server(configs[0], args.db, args.port, args.redis_db)
    await server.wait_ready()
    meter = CpuMeter(args.db, server.process.pid)
    n_http = min(args.http_logins, len(creds))
    before, t = meter.snap(), time.monotonic()
    sem = asyncio.Semaphore(8)

    async def http_login(username: str, password: str) -> Participant:
        async with sem:
            return await login_http(base, username, password)

    participants = list(await asyncio.gather(*(http_login(u, p) for u, p, _ in creds[:n_http])))
    login_wall, login_cpu = time.monotonic() - t, CpuMeter.cores(before, meter.snap())
    if n_http:
        print(
            f"logins through allauth: {n_http} in {login_wall:.1f} s "
            f"({n_http / login_wall:.1f}/s, 8 at a time, server {config_str(configs[0])}); "
            f"server CPU {login_cpu['server'] * login_wall / n_http * 1000:.0f} ms per login"
        )
    keys = await asyncio.to_thread(lambda: [direct_session(uid) for _, _, uid in creds[n_http:]])
    participants += [login_direct(base, key) for key in keys]
    print(f"sessions created directly: {len(keys)}")

    async def open_all(slug: str) -> None:
        async def one(p: Participant) -> None:
            async with sem:
                await open_page(base, slug, p)

        await asyncio.gather(*(one(p) for p in participants))

    await open_all(small)

    # Probe the server options briefly; keep the best.
    best = configs[0]
    if len(configs) > 1:
        scores = {}
        for i, config in enumerate(configs):
            if i > 0:
                server.stop()
                server = Server(config, args.db, args.port, args.redis_db)
                await server.wait_ready()
                meter.server_pid = server.process.pid
            phase = await run_phase(
                base,
                small,
                participants,
                seconds=args.probe_seconds,
                warmup=2,
                think=0,
                meter=meter,
            )
            all_acked += phase[0].acked
            row = summarise(
                f"probe {config} ({slugs_label(campaigns, small)})", phase, latencies=False
            )
            rows.append(row)
            scores[config] = row.rate
            print(f"  probe {config}: {row.rate:.1f} judgments/s", flush=True)
        best = max(scores, key=scores.get)
        if best != configs[-1]:
            server.stop()
            server = Server(best, args.db, args.port, args.redis_db)
            await server.wait_ready()
            meter.server_pid = server.process.pid
    print(f"server kept: gunicorn {best}  ({uptime()})", flush=True)

    phase = await run_phase(
        base, small, participants, seconds=args.seconds - 5, warmup=5, think=0, meter=meter
    )
    all_acked += phase[0].acked
    capacity_small = summarise(
        f"(a) capacity, {slugs_label(campaigns, small)}", phase, latencies=True
    )
    rows.append(capacity_small)
    print(f"  capacity done: {capacity_small.rate:.1f}/s ({uptime()})", flush=True)

    phase = await run_phase(
        base,
        small,
        participants,
        seconds=args.live_seconds,
        warmup=args.warmup,
        think=THINK_MEAN_SECONDS,
        meter=meter,
    )
    all_acked += phase[0].acked
    rows.append(
        summarise(f"(b) live 5 s think, {slugs_label(campaigns, small)}", phase, latencies=True)
    )
    print(f"  live done ({uptime()})", flush=True)

    capacity_large = None
    if len(slugs) > 1:
        large = slugs[1]
        await open_all(large)
        phase = await run_phase(
            base, large, participants, seconds=args.seconds - 5, warmup=5, think=0, meter=meter
        )
        all_acked += phase[0].acked
        capacity_large = summarise(
            f"(a) capacity, {slugs_label(campaigns, large)}", phase, latencies=True
        )
        rows.append(capacity_large)

    server.stop()
    for p in participants:
        await p.session.close()
    meter.pg.close()

    print()
    print(
        f"gunicorn {best}; {len(participants)} participants; {os.cpu_count()} cores; "
        f"{uptime()} at the end"
    )
    print_table(rows)
    live = rows[-2] if capacity_large else rows[-1]
    print()
    print("targets (printed, never asserted):")
    print(f"  (a) >= 200 judgments/s: {capacity_small.rate:.1f}/s")
    print(f"  (b) p99 < 300 ms at ~100/s offered: p99 {fmt_ms(live.p99)} ms at {live.rate:.1f}/s")
    if capacity_large:
        ratio = max(capacity_small.rate, capacity_large.rate) / max(
            min(capacity_small.rate, capacity_large.rate), 1e-9
        )
        print(
            f"  sizes within 1.5x: {capacity_small.rate:.1f} vs {capacity_large.rate:.1f}/s "
            f"(ratio {ratio:.2f})"
        )
    print()
    print("invariants:")
    check_invariants(args.db, all_acked)


def config_str(config: ServerConfig) -> str:
    return str(config)


def slugs_label(campaigns: dict[str, int], slug: str) -> str:
    return f"{campaigns[slug]:,} comparisons"


def main() -> None:
    args = parse_args()
    t0 = time.monotonic()
    print(f"annotate load bench: {uptime()}", flush=True)
    recreate_database(args.db, args.redis_db)
    os.environ.update(server_env(args.db, args.redis_db))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    campaigns: dict[str, int] = {}
    for size in [args.small] + ([args.large] if args.large else []):
        t = time.monotonic()
        slug = f"bench-{size}"
        ids = create_campaign(slug, size)
        campaigns[slug] = size
        print(
            f"campaign {slug}: {size:,} comparisons + {GOLD_COMPARISONS} gold "
            f"in {time.monotonic() - t:.1f} s (id {ids})",
            flush=True,
        )
    from campaign.models import Campaign

    ids = list(
        Campaign.objects.filter(slug__in=campaigns).order_by("pk").values_list("pk", flat=True)
    )
    t = time.monotonic()
    creds = create_participants(ids, args.participants)
    print(f"{len(creds)} participants provisioned in {time.monotonic() - t:.1f} s", flush=True)
    from django.db import connections

    connections.close_all()
    asyncio.run(main_async(args, creds, campaigns))
    print(f"\ntotal run time {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
