"""Every page, the admin included, renders under the strict CSP without a single violation."""

import datetime

import pytest
from django.contrib.auth.models import User

from privacy.models import Document, Version

from .conftest import admin_sign_in, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VISITOR_PAGES = [
    "/nl/", "/en/", "/nl/privacy/", "/en/privacy/", "/nl/privacy/history/", "/en/privacy/v1/",
    "/en/privacy/diff/?from=1&to=1", "/nl/privacy/illuminoo/", "/en/legal-notice/", "/nl/no-such-page/",
]


def _assert_clean(page, url: str) -> None:
    assert csp_violations(page) == [], f"CSP violations on {url}"
    header = page.evaluate("() => document.documentElement.lang")
    assert header in {"nl", "en"}


def test_visitor_pages_have_no_csp_violations(page, live_server, seeded):
    for url in VISITOR_PAGES:
        response = page.goto(live_server.url + url)
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        _assert_clean(page, url)


def test_admin_pages_have_no_csp_violations(page, live_server, seeded):
    User.objects.create_superuser("root", "root@example.com", "a-long-test-password")
    draft = Version.objects.create(
        document=Document.objects.get(slug="ilumen"), language="en", title="Draft", body="## New\n\nText.",
        last_amended=datetime.date(2026, 11, 1),
    )
    page.goto(live_server.url + "/en/admin/login/")
    _assert_clean(page, "login")
    admin_sign_in(page, live_server.url, "root", "a-long-test-password")
    for url in (
        "/en/admin/",
        "/en/admin/privacy/version/",
        f"/en/admin/privacy/version/{draft.pk}/change/",
        f"/en/admin/privacy/version/{draft.pk}/preview/",
        f"/en/admin/privacy/version/{draft.pk}/compare/",
        f"/en/admin/privacy/version/{draft.pk}/publish/",
        "/en/admin/pages/keyfigure/",
        "/en/admin/pages/companyprofile/1/change/",
    ):
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        _assert_clean(page, url)


def test_language_switcher_keeps_the_page(page, live_server, seeded):
    page.goto(live_server.url + "/nl/privacy/history/")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/en/privacy/history/")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["django_language"]["value"] == "en"


def test_skip_link_is_first_and_moves_focus_to_main(page, live_server, seeded):
    page.goto(live_server.url + "/en/privacy/")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main-content"


def test_the_violation_recorder_catches_an_inline_script(page, live_server, seeded):
    """Guards the tests above: an injected inline script must be blocked and recorded."""
    page.goto(live_server.url + "/en/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_function("() => window.__cspViolations.length > 0")
    assert page.evaluate("() => window.ran") is None
    assert csp_violations(page)[0]["directive"].startswith("script-src")
