"""Production mode: the deploy check, security headers, client IPs behind proxies, health."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from core.ipaddress import client_ip

ROOT = Path(__file__).resolve().parent.parent.parent

PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "www.ilumen.be",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.net:587",
    "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/ilumen",
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ERASURE_HMAC_KEY": secrets.token_urlsafe(40),
}


def _deploy_check(**env_overrides: str) -> subprocess.CompletedProcess:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is rightly an error in production.
    dropped = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped} | PRODUCTION_ENV | env_overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_deploy_check_reports_nothing_in_production_mode(dkim_key):
    result = _deploy_check(DKIM_PRIVATE_KEY=dkim_key, DKIM_SELECTOR="mail2026", DKIM_DOMAIN="ilumen.be")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_that_bulk_mail_would_go_out_unsigned():
    result = _deploy_check()
    assert "mail.W001" in result.stderr
    silenced = _deploy_check(SILENCED_SYSTEM_CHECKS="mail.W001")  # the relay signs instead
    assert silenced.returncode == 0, silenced.stdout + silenced.stderr
    # The id the check had before mail/ existed still silences it (an existing deployment's environment).
    silenced = _deploy_check(SILENCED_SYSTEM_CHECKS="newsletter.W001")
    assert silenced.returncode == 0, silenced.stdout + silenced.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"DKIM_DOMAIN": "news.ilumen.be"}, []),  # a subdomain of the From domain is aligned
        ({"NEWSLETTER_FROM_EMAIL": "iLumen <nieuws@mail.ilumen.be>"}, []),
        ({"DKIM_SELECTOR": ""}, ["mail.E001"]),
        ({"DKIM_PRIVATE_KEY": "not a key"}, ["mail.E002"]),
        ({"DKIM_DOMAIN": "mailer.example.net"}, ["mail.E003", "mail.E003"]),
        ({"NEWSLETTER_FROM_EMAIL": "iLumen <news@ilumen-mail.be>"}, ["mail.E003"]),
    ],
)
def test_dkim_settings_must_be_complete_and_aligned_with_the_from_address(settings, dkim_key, overrides, expected):
    from mail.checks import dkim_settings_check

    settings.DKIM_PRIVATE_KEY, settings.DKIM_SELECTOR, settings.DKIM_DOMAIN = dkim_key, "mail2026", "ilumen.be"
    settings.DEFAULT_FROM_EMAIL = settings.NEWSLETTER_FROM_EMAIL = "iLumen <info@ilumen.be>"
    for name, value in overrides.items():
        setattr(settings, name, value)
    assert [message.id for message in dkim_settings_check()] == expected


@pytest.mark.django_db
def test_security_headers_on_every_page(client):
    response = client.get("/en/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_security_txt(client):
    response = client.get("/.well-known/security.txt")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Contact: mailto:security@ilumen.be" in body and "Expires: " in body


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from a trusted proxy: header ignored
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3", "198.51.100.1"),  # spoofed left part ignored
        ("10.0.0.2", "garbage", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
        ("", "", None),
    ],
)
@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
def test_client_ip_believes_only_trusted_proxies(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.fixture
def broker_at():
    """Points the Celery app at a broker URL for one test (the app reads it per connection)."""
    from ilumen_site.celery import app

    original = app.conf.broker_url

    def point(url: str) -> None:
        app.conf.broker_url = url

    yield point
    app.conf.broker_url = original


@pytest.mark.django_db
@pytest.mark.parametrize(("broker", "heartbeat", "status", "expected"), [
    ("redis", True, 200, {"database": "ok", "broker": "ok", "beat": "ok"}),
    ("redis", False, 200, {"database": "ok", "broker": "ok", "beat": "never"}),
    ("unreachable", True, 503, {"database": "ok", "broker": "error: OperationalError", "beat": "ok"}),
])
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_reports_database_broker_and_beat(client, settings, broker_at, broker, heartbeat, status, expected):
    from django.core.cache import cache

    from core.health import BEAT_HEARTBEAT_KEY
    from core.tasks import beat_heartbeat

    # The test Redis is a real broker; nothing listens on port 1.
    broker_at(settings.CACHES["default"]["LOCATION"] if broker == "redis" else "redis://127.0.0.1:1/0")
    if heartbeat:
        beat_heartbeat()
    else:
        cache.delete(BEAT_HEARTBEAT_KEY)
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (status, {"status": "ok" if status == 200 else "fail",
                                                                "checks": expected})


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_sees_a_stale_beat(client):
    from django.core.cache import cache

    from core.health import BEAT_HEARTBEAT_KEY
    from core.tasks import beat_heartbeat

    assert client.get("/healthz").json()["checks"]["beat"] == "never"
    beat_heartbeat()
    assert client.get("/healthz").json()["checks"]["beat"] == "ok"
    cache.set(BEAT_HEARTBEAT_KEY, 0, timeout=None)
    assert client.get("/healthz").json()["checks"]["beat"] == "stale"


@pytest.mark.django_db
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_fails_when_the_broker_is_unreachable(client, broker_at):
    broker_at("redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/en/newsletter/confirm/forged-token/",
        "/nl/newsletter/unsubscribe/forged-token/",
        "/en/newsletter/preferences/forged-token/",
        "/nl/privacy/my-data/open/forged-token/",
        "/en/privacy/my-data/stay/forged-token/",
    ],
)
def test_pages_behind_personal_links_leak_no_referrer_and_are_not_indexed(client, url):
    response = client.get(url)
    assert response.status_code < 500
    assert response["Referrer-Policy"] in ("no-referrer", "same-origin")  # never to another site
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]
