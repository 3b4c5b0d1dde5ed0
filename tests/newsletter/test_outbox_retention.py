"""The record of transactional e-mails is kept TRANSACTIONAL_MAIL_KEEP_DAYS, the period the
retention page shows, and nothing else deletes it earlier."""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from core import retention
from ilumen_site.celery import app
from mail.models import OutboxMessage

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _sent(days_ago: float, to: str) -> OutboxMessage:
    with time_machine.travel(timezone.now() - days_ago * DAY, tick=False):
        return OutboxMessage.objects.create(template="t", to_email=to, language="en", status="sent",
                                            sent_at=timezone.now())


def test_the_daily_run_follows_the_setting(settings):
    settings.TRANSACTIONAL_MAIL_KEEP_DAYS = 10
    due = _sent(11, "due@example.org")
    kept = _sent(9, "kept@example.org")
    results = retention.retention_run_all()
    assert results["transactional_mail"] == {"transactional e-mails": 1}
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not OutboxMessage.objects.filter(pk=due.pk).exists()


def test_no_periodic_task_deletes_the_record_before_its_period(settings):
    """Every task on the beat schedule, and the old hourly purge still registered for messages
    queued before a deploy, keep a 31-day-old record while the period is 60 days."""
    settings.TRANSACTIONAL_MAIL_KEEP_DAYS = 60
    old = _sent(31, "old@example.org")
    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "newsletter.tasks.pending_purge" not in scheduled
    for name in sorted(scheduled | {"newsletter.tasks.pending_purge"}):
        app.tasks[name].apply().get()
        assert OutboxMessage.objects.filter(pk=old.pk).exists(), name
    settings.TRANSACTIONAL_MAIL_KEEP_DAYS = 30
    app.tasks["newsletter.tasks.pending_purge"].apply().get()
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
