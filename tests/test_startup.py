"""`make run`'s start-up path: migrate and seed an empty database, twice."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    dropped = {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ERASURE_HMAC_KEY", "DEBUG"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_migrate_and_seed_on_an_empty_database(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert _manage("migrate", "--noinput", DATABASE_URL=database_url, DEBUG="True").returncode == 0
    first = _manage("load_statements", DATABASE_URL=database_url, DEBUG="True")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("Published") == 3
    second = _manage("load_statements", DATABASE_URL=database_url, DEBUG="True")
    assert "nothing to do" in second.stdout


def test_without_a_broker_tasks_run_in_process_and_nothing_warns(tmp_path):
    sent = _manage(
        "shell", "-c",
        "from django.core.cache import cache; from core.health import BEAT_HEARTBEAT_KEY;"
        "from core.tasks import beat_heartbeat;"
        "beat_heartbeat.delay(); print('ran' if cache.get(BEAT_HEARTBEAT_KEY) else 'did not run')",
        DATABASE_URL=f"sqlite:///{tmp_path / 'local.sqlite3'}", DEBUG="True",
    )
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip().endswith("\nran")
    assert "No hostname" not in sent.stderr + sent.stdout


def test_make_runs_database_takes_a_subscription_and_the_same_address_again(tmp_path):
    """The subscription form writes its rows with SQL of its own (core.inserts, ON CONFLICT against
    the unique lower-cased address): SQLite must take it as PostgreSQL does."""
    database_url = f"sqlite:///{tmp_path / 'subscribe.sqlite3'}"
    assert _manage("migrate", "--noinput", DATABASE_URL=database_url, DEBUG="True").returncode == 0
    posted = _manage(
        "shell", "-c",
        "from django.test import Client; from newsletter.models import Subscription, Topic;"
        "client = Client(HTTP_SEC_FETCH_SITE='same-origin', HTTP_HOST='127.0.0.1');"
        "ids = [Topic.objects.get(slug=slug).pk for slug in ('newsletter', 'surveys')];"
        "codes = [client.post('/en/newsletter/', {'email': email, 'language': 'en', 'topics': topics, 'consent': 'on'})"
        ".status_code for email, topics in (('Ann@Example.com', ids[:1]), ('ann@example.com', ids))];"
        "rows = Subscription.objects.values_list('subscriber__email', 'topic__slug', 'status').order_by('topic_id');"
        "print('result', codes, list(rows))",
        DATABASE_URL=database_url, DEBUG="True",
    )
    assert posted.returncode == 0, posted.stderr
    assert posted.stdout.strip().splitlines()[-1] == (
        "result [302, 302] [('ann@example.com', 'newsletter', 'pending'), ('ann@example.com', 'surveys', 'pending')]"
    )


def test_production_mode_refuses_to_start_without_its_secrets(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    configured = {
        "DEBUG": "False", "DATABASE_URL": database_url, "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "ilumen.be",
        "ERASURE_HMAC_KEY": "e" * 40, "REDIS_URL": "redis://127.0.0.1:6379/1",
    }
    for missing in ("SECRET_KEY", "ALLOWED_HOSTS", "ERASURE_HMAC_KEY", "REDIS_URL"):
        result = _manage("check", **{k: v for k, v in configured.items() if k != missing})
        assert result.returncode != 0
        assert f"Set the {missing} environment variable" in result.stderr
        assert "SECRET_KEY, ALLOWED_HOSTS, ERASURE_HMAC_KEY and REDIS_URL must be set" in result.stderr
    started = _manage("check", **configured)
    assert started.returncode == 0, started.stderr


def test_without_debug_set_the_site_is_in_production_mode(tmp_path):
    """No DEBUG variable at all: production, which refuses the missing secrets (it must not
    fall back to debug pages and a public signing key)."""
    result = _manage("check", DATABASE_URL=f"sqlite:///{tmp_path / 'default.sqlite3'}")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr
    shown = _manage(
        "shell", "-c", "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)",
        DATABASE_URL=f"sqlite:///{tmp_path / 'default.sqlite3'}", SECRET_KEY="x" * 60, ALLOWED_HOSTS="ilumen.be",
        ERASURE_HMAC_KEY="e" * 40, REDIS_URL="redis://127.0.0.1:6379/1",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-2:] == ["False", "True"]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DATABASE_URL": "sqlite:///unused.sqlite3"}, "not PostgreSQL"),
        ({"REDIS_URL": ""}, "not Redis"),
    ],
)
def test_the_suite_refuses_stand_ins_when_make_test_asks_for_the_real_services(overrides, named):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
        "TEST_REQUIRE_REAL_SERVICES": "1", "DEBUG": "True",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/ilumen",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
    } | overrides
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/test_startup.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "TEST_REQUIRE_REAL_SERVICES is set" in result.stderr and named in result.stderr
