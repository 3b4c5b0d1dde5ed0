"""Contact, my-data and retention pages, and the statistics chart, in Chromium under the strict CSP."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from accesslog.models import PageView
from datarights import services, tokens
from datarights.models import AccessLink

from .conftest import admin_sign_in, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_pages_render_without_csp_violations(page, live_server, seeded):
    for url in ("/nl/contact/", "/en/contact/", "/nl/privacy/my-data/", "/en/privacy/retention/",
                "/nl/privacy/retention/"):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        assert csp_violations(page) == [], url
    # The honeypot is not shown to people.
    page.goto(live_server.url + "/en/contact/")
    assert not page.locator("#id_website").is_visible()
    assert page.locator("#id_email").is_visible()


def test_my_data_flow_in_the_browser(page, live_server, seeded, settings, tmp_path):
    settings.SITE_URL = live_server.url
    settings.ERASURE_LOG_FILE = tmp_path / "erasures.jsonl"
    link = services.access_link_request(email="browser@example.org", language="en")
    page.goto(f"{live_server.url}/en/privacy/my-data/open/{tokens.link_token(link.pk)}/")
    page.get_by_role("button", name="Show my data").click()
    page.wait_for_url("**/en/privacy/my-data/view/")
    assert "browser@example.org" in page.content()
    cookie = next(c for c in page.context.cookies() if c["name"] == tokens.SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.get_by_role("link", name="Erase my data").click()
    page.get_by_role("button", name="Yes, erase my data").click()
    page.wait_for_selector("text=Your data has been erased")
    assert csp_violations(page) == []
    assert not AccessLink.objects.filter(email="browser@example.org").exists()
    assert settings.ERASURE_LOG_FILE.read_text().count("\n") == 1


def test_statistics_chart_is_drawn_without_scripts_or_inline_styles(page, live_server):
    User.objects.create_superuser("root", "root@example.com", "a-long-test-password")
    now = timezone.now()
    PageView.objects.bulk_create(
        [PageView(time=now - timezone.timedelta(days=i % 5), path="/nl/", status=200, language="nl" if i % 3 else "en",
                  ip="192.0.2.1") for i in range(40)]
    )
    admin_sign_in(page, live_server.url, "root", "a-long-test-password")
    for url in ("/en/admin/accesslog/pageview/", "/en/admin/datarights/datarequest/",
                "/en/admin/datarights/datarequest/add/", "/en/admin/contact/contactmessage/"):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        assert csp_violations(page) == [], url
    page.goto(live_server.url + "/en/admin/accesslog/pageview/")
    bars = page.locator("svg.stats-chart rect[fill]")
    assert bars.count() >= 5
    box = page.locator("svg.stats-chart").bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    assert "192.0.2.1" not in page.content()
