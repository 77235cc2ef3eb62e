"""Fail fast, with a clear message, when PostgreSQL or Redis is not reachable for the tests."""

from __future__ import annotations

import sys

import psycopg
import redis


def main(database_url: str, redis_url: str) -> int:
    problems = []
    try:
        psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
    except psycopg.OperationalError as error:
        problems.append(
            f"PostgreSQL is not reachable at {database_url}: {error}. Start it with: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        problems.append(
            f"Redis is not reachable at {redis_url}: {error}. Start it with: redis-server "
            '--daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
