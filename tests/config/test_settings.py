"""Settings come from the environment; production refuses the development secret.

Every entry point (manage.py, the WSGI app, the Celery worker) starts by importing
config/settings.py, and the settings refuse a bad environment while being imported. So the
refusals are checked by running that module afresh in this process under the environment
(``settings_under``): the same code, without booting a Python and Django per case. One real
``manage.py check --deploy`` under production settings runs in a subprocess.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "crowdeval.example.org",
    "DATABASE_URL": "sqlite:////tmp/crowdeval-deploy-check.sqlite3",
}


def settings_under(env: dict[str, str]) -> dict[str, Any]:
    """config/settings.py run afresh under this process's environment without PRODUCTION's
    keys, plus ``env``: the settings any entry point would start with (or its refusal)."""
    with mock.patch.dict(os.environ):  # restored afterwards, whatever the module did
        for key in PRODUCTION:
            os.environ.pop(key, None)
        os.environ.update(env)
        return runpy.run_path(str(ROOT / "config" / "settings.py"), run_name="settings_probe")


def read_setting(name: str, env: dict[str, str]) -> Any:
    """What setting ``name`` comes out as under ``env``."""
    return settings_under(env)[name]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is a test-process setting, not a deploy one.
    leave_out = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in leave_out}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_with_the_development_secret():
    with pytest.raises(ImproperlyConfigured, match="Set SECRET_KEY"):
        settings_under(PRODUCTION | {"SECRET_KEY": ""})


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_malformed_boolean_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be a boolean"):
        settings_under({"DEBUG": "maybe"})


def test_a_visibility_timeout_shorter_than_the_task_time_limit_is_refused():
    # The broker would hand a scoring job that is still running to a second worker.
    env = {"CELERY_TASK_TIME_LIMIT": "900", "CELERY_VISIBILITY_TIMEOUT": "600"}

    with pytest.raises(ImproperlyConfigured) as refused:
        settings_under(env)

    assert "CELERY_VISIBILITY_TIMEOUT (600 s) must be longer than CELERY_TASK_TIME_LIMIT" in (
        str(refused.value)
    )


def test_a_visibility_timeout_longer_than_the_task_time_limit_is_accepted():
    env = {"CELERY_TASK_TIME_LIMIT": "900", "CELERY_VISIBILITY_TIMEOUT": "1200"}

    settings = settings_under(env)

    assert settings["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] == 1200


def test_a_soft_time_limit_not_below_the_hard_one_is_refused():
    env = {"CELERY_TASK_TIME_LIMIT": "600", "CELERY_TASK_SOFT_TIME_LIMIT": "600"}

    with pytest.raises(
        ImproperlyConfigured, match=r"CELERY_TASK_SOFT_TIME_LIMIT \(600 s\) must be"
    ):
        settings_under(env)
