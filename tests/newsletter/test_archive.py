"""The public archive (issue 13, point 4): a published campaign's web version and the archive list,
against PostgreSQL and the Redis page cache; the sent message's bytes come from aiosmtpd."""

import datetime
import re
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from newsletter import selectors
from newsletter.models import PRIVACY_TOPIC_SLUG, Campaign, CampaignContent, Topic
from newsletter.services import campaign_status
from newsletter.services.archive import campaign_archive_slug_ensure
from newsletter.services.campaigns import campaign_test_send

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

pytestmark = pytest.mark.django_db

SITE = "https://www.ilumen.be"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def public_topic(topic) -> Topic:
    Topic.objects.filter(pk=topic.pk).update(archive_public=True)
    topic.refresh_from_db()
    return topic


def published(topic: Topic, *, languages=("nl", "en"), status: str = "sent", when=None, subject: str = "") -> Campaign:
    """A campaign marked for the archive, in the given status, with its web address."""
    campaign = campaign_with_content(topic, languages=languages)
    if subject:
        CampaignContent.objects.filter(campaign=campaign).update(subject=subject)
    when = when or timezone.now()
    started = status in ("sending", "paused", "sent", "cancelled")
    Campaign.objects.filter(pk=campaign.pk).update(
        archive_published=True, status=status, started_at=when if started else None,
        finished_at=when if status in ("sent", "cancelled") else None,
        scheduled_at=when if status == "scheduled" else None,
    )
    campaign_archive_slug_ensure(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def page_url(campaign: Campaign, language: str) -> str:
    with translation.override(language):
        return reverse("newsletter:archive_campaign", kwargs={"slug": campaign.archive_slug})


def archive_url(language: str) -> str:
    with translation.override(language):
        return reverse("newsletter:archive")


def get(url: str, **extra):
    """A visitor without a session (so the page cache applies)."""
    return Client().get(url, **extra)


# --- the web version ---------------------------------------------------------------------------

def test_a_sent_published_campaign_has_its_web_version_in_each_language(public_topic):
    campaign = published(public_topic)
    assert campaign.archive_slug == "lentenieuws"  # from the subject in the site's language
    nl = get("/nl/newsletter/archive/lentenieuws/")
    en = get("/en/newsletter/archive/lentenieuws/")
    assert nl.status_code == en.status_code == 200
    nl_html, en_html = nl.content.decode(), en.content.decode()
    assert '<html lang="nl">' in nl_html and "<h1>Lentenieuws</h1>" in nl_html
    assert "Onze <strong>nieuwe</strong> batterij" in nl_html and "Our <strong>new</strong>" not in nl_html
    assert "<h1>Spring news</h1>" in en_html and "Our <strong>new</strong> battery" in en_html
    # hreflang: both languages, x-default the site's language
    for html in (nl_html, en_html):
        assert 'hreflang="nl" href="http://testserver/nl/newsletter/archive/lentenieuws/"' in html
        assert 'hreflang="en" href="http://testserver/en/newsletter/archive/lentenieuws/"' in html
        assert 'hreflang="x-default" href="http://testserver/nl/newsletter/archive/lentenieuws/"' in html
    assert "Nieuwsbriefarchief" in nl_html and "Newsletter archive" in en_html


@pytest.mark.parametrize(
    ("status", "flag", "topic_public"),
    [
        ("draft", True, True),  # marked, not sent
        ("scheduled", True, True),
        ("sent", False, True),  # sent, not marked
        ("cancelled", True, True),  # sending was started, then withdrawn
        ("sent", True, False),  # a topic whose campaigns may not be published
    ],
)
def test_no_web_version_unless_published_started_and_of_a_public_topic(topic, status, flag, topic_public):
    Topic.objects.filter(pk=topic.pk).update(archive_public=topic_public)
    campaign = published(topic, status=status)
    Campaign.objects.filter(pk=campaign.pk).update(archive_published=flag)
    for language in ("nl", "en"):
        assert get(page_url(campaign, language)).status_code == 404
        assert "Lentenieuws" not in get(archive_url(language)).content.decode()


def test_a_campaign_that_was_only_test_sent_has_no_web_version(public_topic, smtp_mail):
    campaign = published(public_topic, status="draft")
    results = campaign_test_send(campaign=campaign, addresses=["me@ilumen.be"])
    assert [r.error for r in results] == ["", ""] and len(smtp_mail.received) == 2
    assert get(page_url(campaign, "nl")).status_code == 404
    assert "Lentenieuws" not in get(archive_url("nl")).content.decode()


def test_a_privacy_notice_is_never_published(seeded, smtp_mail, legal_publisher):
    from newsletter.services import privacy_notice

    from .factories import statement_change_published

    version = statement_change_published("en", publisher=legal_publisher)
    notice = privacy_notice.privacy_notice_send(
        version_id=version.pk, texts=privacy_notice.privacy_notice_draft(version_id=version.pk).texts, user=None,
    )
    # whatever writes the row, a notice is never marked for the archive
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=notice.pk).update(archive_published=True)
    # and the retired topic can never be opened to the archive either
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.filter(slug=PRIVACY_TOPIC_SLUG).update(archive_public=True)


