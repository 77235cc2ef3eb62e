"""The simulated participants: what static/annotate.js does, over aiohttp, with think time."""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field

import aiohttp
from yarl import URL

from bench.load.cpu import CpuMeter
from bench.load.maintenance import autovacuum_due

CHOICES = ("-2", "-1", "0", "1", "2")
THINK_MEAN_SECONDS = 5.0
KEY_RE = re.compile(r"/annotate/([0-9a-f-]{36})/judge/")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTICE_MARK = 'class="notice"'


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
    # What the production server's autovacuum would have done by now (the shared one has it off).
    done = await asyncio.to_thread(autovacuum_due, meter.pg)
    print(f"    autovacuum stand-in: {', '.join(done) or 'nothing due'}", flush=True)
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
