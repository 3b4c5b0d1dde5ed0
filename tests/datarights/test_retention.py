"""Each retention rule deletes exactly what is due (time moved with time-machine)."""

import datetime
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accesslog.models import PageView
from contact.models import ContactMessage
from core import retention
from datarights import services
from datarights.models import AccessLink, DataRequest, ProfileActivity, RetentionNotice
from mail.hashing import address_hash
from mail.models import OutboxMessage, Suppression
from newsletter.models import ConsentProof, Subscriber, Subscription, Topic
from newsletter.services.subscriptions import ConsentShown, subscription_confirm, subscription_request, unsubscribe

from .conftest import delivered, link_in

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
ROOT = Path(__file__).resolve().parents[2]


def _run(key: str, **kwargs) -> dict[str, int]:
    [rule] = [r for r in retention.rules() if r.key == key]
    return retention.rule_run(rule, batch_size=kwargs.pop("batch_size", 2), **kwargs)


def _at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def _subscribe(email: str, *, confirm: bool = True) -> Subscriber:
    topic = Topic.objects.get(slug="newsletter")
    subscription_request(email=email, name="N", language="en", topics=[topic],
                         consent=ConsentShown("text", "1"), source="/en/newsletter/", ip=None)
    if confirm:
        subscription_confirm(nonce=ConsentProof.objects.filter(subscriber__email=email).latest("given_at").nonce)
    return Subscriber.objects.get(email=email)


def test_access_log_rows_are_deleted_after_their_period(settings):
    now = timezone.now()
    for name, days in {"fresh": 6.9, "older": 89.9, "oldest": 90.1, "oldest-too": 120}.items():
        PageView.objects.create(time=now - datetime.timedelta(days=days), path=f"/{name}/", status=200,
                                language="en", ip="192.0.2.0")
    assert _run("access_log_delete", now=now) == {"page views": 2}
    assert set(PageView.objects.values_list("path", flat=True)) == {"/fresh/", "/older/"}


def test_contact_messages_go_a_while_after_they_were_handled(settings):
    settings.CONTACT_KEEP_DAYS_AFTER_HANDLED = 180
    now = timezone.now()
    for name, handled_days_ago in (("open", None), ("recent", 179), ("due", 181), ("due2", 400)):
        ContactMessage.objects.create(
            name=name, email=f"{name}@example.org", subject="s", message="m", language="en",
            created_at=now - 500 * DAY, handled=handled_days_ago is not None,
            handled_at=now - handled_days_ago * DAY if handled_days_ago else None,
        )
    assert _run("contact_handled", now=now) == {"contact messages": 2}
    assert set(ContactMessage.objects.values_list("name", flat=True)) == {"open", "recent"}


def test_closed_data_requests_go_after_their_keeping_period(settings):
    settings.DATA_REQUEST_KEEP_DAYS = 3 * 365
    start = timezone.now() - 4 * 365 * DAY
    with _at(start):
        old_closed = services.request_register(kind="access", email="a@example.org")
        old_open = services.request_register(kind="erasure", email="b@example.org")
        services.request_set_status(old_closed, DataRequest.Status.DONE)
    with _at(start + 2 * 365 * DAY):
        recent = services.request_register(kind="access", email="c@example.org")
        services.request_set_status(recent, DataRequest.Status.REFUSED)
    assert _run("data_requests") == {"data requests": 1}
    assert set(DataRequest.objects.values_list("pk", flat=True)) == {old_open.pk, recent.pk}


def test_expired_my_data_links_go_a_day_later():
    now = timezone.now()
    keep = AccessLink.objects.create(email="x@example.org", language="en", expires_at=now - 0.5 * DAY)
    AccessLink.objects.create(email="y@example.org", language="en", expires_at=now - 1.5 * DAY)
    assert _run("access_links", now=now) == {"my-data links": 1}
    assert list(AccessLink.objects.values_list("pk", flat=True)) == [keep.pk]


def test_unconfirmed_newsletter_requests_go_after_their_period(settings):
    settings.NEWSLETTER_PENDING_RETENTION_DAYS = 30
    start = timezone.now() - 31 * DAY
    with _at(start):
        _subscribe("never@example.org", confirm=False)
        _subscribe("member@example.org")
        _subscribe("member@example.org", confirm=False)  # a second, unconfirmed request of a member
    with _at(start + 2 * DAY):
        _subscribe("recent@example.org", confirm=False)
    result = _run("newsletter_unconfirmed")
    assert result == {"unconfirmed requests": 2, "addresses that never subscribed": 1}
    assert set(Subscriber.objects.values_list("email", flat=True)) == {"member@example.org", "recent@example.org"}
    assert Subscription.objects.get(subscriber__email="member@example.org").status == "confirmed"
    assert ConsentProof.objects.filter(subscriber__email="member@example.org").count() == 1