def test_the_web_version_is_there_while_sending_but_listed_once_sent(public_topic):
    campaign = published(public_topic, status="sending")
    assert get(page_url(campaign, "nl")).status_code == 200
    assert "Lentenieuws" not in get(archive_url("nl")).content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(status="paused")
    assert get(page_url(campaign, "en")).status_code == 200


def test_a_language_without_content_gets_no_page_but_a_way_to_the_other(public_topic):
    campaign = published(public_topic, languages=("nl",))
    nl = get(page_url(campaign, "nl")).content.decode()
    assert 'hreflang="nl"' in nl and 'hreflang="en"' not in nl
    assert 'hreflang="x-default" href="http://testserver/nl/newsletter/archive/lentenieuws/"' in nl
    missing = get(page_url(campaign, "en"))
    assert missing.status_code == 404
    html = missing.content.decode()
    assert '<meta name="robots" content="noindex">' in html and "not available in this language" in html
    assert '<a href="/nl/newsletter/archive/lentenieuws/" hreflang="nl" lang="nl">Nederlands</a>' in html
    assert "Lentenieuws" not in html  # the content itself is not shown under the English address
    # the English list shows it, marked as Dutch and linking to the Dutch page
    listed = get(archive_url("en")).content.decode()
    assert '<a href="/nl/newsletter/archive/lentenieuws/" hreflang="nl" lang="nl">Lentenieuws</a>' in listed
    assert "in Dutch" in listed
    only_en = published(public_topic, languages=("en",))
    assert 'hreflang="x-default" href="http://testserver/en/newsletter/archive/spring-news/"' in get(
        page_url(only_en, "en")
    ).content.decode()
    assert "in het Engels" in get(archive_url("nl")).content.decode()


def test_the_web_version_holds_nothing_of_any_recipient(public_topic, smtp_mail):
    confirmed_subscriber("zebulon.quixote@example.com", public_topic, language="nl", name="Zebulon Quixote")
    campaign = campaign_with_content(public_topic)
    Campaign.objects.filter(pk=campaign.pk).update(archive_published=True)
    campaign_archive_slug_ensure(campaign_id=campaign.pk)
    campaign_sending(campaign)
    send_all(campaign)
    campaign.refresh_from_db()
    assert campaign.status == "sent"
    [received] = smtp_mail.received
    message = received.message.get_body(("html",)).get_content()
    assert "Zebulon Quixote" in message and "/nl/newsletter/unsubscribe/" in message  # what the e-mail had
    for language in ("nl", "en"):
        html = get(page_url(campaign, language)).content.decode()
        assert "Lentenieuws" in html or "Spring news" in html
        for personal in ("Zebulon", "Quixote", "zebulon.quixote", "/newsletter/unsubscribe/",
                         "/newsletter/preferences/", "Hallo", "Hello"):
            assert personal not in html


# --- the list ----------------------------------------------------------------------------------

