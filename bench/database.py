"""A fresh, migrated database for a bench: the one setup step every database bench shares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgresql://postgres@127.0.0.1:5432"


def fresh_database(
    db: str, env: dict[str, str], *, server: str = SERVER, code: Path = ROOT
) -> None:
    """Drop `db` (closing its connections), create it and migrate it with `code`'s migrations.

    `env` is the environment manage.py runs in; its DATABASE_URL must point at `db`. `code` is
    the checkout whose schema the bench measures (a ``--code`` checkout brings its own).
    """
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    manage = [sys.executable, str(code / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "-v0"], env=env | {"PYTHONPATH": str(code)}, cwd=code, check=True
    )
