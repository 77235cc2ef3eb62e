"""The WSGI entry point: the app's load-time objects kept out of the cyclic collector."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import gc; import config.wsgi as w; "
    "frozen = gc.get_freeze_count(); "
    "print(frozen, gc.isenabled(), gc.collect() >= 0, callable(w.application))"
)


def test_loading_the_app_freezes_what_it_made_and_leaves_the_collector_on():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()

    frozen, enabled, collects, app = out
    assert int(frozen) > 10_000  # Django, the project's modules and models
    assert (enabled, collects, app) == ("True", "True", "True")
