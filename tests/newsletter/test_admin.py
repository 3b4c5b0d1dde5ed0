"""The campaign admin for the marketing group: preview, test send, send now, progress, pause, privacy notice."""

import pytest
from django.contrib.auth.models import Group, User

from newsletter.models import Campaign, Delivery

from .factories import campaign_with_content, confirmed_subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(db) -> User:
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return user


@pytest.fixture
def admin_client(client, marketer):
    client.force_login(marketer)
    return client


def _url(name: str, *args) -> str:
    from django.urls import reverse
    from django.utils import translation

    with translation.override("en"):
        return reverse(f"admin:newsletter_campaign_{name}", args=args)


def test_preview_in_both_languages_and_missing_language_warning(admin_client, topic):
    confirmed_subscriber("ann@example.com", topic, language="nl")
    campaign = campaign_with_content(topic, languages=("en",))
    page = admin_client.get(_url("change", campaign.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Missing languages" in html and "nl (1)" in html and 'id="campaign-progress"' in html
    for language in ("nl", "en"):
        preview = admin_client.get(_url("preview", campaign.pk, language))
        assert preview.status_code == 200 and "Spring news" in preview.content.decode()
    fallback = admin_client.get(_url("preview", campaign.pk, "nl")).content.decode()
    assert "There is no content in this language" in fallback
    raw = admin_client.get(_url("preview_html", campaign.pk, "en"))
    assert "<strong>new</strong>" in raw.content.decode()
    assert "default-src 'none'" in raw["Content-Security-Policy"] and raw["X-Frame-Options"] == "SAMEORIGIN"


def test_test_send_goes_to_the_given_addresses_in_every_language(admin_client, topic, smtp_mail):
    campaign = campaign_with_content(topic)
    response = admin_client.post(_url("test_send", campaign.pk), {"addresses": "me@ilumen.be, you@ilumen.be"})
    assert response.status_code == 302
    subjects = sorted((r.rcpt, r.message["Subject"]) for r in smtp_mail.received)
    assert subjects == [
        ("me@ilumen.be", "[TEST] Lentenieuws"), ("me@ilumen.be", "[TEST] Spring news"),
        ("you@ilumen.be", "[TEST] Lentenieuws"), ("you@ilumen.be", "[TEST] Spring news"),
    ]
    assert not Delivery.objects.exists()


def test_send_now_confirms_then_sends_and_reports_progress(
    admin_client, topic, smtp_mail, django_capture_on_commit_callbacks
):
    confirmed_subscriber("ann@example.com", topic, language="nl")
    confirmed_subscriber("bob@example.com", topic, language="en")
    campaign = campaign_with_content(topic)
    confirm = admin_client.get(_url("action", campaign.pk, "send_now"))
    assert confirm.status_code == 200 and "It goes to 2 people" in confirm.content.decode()
    # Without a broker (as in development) the tasks run in this process, after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(_url("action", campaign.pk, "send_now"), {"confirm": "1"})
    assert response.status_code == 302
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"
    assert sorted(r.rcpt for r in smtp_mail.received) == ["ann@example.com", "bob@example.com"]
    progress = admin_client.get(_url("progress", campaign.pk)).json()
    assert progress == {"status": "sent", "status_display": "Sent", "status_note": "", "total": 2, "queued": 0,
                        "sent": 2, "failed": 0, "skipped": 0, "complaints": 0, "percent": 100}


def test_pause_resume_cancel_buttons(admin_client, topic):
    campaign = campaign_with_content(topic, status="sending")
    Campaign.objects.filter(pk=campaign.pk).update(started_at=campaign.created_at, populated=True)
    admin_client.post(_url("action", campaign.pk, "pause"), {"confirm": "1"})
    assert Campaign.objects.get(pk=campaign.pk).status == "paused"
    admin_client.post(_url("action", campaign.pk, "cancel"), {"confirm": "1"})
    assert Campaign.objects.get(pk=campaign.pk).status == "cancelled"
    page = admin_client.post(_url("action", campaign.pk, "resume"), {"confirm": "1"}, follow=True)
    assert "Only a paused campaign can be resumed." in page.content.decode()


def test_sending_needs_the_send_permission(client, topic):
    user = User.objects.create_user("viewer", "v@ilumen.be", "a-long-test-password", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(user)
    campaign = campaign_with_content(topic)
    assert client.post(_url("action", campaign.pk, "send_now"), {"confirm": "1"}).status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_the_subscriber_page_shows_where_each_proof_comes_from(admin_client, topic):
    from django.urls import reverse
    from django.utils import timezone, translation

    from newsletter.models import ConsentProof

    subscriber = confirmed_subscriber("ann@example.com", topic)
    ConsentProof.objects.create(
        subscriber=subscriber, language="nl", origin="import", controller="iLumen NV",
        original_location="Signed forms, Tessenderlo office, cabinet 3", source="Intersolar 2026 stand",
        consent_text="Ja, stuur mij het nieuws van iLumen.", consent_version="fair-2026", given_at=timezone.now(),
        confirmed_at=timezone.now(),
    )
    with translation.override("en"):
        url = reverse("admin:newsletter_subscriber_change", args=[subscriber.pk])
    page = admin_client.get(url).content.decode()
    for shown in ("Imported", "Subscription form", "iLumen NV", "Signed forms, Tessenderlo office, cabinet 3",
                  "Intersolar 2026 stand"):
        assert shown in page, shown
