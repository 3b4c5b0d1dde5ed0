"""The admin resists password guessing and lives at a configurable address."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def _login(client, password: str, ip: str = "203.0.113.7"):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    # A fresh single-use backup code per attempt: only the password decides here.
    device = StaticDevice.objects.get_or_create(user=User.objects.get(username="root"), name="backup")[0]
    code = device.token_set.create(token=StaticToken.random_token()).token
    return client.post(
        "/en/admin/login/?next=/en/admin/",
        {"username": "root", "password": password, "otp_token": code},
        REMOTE_ADDR=ip,
    )


def test_repeated_failures_lock_the_address_out_even_with_the_right_password(client):
    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wrong").status_code == 200
    assert _login(client, "wrong").status_code == 429
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # Another address is not affected.
    other = _login(client, PASSWORD, ip="198.51.100.20")
    assert other.status_code == 302, other.context["form"].errors if other.context else other


def test_a_success_before_the_limit_resets_the_count(client):
    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302


def test_staff_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_admin_address_comes_from_the_environment():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {"ADMIN_URL": "beheer-7f3a/"}
    code = "import django; django.setup(); from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
        env=env | {"DJANGO_SETTINGS_MODULE": "ilumen_site.settings"}, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == "/nl/beheer-7f3a/", result.stderr
