"""The statement diff in Chromium: axe-core's WCAG 2.2 AA rules in both languages and both views, and
the switch between the changes and the whole document by keyboard."""

import datetime

import pytest

from privacy.models import Document, Version
from privacy.services.statements import version_publish

from .conftest import axe_violations, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _publish_changed(language: str, old: str, new: str) -> None:
    document = Document.objects.get(slug="ilumen")
    body = Version.objects.get(document=document, language=language, number=1).body
    assert old in body
    draft = Version.objects.create(
        document=document, language=language, title="Privacy", body=body.replace(old, new),
        last_amended=datetime.date(2026, 11, 1),
    )
    version_publish(version=draft, user=None, material=False)


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id")


def _tab_to_the_switch(page, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page) == "diff-switch":
            assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")
            return
    raise AssertionError("the switch cannot be reached with Tab")


def test_the_diff_passes_axe_and_its_switch_works_by_keyboard(page, live_server, seeded):
    _publish_changed("en", "default log files", "standard log files")
    _publish_changed("nl", "Naam en voornaam", "Naam, voornaam en geboortedatum")
    for path in ("/en/privacy/diff/?from=1&to=2", "/nl/privacy/diff/?from=1&to=2",
                 "/en/privacy/diff/?from=1&to=2&view=all", "/nl/privacy/diff/?from=abc"):
        response = page.goto(live_server.url + path)
        assert response.status == (400 if "abc" in path else 200), path
        assert axe_violations(page) == [], path
        assert csp_violations(page) == [], path

    page.goto(live_server.url + "/en/privacy/diff/?from=1&to=2")
    label = page.locator(".diff del .visually-hidden").first
    assert label.inner_text() == "removed:"
    box = label.bounding_box()
    assert box["width"] <= 1 and box["height"] <= 1  # read out, not seen
    assert not page.get_by_text("iLusmart App").count()
    _tab_to_the_switch(page)
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/privacy/diff/?from=1&to=2&view=all")
    assert page.get_by_role("heading", name="iLusmart App").is_visible()
    _tab_to_the_switch(page)
    assert page.locator("#diff-switch").inner_text() == "Show only the changes"
    page.keyboard.press("Enter")
    page.wait_for_url("**/en/privacy/diff/?from=1&to=2")
    assert page.locator(".diff-skipped").count() == 2