def test_the_archive_lists_sent_campaigns_newest_first_page_by_page(public_topic):
    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(13):
        published(public_topic, subject=f"Editie {n}", when=start + datetime.timedelta(days=n))
    published(public_topic, status="sending", subject="Nog bezig")
    first = get(archive_url("nl")).content.decode()
    subjects = re.findall(r'<h2><a href="/nl/newsletter/archive/[a-z0-9-]+/">([^<]+)</a></h2>', first)
    assert subjects == [f"Editie {n}" for n in range(12, 0, -1)]
    assert "Pagina 1 van 2" in first and 'href="?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = get(archive_url("nl") + "?page=2").content.decode()
    assert re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', second) == ["Editie 0"]
    assert f'href="{archive_url("nl")}" rel="prev"' in second
    assert 'hreflang="en" href="http://testserver/en/newsletter/archive/?page=2"' in second
    for bad in ("3", "0", "-1", "abc", "1.5"):
        assert get(archive_url("nl") + f"?page={bad}").status_code == 404
    assert "Nog bezig" not in first + second


def test_an_empty_archive_says_so(public_topic):
    for language, text in (("nl", "Er zijn hier nog geen nieuwsbrieven gepubliceerd."),
                           ("en", "No newsletters have been published here yet.")):
        response = get(archive_url(language))
        assert response.status_code == 200 and text in response.content.decode()


def test_only_get_and_head(public_topic):
    campaign = published(public_topic)
    for url in (archive_url("nl"), page_url(campaign, "nl")):
        assert Client().post(url).status_code == 405
        assert Client().head(url).status_code == 200


# --- share links, sitemap ----------------------------------------------------------------------

def test_share_links_name_the_site_not_the_host_asked_for(public_topic, settings):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    campaign = published(public_topic)
    for url, shared in ((page_url(campaign, "nl"), "/nl/newsletter/archive/lentenieuws/"),
                        (archive_url("en"), "/en/newsletter/archive/")):
        html = get(url, HTTP_HOST="evil.example").content.decode()
        share = html[html.index('<section class="share"'):]
        share = share[:share.index("</section>")]
        assert "linkedin.com/sharing/share-offsite/?url=" + quote(SITE + shared, safe="") in share
        assert "evil.example" not in share


def test_the_sitemap_has_the_archive_and_each_web_version_with_its_languages(public_topic):
    both = published(public_topic)
    only_nl = published(public_topic, languages=("nl",), subject="Alleen Nederlands")
    hidden = published(public_topic, subject="Niet gepubliceerd")
    Campaign.objects.filter(pk=hidden.pk).update(archive_published=False)
    sending = published(public_topic, status="sending", subject="Nog bezig")
    sitemap = get("/sitemap.xml").content.decode()
    for language in ("nl", "en"):
        assert f"<loc>http://testserver/{language}/newsletter/archive/</loc>" in sitemap
        assert f"<loc>http://testserver/{language}/newsletter/archive/{both.archive_slug}/</loc>" in sitemap
        assert (f'hreflang="{language}" href="http://testserver/{language}/newsletter/archive/{both.archive_slug}/"'
                in sitemap)
    assert f"<loc>http://testserver/nl/newsletter/archive/{only_nl.archive_slug}/</loc>" in sitemap
    assert f"/en/newsletter/archive/{only_nl.archive_slug}/" not in sitemap
    assert hidden.archive_slug not in sitemap and sending.archive_slug not in sitemap
    assert f"<lastmod>{both.finished_at.date().isoformat()}" in sitemap


# --- the address ------------------------------------------------------------------------------

