"""Editing campaigns: the live preview endpoint (POST only, CSRF, staff who may change campaigns,
unsaved Markdown through the sending render path), "duplicate campaign" (the content per language,
never the status, schedule, deliveries or archive flag) and its admin button and action."""

import json
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from newsletter.models import Campaign, CampaignContent, Delivery, Topic
from newsletter.services.archive import campaign_archive_slug_ensure
from newsletter.services.campaigns import campaign_duplicate

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db

BODY = "## Nieuws\n\nOnze **nieuwe** batterij.\n\n![x](https://tracker.example/open.gif)"


def _url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"admin:newsletter_campaign_{name}", args=args)


def _staff(username: str, *, group: str = "", permissions: tuple[str, ...] = ()) -> User:
    user = User.objects.create_user(username, f"{username}@ilumen.be", "a-long-test-password", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="newsletter", codename=codename))
    return user


@pytest.fixture
def marketer(db) -> Client:
    client = Client()
    client.force_login(_staff("marketer", group="Marketing"))
    return client


def _preview(client: Client, part: str = "html", **fields):
    data = {"language": "nl", "subject": "Lentenieuws", "preheader": "De batterij is er", "body": BODY,
            "text": "", "part": part, **fields}
    return client.post(_url("live_preview"), data)


# --- the live preview --------------------------------------------------------------------------

def test_the_preview_renders_unsaved_markdown_in_the_campaign_layout(marketer, topic, settings):
    settings.SITE_URL = "https://www.ilumen.be"
    response = _preview(marketer, topic=str(topic.pk))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<strong>nieuwe</strong>" in html and "Beste Jane," in html  # a sample reader
    assert re.search(r'<table class="container"[^>]* width="600"[^>]* style="width: 600px;', html)
    assert re.search(r'<div class="preheader" style="display: none;[^"]*">De batterij is er', html)
    assert "“Nieuwsbrief”" in html and "/nl/newsletter/unsubscribe/" in html  # the campaign footer
    assert "tracker.example" not in html  # sanitised as when sending
    # Its own policy: the e-mail's inline styles, no script at all, framed by the admin only.
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert not Campaign.objects.exists() and not CampaignContent.objects.exists()  # nothing saved


def test_the_preview_text_part_is_the_automatic_one_or_the_one_written(marketer, topic):
    automatic = _preview(marketer, part="text").json()
    assert automatic["text"].startswith("Beste Jane,\n\nNieuws\n======\n\nOnze nieuwe batterij.")
    # What saving would refuse, in the staff's language (the admin is in English here).
    assert any("tracker.example" in problem for problem in automatic["problems"])
    written = _preview(marketer, part="text", text="Zelf geschreven.", body="Onze **nieuwe** batterij.").json()
    assert written["problems"] == []
    assert written["text"].startswith("Beste Jane,\n\nZelf geschreven.\n\n-- \n")
    assert "Onze nieuwe" not in written["text"]


