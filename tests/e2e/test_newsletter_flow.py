"""A visitor subscribes, confirms and unsubscribes in a real browser.

The confirmation and unsubscribe pages are reached through a secret link and send
`Referrer-Policy: no-referrer`; with it, Chromium sends `Origin: null` on their form
posts, which these tests prove the site still accepts. The preference page takes only
posts from its own form (Sec-Fetch-Site), which Chromium's are.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from mail.services import outbox_deliver
from newsletter.models import Topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _link(message, kind: str) -> str:
    url = re.search(rf"https?://\S+/newsletter/{kind}/\S+/", message.body).group(0)
    return urlsplit(url).path


def test_subscribe_confirm_and_unsubscribe_in_the_browser(page, live_server, seeded, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    # Other browser tests flush the database; the topics the migration made may be gone.
    Topic.objects.get_or_create(slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "Newsletter"})
    page.goto(live_server.url + "/en/newsletter/")
    page.fill("main input[name=email]", "visitor@example.com")
    page.locator("main input[name=topics]").first.check()
    page.locator("main input[name=consent]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/newsletter/thanks/")

    outbox_deliver()
    confirm_path = _link(mail.outbox[-1], "confirm")
    page.goto(live_server.url + confirm_path)
    assert page.evaluate("() => document.referrer") == ""
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "403" not in page.title()
    assert page.locator("main").inner_text().lower().count("confirm") >= 1
    from newsletter.models import Subscriber

    subscriber = Subscriber.objects.get(email="visitor@example.com")
    assert subscriber.subscriptions.filter(confirmed_at__isnull=False).exists()

    # The preference page takes only its own form's posts (Sec-Fetch-Site): Chromium's pass.
    page.locator("main a[href*='/newsletter/preferences/']").click()
    page.wait_for_load_state()
    page.fill("main input[name=name]", "Vera")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Your preferences are saved." in page.locator("main").inner_text()
    subscriber.refresh_from_db()
    assert subscriber.name == "Vera"

    # The unsubscribe link of a newsletter: a GET shows a button, the button unsubscribes.
    from django.urls import reverse
    from django.utils import translation

    from newsletter.tokens import unsubscribe_token_make

    token = unsubscribe_token_make(subscriber.uuid, None)
    with translation.override("en"):  # the page in English, whatever the test process has active
        unsubscribe_url = reverse("newsletter:unsubscribe", kwargs={"token": token})
    page.goto(live_server.url + unsubscribe_url)
    assert subscriber.subscriptions.filter(status="confirmed").exists(), "a GET must not unsubscribe"
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    page.wait_for_load_state()
    assert "403" not in page.title()
    assert not subscriber.subscriptions.filter(status="confirmed").exists()
