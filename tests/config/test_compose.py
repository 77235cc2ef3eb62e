"""The compose file restarts what exits and keeps Redis's queue across restarts."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def services() -> dict[str, dict[str, object]]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_service_restarts_after_it_exits() -> None:
    # A worker that dies (a broker fault, an out-of-memory kill) must come back by itself.
    policies = {name: service.get("restart") for name, service in services().items()}
    assert policies == {name: "unless-stopped" for name in policies}
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(policies)


def test_redis_keeps_queued_scoring_jobs_across_a_restart() -> None:
    redis = services()["redis"]
    assert "--appendonly yes" in str(redis["command"])
    assert any(str(volume).endswith(":/data") for volume in redis["volumes"])