def test_the_preview_refuses_get_anonymous_staff_without_change_right_and_a_missing_csrf_token(marketer, topic):
    assert marketer.get(_url("live_preview")).status_code == 405
    anonymous = _preview(Client())
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    viewer = Client()
    viewer.force_login(_staff("viewer", permissions=("view_campaign",)))
    assert _preview(viewer).status_code == 403
    assert _preview(viewer, part="text").status_code == 403

    checked = Client(enforce_csrf_checks=True)
    checked.force_login(User.objects.get(username="marketer"))
    assert _preview(checked).status_code == 403
    page = checked.get(_url("add"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert _preview(checked, csrfmiddlewaretoken=token).status_code == 200


def test_bad_input_is_a_clear_400(marketer):
    response = _preview(marketer, language="xx")
    assert response.status_code == 400 and "language" in json.loads(response.content)["errors"]


def test_the_editor_page_loads_the_preview_script_with_a_nonce_and_may_frame_the_site(marketer, topic):
    campaign = campaign_with_content(topic)
    for url in (_url("add"), _url("change", campaign.pk)):
        response = marketer.get(url)
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'src="/static/newsletter/admin-live-preview.js" nonce="{nonce}"' in html
        assert f'data-url="{_url("live_preview")}"' in html
        assert "frame-src 'self'" in response["Content-Security-Policy"]
        assert not re.search(r"<script(?![^>]*\bnonce=)(?![^>]*\bsrc=)[^>]*>", html)  # no inline script without nonce


def test_staff_who_may_only_view_get_no_preview(topic):
    campaign = campaign_with_content(topic)
    viewer = Client()
    viewer.force_login(_staff("viewer", permissions=("view_campaign", "view_campaigncontent")))
    html = viewer.get(_url("change", campaign.pk)).content.decode()
    assert "admin-live-preview.js" not in html and "campaign-live-preview" not in html


# --- duplicating -------------------------------------------------------------------------------

@pytest.fixture
def sent_campaign(topic, settings, smtp_mail) -> Campaign:
    settings.SITE_URL = "https://www.ilumen.be"
    Topic.objects.filter(pk=topic.pk).update(archive_public=True)
    confirmed_subscriber("ann@example.com", topic, language="nl")
    campaign = campaign_with_content(topic)
    CampaignContent.objects.filter(campaign=campaign, language="en").update(preheader="Out now", text="Typed.")
    Campaign.objects.filter(pk=campaign.pk).update(archive_published=True, scheduled_at=timezone.now())
    campaign_archive_slug_ensure(campaign_id=campaign.pk)
    send_all(campaign_sending(campaign))
    campaign.refresh_from_db()
    assert campaign.status == "sent" and campaign.archive_slug and campaign.deliveries.count() == 1
    return campaign


def _contents(campaign: Campaign) -> list[tuple]:
    return list(campaign.contents.order_by("language").values_list("language", "subject", "preheader", "body", "text"))


def test_a_copy_has_the_content_and_audience_but_not_the_status_schedule_deliveries_or_archive(
    sent_campaign,
):
    user = _staff("copier", group="Marketing")
    with translation.override("nl"):
        copy = campaign_duplicate(campaign_id=sent_campaign.pk, user=user)
    copy.refresh_from_db()
    assert copy.pk != sent_campaign.pk and copy.name == "Spring news (kopie)" and copy.created_by == user
    assert list(copy.topics.all()) == list(sent_campaign.topics.all()) == [sent_campaign.topics.get()]
    assert _contents(copy) == _contents(sent_campaign) and len(_contents(copy)) == 2
    assert ("en", "Spring news", "Out now", _contents(sent_campaign)[0][3], "Typed.") in _contents(copy)
    assert (copy.status, copy.scheduled_at, copy.started_at, copy.finished_at) == ("draft", None, None, None)
    assert (copy.populated, copy.status_note, copy.archive_published, copy.archive_slug) == (False, "", False, None)
    assert not Delivery.objects.filter(campaign=copy).exists()
    sent_campaign.refresh_from_db()
    assert sent_campaign.status == "sent" and sent_campaign.archive_published and len(_contents(sent_campaign)) == 2


def test_the_duplicate_button_posts_and_opens_the_copy(marketer, sent_campaign):
    html = marketer.get(_url("change", sent_campaign.pk)).content.decode()
    assert f'action="{_url("duplicate", sent_campaign.pk)}"' in html
    assert marketer.get(_url("duplicate", sent_campaign.pk)).status_code == 405
    assert Campaign.objects.count() == 1
    response = marketer.post(_url("duplicate", sent_campaign.pk))
    copy = Campaign.objects.exclude(pk=sent_campaign.pk).get()
    assert response.status_code == 302 and response["Location"] == _url("change", copy.pk)
    assert copy.status == "draft" and copy.contents.count() == 2

    viewer = Client()
    viewer.force_login(_staff("viewer", permissions=("view_campaign",)))
    assert viewer.post(_url("duplicate", sent_campaign.pk)).status_code == 403
    assert Campaign.objects.count() == 2


def test_the_list_action_duplicates_each_selected_campaign(marketer, topic):
    first, second = campaign_with_content(topic), campaign_with_content(topic, languages=("en",))
    response = marketer.post(_url("changelist"), {"action": "duplicate_selected",
                                                  "_selected_action": [first.pk, second.pk]})
    assert response.status_code == 302
    copies = Campaign.objects.exclude(pk__in=[first.pk, second.pk]).order_by("pk")
    assert [copy.contents.count() for copy in copies] == [2, 1]
    assert {copy.status for copy in copies} == {"draft"}
