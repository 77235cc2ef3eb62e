"""Settings come from the environment; production refuses the development secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "crowdeval.example.org",
    "DATABASE_URL": "sqlite:////tmp/crowdeval-deploy-check.sqlite3",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_python("manage.py", *args, env=env)


def read_setting(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The settings module alone, imported fresh under ``env``: what a setting comes out as,
    without the seconds that booting every app (``manage.py shell``) costs."""
    return run_python("-c", f"import config.settings as s; print(s.{name})", env=env)


def run_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process setting, not a deploy one.
    leave_out = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in leave_out}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_with_the_development_secret():
    env = PRODUCTION | {"SECRET_KEY": ""}

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_boolean_is_a_clear_error():
    result = run_manage("check", env={"DEBUG": "maybe"})

    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_a_visibility_timeout_shorter_than_the_task_time_limit_is_refused():
    # The broker would hand a scoring job that is still running to a second worker.
    env = {"CELERY_TASK_TIME_LIMIT": "900", "CELERY_VISIBILITY_TIMEOUT": "600"}

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT (600 s) must be longer than CELERY_TASK_TIME_LIMIT" in (
        result.stderr
    )


def test_a_visibility_timeout_longer_than_the_task_time_limit_is_accepted():
    env = {"CELERY_TASK_TIME_LIMIT": "900", "CELERY_VISIBILITY_TIMEOUT": "1200"}

    result = run_manage("check", env=env)

    assert result.returncode == 0, result.stderr


def test_a_soft_time_limit_not_below_the_hard_one_is_refused():
    env = {"CELERY_TASK_TIME_LIMIT": "600", "CELERY_TASK_SOFT_TIME_LIMIT": "600"}

    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "CELERY_TASK_SOFT_TIME_LIMIT (600 s) must be shorter" in result.stderr
