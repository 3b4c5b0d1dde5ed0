import re

import pytest
from django.contrib.auth.models import Permission, User
from django.core import mail

from mail.services import outbox_deliver


@pytest.fixture(autouse=True)
def _rights_settings(settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.ERASURE_LOG_FILE = tmp_path / "erasures.jsonl"
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_user("clerk", "clerk@ilumen.be", "a-long-test-password", is_staff=True)
    codenames = ["view_datarequest", "add_datarequest", "change_datarequest", "export_personal_data",
                 "erase_personal_data"]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="datarights", codename__in=codenames))
    return User.objects.get(pk=user.pk)


def delivered() -> list:
    """Send what waits in the transactional outbox (as the worker would) and return the mailbox."""
    outbox_deliver(limit=500)
    return mail.outbox


def link_in(message, pattern: str) -> str:
    found = re.search(r"https?://[^/\s]+(/\S*" + pattern + r"[^\s]*)", message.body)
    assert found, message.body
    return found.group(1)
