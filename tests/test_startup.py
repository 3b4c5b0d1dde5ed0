"""`make run`'s start-up path: migrate and seed an empty database, twice."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_migrate_and_seed_on_an_empty_database(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert _manage("migrate", "--noinput", database_url=database_url).returncode == 0
    first = _manage("load_statements", database_url=database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("Published") == 3
    second = _manage("load_statements", database_url=database_url)
    assert "nothing to do" in second.stdout
