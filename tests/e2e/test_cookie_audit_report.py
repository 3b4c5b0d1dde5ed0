"""The cookie audit's report as Legal reads it in the admin, in real Chromium: both languages, no
accessibility violation (axe-core, WCAG 2.2 AA), and a finding's registry change reached by keyboard."""

import pytest
from django.contrib.auth.models import Group, User

from consent import selectors, services
from consent.audit import findings as f

from .conftest import admin_sign_in, axe_violations, csp_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


def _report():
    """A report with one finding of every kind, as the audit writes it."""
    registry = selectors.registry_state()
    found = [
        f.Finding(f.ERROR, f.UNDECLARED_COOKIE, "tracker", domain="ads.example", states=[f.NO_CHOICE, f.GPC],
                  page="/nl/", pages={"/nl/"}, source="https://ads.example/t.js"),
        f.Finding(f.ERROR, f.UNDECLARED_STORAGE, "visits", states=[f.NO_CHOICE], page="/en/", pages={"/en/"},
                  source="https://www.ilumen.test/en/ (inline script)"),
        f.Finding(f.ERROR, f.NOT_GRANTED, "_ga", category="analytics", cookie=("_ga", ""),
                  states=[f.ONLY + "social"], page="/nl/", pages={"/nl/"}),
        f.Finding(f.ERROR, f.THIRD_PARTY_REQUEST, "cdn.example", states=[f.REJECT_ALL], page="/nl/",
                  pages={"/nl/"}, source="https://cdn.example/x.js"),
        f.Finding(f.ERROR, f.LIFETIME_EXCEEDED, "_ga", category="analytics", cookie=("_ga", ""),
                  states=[f.ACCEPT_ALL], page="/nl/", pages={"/nl/"}, observed_seconds=800 * 86400,
                  declared_seconds=2 * 366 * 86400),
        f.Finding(f.WARNING, f.NOT_SEEN, "sessionid", category="necessary", cookie=("sessionid", "")),
        f.Finding(f.WARNING, f.NO_MAX_LIFETIME, "_gid", category="analytics", cookie=("_gid", "")),
    ]
    observations = {f.NO_CHOICE: {"cookies": [{"name": "csrftoken", "domain": "www.ilumen.test", "path": "/",
                                               "lifetime": 31449600, "http_only": True, "secure": False,
                                               "same_site": "Lax", "page": "/nl/", "source": "/nl/"}],
                                  "storage": [], "requests": [], "failures": []}}
    return services.cookie_audit_record(
        base_url="https://www.ilumen.test", registry_revision_id=registry.revision_id,
        states=[f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ACCEPT_ALL, f.ONLY + "analytics", f.ONLY + "social"],
        pages=["/nl/", "/en/"], observations=observations, findings=found,
    )


def test_legal_reads_the_report_without_accessibility_violations(live_server, page, registry_seeded):
    report = _report()
    legal = User.objects.create_user("legal", "legal@ilumen.be", PASSWORD, is_staff=True)
    legal.groups.add(Group.objects.get(name="Legal"))
    admin_sign_in(page, live_server.url, "legal", PASSWORD)
    for language, title in (("en", "Cookie audit"), ("nl", "Cookiecontrole")):
        page.goto(f"{live_server.url}/{language}/admin/consent/cookieaudit/")
        assert axe_violations(page) == [], language
        page.goto(f"{live_server.url}/{language}/admin/consent/cookieaudit/{report.pk}/change/")
        assert title in page.title()
        page.locator("details summary").first.click()  # everything recorded, opened
        assert axe_violations(page) == [], language
        assert csp_violations(page) == []
    # the registry change that resolves the first error, by keyboard
    fix = page.get_by_role("link", name="“tracker” aan het register toevoegen")
    fix.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/nl/admin/consent/cookie/add/?name=tracker&domain=ads.example")
    assert page.locator("#id_name").input_value() == "tracker"
    assert page.locator("#id_domain").input_value() == "ads.example"