def test_the_address_is_unique_readable_and_never_changes(public_topic):
    first = published(public_topic)
    second = published(public_topic)
    assert (first.archive_slug, second.archive_slug) == ("lentenieuws", "lentenieuws-2")
    odd = published(public_topic, subject="Één énergie_besparing — 2026!")
    assert odd.archive_slug == "een-energie-besparing-2026"
    emoji = published(public_topic, subject="☀️🔋")
    assert emoji.archive_slug == "newsletter"
    long = published(public_topic, subject="zon " * 40)
    assert len(long.archive_slug) <= 72 and not long.archive_slug.endswith("-")
    # taken off the website and back: the same address; a new subject does not move it
    Campaign.objects.filter(pk=first.pk).update(archive_published=False)
    CampaignContent.objects.filter(campaign=first).update(subject="Zomernieuws")
    Campaign.objects.filter(pk=first.pk).update(archive_published=True)
    assert campaign_archive_slug_ensure(campaign_id=first.pk) == "lentenieuws"
    # the database refuses any change, whatever writes it
    for value in ("zomernieuws", None):
        with pytest.raises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=first.pk).update(archive_slug=value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=second.pk).update(archive_slug=None)


def test_a_campaign_gets_no_address_until_it_is_marked_and_has_a_subject(public_topic):
    campaign = Campaign.objects.create(name="Internal: Q3 push", archive_published=True)
    campaign.topics.set([public_topic])
    assert campaign_archive_slug_ensure(campaign_id=campaign.pk) is None
    unmarked = campaign_with_content(public_topic)
    assert campaign_archive_slug_ensure(campaign_id=unmarked.pk) is None
    CampaignContent.objects.create(campaign=campaign, language="en", subject="Summer deals", body="Text")
    assert campaign_archive_slug_ensure(campaign_id=campaign.pk) == "summer-deals"  # never the internal name


def test_starting_a_campaign_gives_it_its_address(public_topic, settings):
    from newsletter.services.campaigns import campaign_start

    campaign = campaign_with_content(public_topic)
    Campaign.objects.filter(pk=campaign.pk).update(
        archive_published=True, status="scheduled", scheduled_at=timezone.now()
    )
    assert campaign_start(campaign_id=campaign.pk) == "sending"
    campaign.refresh_from_db()
    assert campaign.archive_slug == "lentenieuws"
    assert selectors.campaign_web_url(campaign=campaign, language="en") == SITE + "/en/newsletter/archive/lentenieuws/"


# --- the page cache follows the archive ---------------------------------------------------------

