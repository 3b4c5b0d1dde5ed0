"""Real Chromium (Debian's package) driven by Playwright against pytest-django's live server."""

import contextlib
import os
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

# Playwright's sync API runs an event loop in this thread; the Django calls the
# tests make around it are still plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Records every CSP violation the page reports, before any page script runs.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample});
});
"""


class Visitor:
    """One browser context, recording every request it makes."""

    def __init__(self, browser, *, language: str = "nl-BE", **options) -> None:
        self.context = browser.new_context(locale=language, **options)
        self.context.add_init_script(CSP_RECORDER)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)

    def hosts(self) -> set[str]:
        return {urlsplit(url).hostname for url in self.requests if not url.startswith(("data:", "about:"))}

    def cookies(self) -> dict[str, dict]:
        return {c["name"]: c for c in self.context.cookies()}

    def optional_cookies(self) -> set[str]:
        return {name for name in self.cookies() if name.startswith("_g")}

    def banner_visible(self) -> bool:
        return self.page.locator("#consent-banner").is_visible()


@contextlib.contextmanager
def visitors(browser) -> Iterator[Callable[..., Visitor]]:
    """Makes visitors in `browser` (each test file launches the browser its host rules need);
    closes their contexts at the end."""
    created: list[Visitor] = []

    def make(**options) -> Visitor:
        created.append(Visitor(browser, **options))
        return created[-1]

    try:
        yield make
    finally:
        for visitor in created:
            visitor.context.close()


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser) -> Iterator:
    context = browser.new_context(locale="nl-BE")
    context.add_init_script(CSP_RECORDER)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def csp_violations(page) -> list[dict]:
    return page.evaluate("window.__cspViolations")


# What "0 violations" means: axe-core's rules for WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now, one line per rule and element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return [
        f"{violation['id']}: {violation['help']} at {', '.join(map(str, node['target']))}"
        for violation in results.response["violations"] for node in violation["nodes"]
    ]


def admin_sign_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in to the admin through its real form: password and a current TOTP code."""
    from django.contrib.auth.models import User
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(user=user, name="app")
    page.goto(base_url + "/en/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.fill("#id_otp_token", f"{totp(device.bin_key):06d}")
    page.click("input[type=submit]")
    page.wait_for_url("**/en/admin/")
