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
    .venv/bin/python bench/annotate_load.py --quick --adaptive   # + uniform vs adaptive capacity

``--adaptive`` adds a campaign of the small size under adaptive allocation (priority buckets
0-3 at random on its comparisons, as a scoring run spreads them) and measures capacity on the
uniform and the adaptive campaign alternately, twice each, then prints both.

It drops and recreates the database ``crowdeval_loadbench`` (see --db) on the local server and
runs ``collectstatic`` (DEBUG=0 serves the manifest-hashed static files; staticfiles/ is
ignored by git). Only 127.0.0.1 is contacted.

Autovacuum: this machine's PostgreSQL runs with ``autovacuum = off``, a production one with
it on. Before each measured phase (never inside one) the bench VACUUMs and ANALYZEs the
tables autovacuum's default thresholds would have picked by then (bench/load/maintenance.py,
printed as "autovacuum stand-in"). Without it campaign_assignment, which fills during the
run, was never analyzed and the judge step's assignment lookup scanned the participant's
assignments instead of using the unique key.

Logins: ``--http-logins`` participants log in through allauth's form (timed and reported: a
provisioned password is re-hashed at Django's full PBKDF2 strength on its first login, about
0.3 s of server CPU each); the rest get their session created directly in the session store,
which yields the same cookie a login would, to keep the run short.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load.build import (  # noqa: E402
    GOLD_COMPARISONS,
    create_campaign,
    create_participants,
    direct_session,
    recreate_database,
)
from bench.load.clients import (  # noqa: E402
    THINK_MEAN_SECONDS,
    Participant,
    login_direct,
    login_http,
    open_page,
    run_phase,
)
from bench.load.config import ServerConfig, parse_args, server_env  # noqa: E402
from bench.load.cpu import CpuMeter  # noqa: E402
from bench.load.invariants import check_invariants  # noqa: E402
from bench.load.report import Row, fmt_ms, print_table, summarise, uptime  # noqa: E402
from bench.load.server import Server  # noqa: E402


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

    if args.adaptive:
        await compare_allocations(args, base, campaigns, participants, meter, rows, all_acked)

    capacity_large = None
    if len(slugs) > 1 and not slugs[1].startswith(ADAPTIVE_PREFIX):
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
    print(f"  (a) >= 300 judgments/s: {capacity_small.rate:.1f}/s")
    print(f"  (b) p99 < 50 ms at ~100/s offered: p99 {fmt_ms(live.p99)} ms at {live.rate:.1f}/s")
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


ADAPTIVE_PREFIX = "adaptive-"
ALLOCATION_ROUNDS = 2


async def compare_allocations(args, base, campaigns, participants, meter, rows, acked) -> None:
    """Capacity on the uniform and the adaptive campaign of the same size, alternating
    (uniform, adaptive, uniform, ...) so the shared machine's moods hit both alike."""
    uniform = next(iter(campaigns))
    adaptive = next(slug for slug in campaigns if slug.startswith(ADAPTIVE_PREFIX))

    sem = asyncio.Semaphore(8)

    async def open_all(slug: str) -> None:
        # Each participant holds one item key: reload the page of the campaign about to be
        # judged, which resumes its lease there (else the first post would name the other's).
        async def one(p: Participant) -> None:
            async with sem:
                await open_page(base, slug, p)

        await asyncio.gather(*(one(p) for p in participants))

    rates: dict[str, list[float]] = {uniform: [], adaptive: []}
    for _ in range(ALLOCATION_ROUNDS):
        for slug in (uniform, adaptive):
            await open_all(slug)
            phase = await run_phase(
                base, slug, participants, seconds=args.seconds - 5, warmup=5, think=0, meter=meter
            )
            acked += phase[0].acked
            label = "adaptive" if slug == adaptive else "uniform"
            row = summarise(f"(c) capacity, {label}, {campaigns[slug]:,}", phase, latencies=True)
            rows.append(row)
            rates[slug].append(row.rate)
            print(f"  capacity {label}: {row.rate:.1f}/s ({uptime()})", flush=True)
    mean = {slug: sum(values) / len(values) for slug, values in rates.items()}
    print(
        f"  adaptive vs uniform capacity: {mean[adaptive]:.1f} vs {mean[uniform]:.1f}/s "
        f"({mean[adaptive] / max(mean[uniform], 1e-9):.0%} of uniform, "
        f"{ALLOCATION_ROUNDS} alternating runs each)",
        flush=True,
    )


def config_str(config: ServerConfig) -> str:
    return str(config)


def slugs_label(campaigns: dict[str, int], slug: str) -> str:
    return f"{campaigns[slug]:,} comparisons"


def main() -> None:
    args = parse_args(__doc__.split("\n\n")[0])
    t0 = time.monotonic()
    print(f"annotate load bench: {uptime()}", flush=True)
    recreate_database(args.db, args.redis_db)
    os.environ.update(server_env(args.db, args.redis_db))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    campaigns: dict[str, int] = {}
    sizes = [(args.small, "uniform")] + ([(args.large, "uniform")] if args.large else [])
    if args.adaptive:
        sizes.append((args.small, "adaptive"))
    for size, allocation in sizes:
        t = time.monotonic()
        slug = f"{ADAPTIVE_PREFIX if allocation == 'adaptive' else ''}bench-{size}"
        ids = create_campaign(slug, size, allocation)
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
