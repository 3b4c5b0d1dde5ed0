"""Public forms on a cached page work in real Chromium without a CSRF token or cookie.

The browser sends Sec-Fetch-Site and Origin with each post (core.security.same_origin_form
checks them); the page, served from the page cache, holds no per-visitor token.
"""

from newsletter.models import Subscriber, Topic


def _cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def test_banner_footer_subscription_and_language_switch_on_a_cached_page(
    page, live_server, seeded, registry_seeded, integrations_on, settings
):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    Topic.objects.get_or_create(slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "Newsletter"})
    url = live_server.url + "/en/privacy/"
    page.goto(url)  # the first view fills the cache
    response = page.goto(url)
    assert response.headers["x-page-cache"] == "hit"
    assert "csrfmiddlewaretoken" not in page.content()

    page.locator("#consent-banner").get_by_role("button", name="Reject all").click()
    page.wait_for_function("() => document.getElementById('consent-banner').hidden")
    assert "ilumen_consent" in _cookie_names(page)

    footer = page.locator("section.nl-footer form")
    footer.locator("input[name=email]").fill("footer@example.com")
    footer.locator("input[name=topics]").first.check()
    footer.locator("input[name=consent]").check()
    footer.get_by_role("button", name="Subscribe").click()
    page.wait_for_url("**/en/newsletter/thanks/")
    assert Subscriber.objects.filter(email="footer@example.com").exists()

    dutch = live_server.url + "/nl/privacy/history/"
    page.goto(dutch)
    assert page.goto(dutch).headers["x-page-cache"] == "hit"
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/en/privacy/history/")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert settings.CSRF_COOKIE_NAME not in _cookie_names(page)