def test_unsubscribed_details_go_and_only_the_hash_stays(settings):
    settings.NEWSLETTER_UNSUBSCRIBED_KEEP_DAYS = 30
    start = timezone.now() - 40 * DAY
    with _at(start):
        gone = _subscribe("gone@example.org")
        recent = _subscribe("recently-gone@example.org")
        _subscribe("still@example.org")
    with _at(start + 5 * DAY):
        unsubscribe(subscriber_uuid=gone.uuid)
    with _at(start + 20 * DAY):
        unsubscribe(subscriber_uuid=recent.uuid)
    assert _run("newsletter_unsubscribed") == {"unsubscribed profiles": 1}
    assert set(Subscriber.objects.values_list("email", flat=True)) == {"recently-gone@example.org",
                                                                        "still@example.org"}
    assert Suppression.objects.get(address_hash=address_hash("gone@example.org")).reason == "unsubscribed"
    assert not ConsentProof.objects.filter(subscriber__email="gone@example.org").exists()


def test_inactive_profiles_are_warned_30_days_before_and_then_deleted(client, settings):
    settings.INACTIVE_PROFILE_DAYS = 4 * 365
    settings.INACTIVE_PROFILE_WARNING_DAYS = 30
    settings.SITE_URL = "http://testserver"
    start = timezone.now() - 4 * 365 * DAY + 10 * DAY  # four years minus ten days ago
    with _at(start):
        _subscribe("sleeper@example.org")
        _subscribe("stayer@example.org")
        _subscribe("asker@example.org")
    with _at(start + 300 * DAY):
        _subscribe("active@example.org")
    # A data request counts as activity.
    with _at(start + 3 * 365 * DAY):
        services.request_register(kind="access", email="asker@example.org")

    # Now: 20 days before the four years are up for the first three.
    assert _run("inactive_profiles") == {"inactive profiles warned": 2, "inactive profiles": 0}
    warnings = [m for m in delivered() if "/my-data/stay/" in m.body]
    assert sorted(m.to[0] for m in warnings) == ["sleeper@example.org", "stayer@example.org"]
    assert _run("inactive_profiles") == {"inactive profiles warned": 0, "inactive profiles": 0}  # once only

    stay_path = link_in(next(m for m in warnings if m.to == ["stayer@example.org"]), "/my-data/stay/")
    stayer = address_hash("stayer@example.org")
    # A page with a button: a GET (a mail scanner following the link) must record nothing, or
    # a scanner would keep the profile forever.
    assert client.get(stay_path).status_code == 200
    assert RetentionNotice.objects.filter(address_hash=stayer).exists()
    assert not ProfileActivity.objects.filter(address_hash=stayer).exists()
    assert client.post(stay_path).status_code == 200
    assert not RetentionNotice.objects.filter(address_hash=stayer).exists()
    assert ProfileActivity.objects.get(address_hash=stayer).last_active_at > timezone.now() - DAY

    with _at(timezone.now() + 25 * DAY):  # four years passed, but the warning is only 25 days old
        assert _run("inactive_profiles") == {"inactive profiles warned": 0, "inactive profiles": 0}
    with _at(timezone.now() + 31 * DAY):
        assert _run("inactive_profiles") == {"inactive profiles warned": 0, "inactive profiles": 1}
    assert not Subscriber.objects.filter(email="sleeper@example.org").exists()
    assert Suppression.objects.get(address_hash=address_hash("sleeper@example.org")).reason == "inactive"
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "stayer@example.org", "asker@example.org", "active@example.org"
    }


def test_with_default_settings_a_profile_goes_after_four_years_without_activity_and_not_a_day_before():
    """The default itself, through the real daily run (no override, not the retention page's text)."""
    four_years = 4 * 365 * DAY
    start = timezone.now() - four_years - 10 * DAY
    with _at(start):
        _subscribe("sleeper@example.org")
    for day in range(-35, 2):  # the daily run, from five weeks before the four years are up
        with _at(start + four_years + day * DAY):
            retention.retention_run_all()
            still_there = Subscriber.objects.filter(email="sleeper@example.org").exists()
        assert still_there is (day < 1), f"{day} days after four years without activity"
    assert RetentionNotice.objects.count() == 0  # warned once, then deleted with its notice


