"""The campaign editor in real Chromium: the live preview follows the typing before anything is
saved (the HTML part in its frame, the plain-text part, what saving would refuse), the page keeps
its CSP without a violation and passes axe-core's WCAG 2.2 A/AA rules, the preview's text part
opens by keyboard, and "Duplicate" makes a draft copy."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import Error as PlaywrightError

from newsletter.models import Campaign, Topic
from tests.polling import wait_until

from .conftest import admin_sign_in, axe_violations, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def marketer(live_server, settings) -> str:
    settings.SITE_URL = live_server.url  # the logo and images load from the test server
    Topic.objects.get_or_create(slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "Newsletter"})
    user = User.objects.create_user("marketer", "marketer@ilumen.be", "a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Marketing"))
    return user.username


def _frame_text(page, name: str) -> str:
    frame = page.frame(name=name)
    try:
        return frame.evaluate("() => document.body ? document.body.innerText : ''") if frame else ""
    except PlaywrightError:  # the frame reloads as the preview follows the typing: read it on the next poll
        return ""


def test_the_live_preview_follows_the_typing_and_duplicate_copies(page, live_server, marketer):
    admin_sign_in(page, live_server.url, marketer, "a-long-test-password")
    page.goto(live_server.url + "/en/admin/newsletter/campaign/add/")
    page.fill("#id_name", "Spring")
    page.check(f"input[name=topics][value='{Topic.objects.get(slug='newsletter').pk}']")
    page.select_option("#id_contents-0-language", "nl")
    page.fill("#id_contents-0-subject", "Lentenieuws")
    page.fill("#id_contents-0-preheader", "De batterij is er")
    page.locator("#id_contents-0-body").press_sequentially("Onze **nieuwe** batterij.", delay=5)

    frame_name = page.locator("#contents-0 .live-preview iframe").get_attribute("name")
    wait_until(lambda: "Onze nieuwe batterij." in _frame_text(page, frame_name), timeout=10,
               what="the typed body in the preview frame")
    frame = page.frame(name=frame_name)
    assert frame.locator("strong").inner_text() == "nieuwe"
    assert "Beste Jane," in _frame_text(page, frame_name) and "Nieuwsbrief" in _frame_text(page, frame_name)
    assert frame.locator("img.logo").evaluate("img => img.naturalWidth") == 320  # from the site itself
    panel = page.locator("#contents-0 .live-preview")
    page.wait_for_function("() => document.querySelector('#contents-0 .live-preview pre').textContent.length > 0")
    assert "Onze nieuwe batterij." in panel.locator("pre").text_content()

    # The plain-text part written by hand replaces the automatic one in the preview.
    page.fill("#id_contents-0-text", "Zelf geschreven tekst.")
    page.wait_for_function(
        "() => document.querySelector('#contents-0 .live-preview pre').textContent.includes('Zelf geschreven')"
    )
    assert "Onze nieuwe batterij." not in panel.locator("pre").text_content()
    # A third-party image: the preview says what saving would refuse.
    page.locator("#id_contents-0-body").press_sequentially("\n\n![x](https://tracker.example/p.gif)", delay=2)
    page.wait_for_function(
        "() => document.querySelector('#contents-0 .live-preview-status').textContent.includes('tracker.example')"
    )

    # By keyboard: the plain-text part opens from its summary.
    page.locator("#contents-0 .live-preview summary").focus()
    page.keyboard.press("Enter")
    assert panel.locator("details").evaluate("d => d.open")
    assert csp_violations(page) == []
    assert axe_violations(page) == []
    assert not Campaign.objects.exists()  # all of it before saving

    page.fill("#id_contents-0-body", "Onze **nieuwe** batterij.")
    page.click("input[name=_continue]")
    page.wait_for_url("**/change/")
    campaign = Campaign.objects.get()
    assert campaign.contents.get().preheader == "De batterij is er"
    assert axe_violations(page) == [] and csp_violations(page) == []

    # The saved campaign's preview page frames the e-mail the same way.
    page.goto(live_server.url + f"/en/admin/newsletter/campaign/{campaign.pk}/preview/nl/")
    assert page.frame_locator("iframe").locator("strong").inner_text() == "nieuwe"
    assert csp_violations(page) == []
    page.go_back()
    page.get_by_role("button", name="Duplicate").click()
    page.wait_for_url(lambda url: f"/{campaign.pk}/change/" not in url and url.endswith("/change/"))
    copy = Campaign.objects.exclude(pk=campaign.pk).get()
    assert copy.name == "Spring (copy)" and copy.status == "draft"
    assert list(copy.topics.values_list("slug", flat=True)) == ["newsletter"]
    assert copy.contents.get().text == "Zelf geschreven tekst."
    assert "A copy was made as a new draft" in page.locator(".messagelist").inner_text()
