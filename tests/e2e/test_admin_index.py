"""The admin index's panels in real Chromium: for each role, in Dutch and English, no violation of
axe-core's WCAG 2.2 AA rules, and every count link reached with Tab and opened with Enter."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from contact.models import ContactMessage
from datarights.models import DataRequest
from datarights.services import request_register
from newsletter.models import Campaign

from .conftest import CSP_RECORDER, admin_sign_in, axe_violations, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
ROLES = {"Legal": "legal", "Marketing": "marketing", "Support": "support", "Web editor": None}


def _focused_href(page) -> str:
    return page.evaluate("document.activeElement.getAttribute('href') || ''")


def _tab_to(page, href: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused_href(page) == href:
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")
            return
    raise AssertionError(f"{href} cannot be reached with Tab")


@pytest.fixture
def something_to_do(registry_seeded) -> None:
    overdue = request_register(kind="access", email="late@example.org",
                               received_on=timezone.localdate() - datetime.timedelta(days=60))
    DataRequest.objects.filter(pk=overdue.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    Campaign.objects.create(name="Held", status=Campaign.Status.PAUSED)
    ContactMessage.objects.create(name="A visitor", email="v@example.org", subject="Hello", message="Hi",
                                  language="nl")


@pytest.mark.parametrize("group", list(ROLES))
def test_each_role_reads_its_panel_without_violations_and_by_keyboard(browser, live_server, something_to_do, group):
    username = group.lower().replace(" ", "-")
    user = User.objects.create_user(username, f"{username}@ilumen.be", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    context = browser.new_context(locale="nl-BE")
    context.add_init_script(CSP_RECORDER)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        admin_sign_in(page, live_server.url, username, PASSWORD)
        for language in ("nl", "en"):
            page.goto(f"{live_server.url}/{language}/admin/")
            assert page.locator(".staff-panel").count() == (1 if ROLES[group] else 0)
            assert axe_violations(page) == [], (group, language)

        if ROLES[group] is None:
            return
        hrefs = page.locator(f"#panel-{ROLES[group]} a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(hrefs) >= 4
        for href in hrefs:
            page.goto(f"{live_server.url}/en/admin/")
            _tab_to(page, href)
            with page.expect_navigation():
                page.keyboard.press("Enter")
            assert page.url == live_server.url + href
            assert page.locator("#content h1").count() == 1
        assert csp_violations(page) == []
    finally:
        context.close()