def test_the_inactivity_period_defaults_to_four_years_and_the_warning_to_30_days():
    """Read by a fresh process from settings.py with neither variable set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INACTIVE_PROFILE_", "PYTEST"))}
    script = ("import django; django.setup(); from django.conf import settings; "
              "print(settings.INACTIVE_PROFILE_DAYS, settings.INACTIVE_PROFILE_WARNING_DAYS)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [str(4 * 365), "30"]


def test_sent_transactional_mail_records_go_after_their_period(settings):
    settings.TRANSACTIONAL_MAIL_KEEP_DAYS = 30
    with _at(timezone.now() - 31 * DAY):
        old = OutboxMessage.objects.create(template="t", to_email="a@example.org", language="en", status="sent",
                                           sent_at=timezone.now())
        waiting = OutboxMessage.objects.create(template="t", to_email="b@example.org", language="en")
    recent = OutboxMessage.objects.create(template="t", to_email="c@example.org", language="en", status="sent",
                                          sent_at=timezone.now())
    assert _run("transactional_mail") == {"transactional e-mails": 1}
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


def test_the_command_shows_progress_and_what_it_deleted(settings):
    now = timezone.now()
    PageView.objects.bulk_create([
        PageView(time=now - 100 * DAY, path="/x/", status=200, language="en", ip="192.0.2.1") for _ in range(5)
    ])
    out = io.StringIO()
    call_command("retention_run", "--dry-run", stdout=out)
    assert "due: 5 page views" in out.getvalue() and PageView.objects.count() == 5
    out = io.StringIO()
    call_command("retention_run", "--rule", "access_log_delete", "--batch-size", "2", stdout=out)
    text = out.getvalue()
    assert re.search(r"access_log_delete: 2 so far.*access_log_delete: 4 so far.*access_log_delete: 5 so far",
                     text, re.S)
    assert "deleted: 5 page views" in text and PageView.objects.count() == 0


def test_the_daily_task_is_on_the_beat_schedule_and_runs_every_rule(settings):
    from datarights.tasks import retention_run

    assert settings.CELERY_BEAT_SCHEDULE["datarights-retention"]["task"] == "datarights.retention_run"
    PageView.objects.create(time=timezone.now() - 100 * DAY, path="/x/", status=200, language="en")
    retention_run.delay()  # eager without a broker: runs here
    assert not PageView.objects.exists()


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["4 years", "3 months", "IP addresses shortened when written"]),
    ("nl", ["4 jaar", "3 maanden", "IP-adressen ingekort bij het opslaan"]),
])
def test_the_retention_page_is_generated_from_the_settings(client, settings, language, words):
    def access_log_row() -> str:
        page = client.get(f"/{language}/privacy/retention/").content.decode()
        # The row itself: the banner's cookie list on the same page also names periods.
        return re.search(r'<tr id="access_log_delete">.*?</tr>', page, re.DOTALL).group(0)

    page = client.get(f"/{language}/privacy/retention/").content.decode()
    assert words[0] in page
    assert words[1] in access_log_row()
    assert words[2] in access_log_row()
    settings.ACCESS_LOG_KEEP_DAYS = 60
    settings.INACTIVE_PROFILE_DAYS = 3 * 365
    assert ("2 months" if language == "en" else "2 maanden") in access_log_row()
    page = client.get(f"/{language}/privacy/retention/").content.decode()
    assert ("3 years" if language == "en" else "3 jaar") in page
    assert len(re.findall(r'<tr id="', page)) == len(retention.rules()) + 1


def test_consent_records_go_five_years_after_they_were_replaced_withdrawn_or_lapsed(settings):
    import uuid

    from consent.models import ConsentRecord, RegistryRevision

    settings.CONSENT_PROOF_KEEP_DAYS = 5 * 365
    settings.CONSENT_MAX_AGE_DAYS = 182
    revision = RegistryRevision.objects.order_by("number").first()
    now = timezone.now()

    def record(consent_id, years_ago: float, method: str = "banner") -> ConsentRecord:
        return ConsentRecord.objects.create(
            consent_id=consent_id, created_at=now - datetime.timedelta(days=365 * years_ago), method=method,
            granted=["necessary"], refused=[], registry_revision=revision, language="nl",
        )

    a, b, c, d = (uuid.uuid4() for _ in range(4))
    replaced_long_ago = record(a, 7)
    record(a, 6)  # replaced it 6 years ago; itself lapsed 5.5 years ago: both due
    recent_choice = record(b, 4)  # the last choice; lapsed 3.5 years ago: kept
    record(c, 5.2, "withdrawal")  # withdrawn more than five years ago: due
    kept_old = record(d, 6)  # replaced only 4.9 years ago: kept
    replacement = record(d, 4.9)
    assert _run("consent_records") == {"consent records": 3}
    assert set(ConsentRecord.objects.values_list("pk", flat=True)) == {recent_choice.pk, kept_old.pk, replacement.pk}
    assert not ConsentRecord.objects.filter(pk=replaced_long_ago.pk).exists()
