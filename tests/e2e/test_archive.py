"""The newsletter archive and a campaign's web version in real Chromium: axe-core's WCAG 2.2 A/AA
rules (0 violations) in Dutch and English, the page's own CSP, and everything by keyboard."""

import datetime

import pytest
from django.utils import timezone

from newsletter.models import Campaign, CampaignContent, Topic
from newsletter.services.archive import campaign_archive_slug_ensure

from .conftest import axe_violations, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BODIES = {
    "nl": "## Zonnepanelen\n\nOnze **nieuwe** batterij, met [meer uitleg](https://www.ilumen.be/nl/).\n\n- één\n- twee",
    "en": "## Solar panels\n\nOur **new** battery, with [more](https://www.ilumen.be/en/).\n\n- one\n- two",
}


def _published(topic: Topic, subject: str, *, languages=("nl", "en"), days_ago: int = 0) -> Campaign:
    when = timezone.now() - datetime.timedelta(days=days_ago)
    campaign = Campaign.objects.create(name=subject, archive_published=True)
    campaign.topics.set([topic])  # before it starts: a started campaign's topics never change
    Campaign.objects.filter(pk=campaign.pk).update(status="sent", started_at=when, finished_at=when)
    for language in languages:
        CampaignContent.objects.create(
            campaign=campaign, language=language, subject=f"{subject} ({language})", body=BODIES[language],
        )
    campaign_archive_slug_ensure(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def archive(live_server, seeded, registry_seeded) -> dict[str, Campaign]:
    topic, _created = Topic.objects.update_or_create(
        slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "Newsletter", "archive_public": True},
    )
    campaigns = {f"edition-{n}": _published(topic, f"Editie {n}", days_ago=20 - n) for n in range(12)}
    campaigns["dutch-only"] = _published(topic, "Alleen Nederlands", languages=("nl",), days_ago=0)
    return campaigns


def test_the_archive_and_a_web_version_pass_axe_in_both_languages(page, live_server, archive, integrations_on):
    """With the analytics and the networks' own buttons on, as a site that uses them: the banner and each
    button's click-to-load placeholder are on every page too."""
    both, dutch_only = archive["edition-11"].archive_slug, archive["dutch-only"].archive_slug
    paths = [
        "/nl/newsletter/archive/", "/en/newsletter/archive/", "/en/newsletter/archive/?page=2",
        f"/nl/newsletter/archive/{both}/", f"/en/newsletter/archive/{both}/",
        f"/en/newsletter/archive/{dutch_only}/",  # not written in English: the page that says so
    ]
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response.status == (404 if path.endswith(f"{dutch_only}/") else 200), path
        assert page.locator("#consent-banner").is_visible()
        if response.status == 200:
            assert page.locator("[data-consent-placeholder='social']").count() == 3
        assert axe_violations(page) == [], path
        assert csp_violations(page) == [], path


def _focused(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def _tab_to(page, text: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page) == text:
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", ""), \
                f"the focus on {text!r} is visible"
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def test_the_archive_works_by_keyboard(page, live_server, archive):
    page.goto(live_server.url + "/nl/newsletter/archive/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main-content"
    page.keyboard.press("Enter")  # past the header and the banner, into the list
    order = []
    for _ in range(14):
        page.keyboard.press("Tab")
        order.append(_focused(page))
    assert order == [
        "Schrijf u in om ze per e-mail te ontvangen.", "Alleen Nederlands (nl)",
        *(f"Editie {n} (nl)" for n in range(11, 0, -1)), "Oudere nieuwsbrieven",
    ]
    page.keyboard.press("Enter")
    page.wait_for_url("**/nl/newsletter/archive/?page=2")
    _tab_to(page, "Editie 0 (nl)")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/nl/newsletter/archive/{archive['edition-0'].archive_slug}/")
    assert page.locator("h1").inner_text() == "Editie 0 (nl)"
    # the web version: its share links and the way back, by keyboard
    _tab_to(page, "Delen op LinkedIn (opent in een nieuw venster)")
    page.keyboard.press("Shift+Tab")
    for _ in range(10):
        if _focused(page) == "Nieuwsbriefarchief":
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/nl/newsletter/archive/")
    assert page.locator("h1").inner_text() == "Nieuwsbriefarchief"


def test_a_missing_language_leads_to_the_written_one_by_keyboard(page, live_server, archive):
    slug = archive["dutch-only"].archive_slug
    page.goto(live_server.url + f"/en/newsletter/archive/{slug}/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: past the language switcher's own "Nederlands"
    _tab_to(page, "Nederlands")
    assert page.evaluate("[document.activeElement.tagName, document.activeElement.getAttribute('lang')]") == [
        "A", "nl",
    ]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/nl/newsletter/archive/{slug}/")
    assert page.locator("h1").inner_text() == "Alleen Nederlands (nl)"
