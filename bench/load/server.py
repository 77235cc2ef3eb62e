"""Gunicorn serving the product on 127.0.0.1, started and stopped by the bench."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.database import SERVER
from bench.load.config import PYTHON, ROOT, ServerConfig, server_env

GUNICORN_LOG = Path(tempfile.gettempdir()) / "annotate_load.gunicorn.log"


class Server:
    def __init__(
        self, config: ServerConfig, db: str, port: int, redis_db: int = 14, *, server: str = SERVER
    ) -> None:
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
            command,
            env=server_env(db, redis_db, server=server),
            cwd=ROOT,
            stdout=self.log,
            stderr=self.log,
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
