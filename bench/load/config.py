"""The bench's arguments, the gunicorn options it probes and the servers' environment."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.database import SERVER

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


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


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
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
    parser.add_argument(
        "--adaptive",
        action="store_true",
        help="also an adaptive campaign of the small size: capacity on it and on the uniform "
        "one, alternating, in the same run",
    )
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


def server_env(db: str, redis_db: int = 14, *, server: str = SERVER) -> dict[str, str]:
    """The servers' environment; `server` is the PostgreSQL to use (bench/db_restart.py's own)."""
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
        DATABASE_URL=f"{server}/{db}",
        CONN_MAX_AGE="600",
        REDIS_URL=f"redis://127.0.0.1:6379/{redis_db}",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env