@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """What runs once the transaction commits (the test's own transaction never does) runs at the block's end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _cached(url: str) -> bool:
    return get(url)["X-Page-Cache"] == "hit"


@pytest.fixture
def marketer(db) -> User:
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return user


@pytest.fixture
def admin_client(marketer) -> Client:
    client = Client()
    client.force_login(marketer)
    return client


def _admin_save(admin_client: Client, campaign: Campaign, **changes) -> object:
    """The campaign's change form as the admin shows it, sent back with `changes`."""
    with translation.override("en"):
        url = reverse("admin:newsletter_campaign_change", args=[campaign.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update({"contents-TOTAL_FORMS": "0", "contents-INITIAL_FORMS": "0", **changes})
    if not data.get("archive_published"):
        data.pop("archive_published", None)
    return admin_client.post(url, data)


def test_unpublishing_in_the_admin_takes_the_pages_off_at_once(public_topic, admin_client, committed):
    campaign = published(public_topic)
    urls = [page_url(campaign, "nl"), page_url(campaign, "en"), archive_url("nl")]
    for url in urls:
        assert get(url).status_code == 200
        assert _cached(url)
    with committed():
        response = _admin_save(admin_client, campaign, archive_published="")
    assert response.status_code == 302
    assert get(urls[0]).status_code == get(urls[1]).status_code == 404
    assert "Lentenieuws" not in get(urls[2]).content.decode()
    # and published again: back, at the same address
    with committed():
        assert _admin_save(admin_client, campaign, archive_published="on").status_code == 302
    assert get(urls[0]).status_code == 200 and "Lentenieuws" in get(urls[2]).content.decode()


def test_a_topic_closed_to_the_archive_takes_its_campaigns_off(public_topic, admin_client, committed):
    campaign = published(public_topic)
    url = page_url(campaign, "nl")
    assert get(url).status_code == 200 and _cached(url)
    with translation.override("en"):
        change = reverse("admin:newsletter_topic_change", args=[public_topic.pk])
    with committed():
        response = admin_client.post(change, {
            "slug": public_topic.slug, "name_nl": public_topic.name_nl, "name_en": public_topic.name_en,
            "description_nl": "", "description_en": "", "is_public": "on", "position": "0",
            # the topic's welcome messages (none)
            "welcomes-TOTAL_FORMS": 0, "welcomes-INITIAL_FORMS": 0, "welcomes-MIN_NUM_FORMS": 0,
            "welcomes-MAX_NUM_FORMS": 2,
        })
    assert response.status_code == 302
    assert get(url).status_code == 404


def test_finishing_lists_it_and_cancelling_withdraws_it(public_topic, committed):
    finishing = published(public_topic, status="sending")
    Campaign.objects.filter(pk=finishing.pk).update(populated=True)
    assert "Lentenieuws" not in get(archive_url("nl")).content.decode() and _cached(archive_url("nl"))
    with committed():
        assert campaign_status.campaign_finish_if_done(campaign_id=finishing.pk)
    assert "Lentenieuws" in get(archive_url("nl")).content.decode()
    withdrawn = published(public_topic, status="sending", subject="Toch niet")
    url = page_url(withdrawn, "nl")
    assert get(url).status_code == 200 and _cached(url)
    with committed():
        assert campaign_status.campaign_cancel(campaign_id=withdrawn.pk)
    assert get(url).status_code == 404


# --- the admin -----------------------------------------------------------------------------------

def test_the_admin_offers_the_checkbox_with_its_help_and_refuses_a_closed_topic(topic, admin_client):
    campaign = campaign_with_content(topic)
    with translation.override("en"):
        url = reverse("admin:newsletter_campaign_change", args=[campaign.pk])
    html = admin_client.get(url).content.decode()
    assert 'name="archive_published"' in html and "Publish in the archive" in html
    assert "without a greeting by name or personal links" in html
    response = _admin_save(admin_client, campaign, archive_published="on")
    assert response.status_code == 200
    assert "may not be published in the archive" in response.content.decode()
    campaign.refresh_from_db()
    assert not campaign.archive_published and campaign.archive_slug is None


def test_the_checkbox_stays_editable_after_sending_and_shows_the_address(public_topic, admin_client):
    campaign = published(public_topic)
    with translation.override("en"):
        html = admin_client.get(reverse("admin:newsletter_campaign_change", args=[campaign.pk])).content.decode()
    assert 'name="archive_published"' in html and 'name="name"' not in html
    assert f'href="{SITE}/nl/newsletter/archive/lentenieuws/"' in html


def test_the_privacy_topic_cannot_be_opened_to_the_archive_in_the_admin(seeded, admin_client):
    privacy, _created = Topic.objects.get_or_create(
        slug=PRIVACY_TOPIC_SLUG, defaults={"name_nl": "Privacy", "name_en": "Privacy"}
    )
    with translation.override("en"):
        change = reverse("admin:newsletter_topic_change", args=[privacy.pk])
    response = admin_client.post(change, {
        "slug": privacy.slug, "name_nl": privacy.name_nl, "name_en": privacy.name_en, "description_nl": "",
        "description_en": "", "is_public": "on", "archive_public": "on", "position": "0",
        "welcomes-TOTAL_FORMS": 0, "welcomes-INITIAL_FORMS": 0, "welcomes-MIN_NUM_FORMS": 0,
        "welcomes-MAX_NUM_FORMS": 2,
    })
    assert response.status_code == 200
    assert "Privacy statement notices are never published in the archive." in response.content.decode()
    privacy.refresh_from_db()
    assert not privacy.archive_public


def test_the_subscription_page_leads_to_the_archive():
    for language, text in (("nl", "Lees eerdere nieuwsbrieven in het archief."),
                           ("en", "Read earlier newsletters in the archive.")):
        html = get(f"/{language}/newsletter/").content.decode()
        assert f'<a href="/{language}/newsletter/archive/">{text}</a>' in html
