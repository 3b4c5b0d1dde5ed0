"""Mail's settings are named MAIL_*; the NEWSLETTER_* names they had before mail/ existed still
count when the new name is not set (an existing deployment's environment keeps working)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
READ = (
    "import django; django.setup(); from django.conf import settings as s;"
    "print(s.MAIL_SEND_RATE, s.MAIL_REDIS_URL, s.MAIL_LEASE_SECONDS, s.NEWSLETTER_LEASE_SECONDS, sep='|')"
)
NAMES = ("MAIL_SEND_RATE", "MAIL_REDIS_URL", "MAIL_LEASE_SECONDS", "NEWSLETTER_SEND_RATE", "NEWSLETTER_REDIS_URL",
         "NEWSLETTER_LEASE_SECONDS")


def _settings(**env: str) -> list[str]:
    base = {k: v for k, v in os.environ.items() if k not in NAMES and not k.startswith("PYTEST")}
    result = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**base, "DJANGO_SETTINGS_MODULE": "ilumen_site.settings", "DEBUG": "True",
             "REDIS_URL": "redis://127.0.0.1:6379/4", **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].split("|")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["20.0", "redis://127.0.0.1:6379/4", "120", "120"]),
        ({"NEWSLETTER_SEND_RATE": "7", "NEWSLETTER_REDIS_URL": "redis://old:6379/2", "NEWSLETTER_LEASE_SECONDS": "9"},
         ["7.0", "redis://old:6379/2", "9", "9"]),
        ({"NEWSLETTER_SEND_RATE": "7", "MAIL_SEND_RATE": "5", "NEWSLETTER_REDIS_URL": "redis://old:6379/2",
          "MAIL_REDIS_URL": "redis://new:6379/3", "NEWSLETTER_LEASE_SECONDS": "9", "MAIL_LEASE_SECONDS": "30"},
         ["5.0", "redis://new:6379/3", "30", "9"]),
    ],
)
def test_the_old_names_count_when_the_new_ones_are_not_set(env, expected):
    rate, *rest = _settings(**env)
    assert [float(rate), *rest] == [float(expected[0]), *expected[1:]]
