"""`make run`'s start-up path: migrate and seed an empty database, twice."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_migrate_and_seed_on_an_empty_database(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert _manage("migrate", "--noinput", DATABASE_URL=database_url).returncode == 0
    first = _manage("load_statements", DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("Published") == 3
    second = _manage("load_statements", DATABASE_URL=database_url)
    assert "nothing to do" in second.stdout


def test_production_mode_refuses_to_start_without_secret_key_or_hosts(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    missing_key = _manage("check", DEBUG="False", DATABASE_URL=database_url, ALLOWED_HOSTS="ilumen.be")
    assert missing_key.returncode != 0
    assert "SECRET_KEY and ALLOWED_HOSTS must be set" in missing_key.stderr
    missing_hosts = _manage("check", DEBUG="False", DATABASE_URL=database_url, SECRET_KEY="x" * 60)
    assert missing_hosts.returncode != 0
    assert "ALLOWED_HOSTS" in missing_hosts.stderr
    configured = _manage(
        "check", DEBUG="False", DATABASE_URL=database_url, SECRET_KEY="x" * 60, ALLOWED_HOSTS="ilumen.be"
    )
    assert configured.returncode == 0, configured.stderr
