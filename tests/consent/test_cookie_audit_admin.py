"""The cookie audit's reports in the admin: Legal reads them (never edits), in Dutch and English,
errors first, each finding with the registry change that resolves it one click away."""

import pytest
from django.urls import reverse

from consent import selectors, services
from consent.audit import findings as f
from consent.models import Cookie, CookieAudit

pytestmark = pytest.mark.django_db


def _report() -> CookieAudit:
    registry = selectors.registry_state()
    found = [
        f.Finding(f.WARNING, f.NOT_SEEN, "sessionid", category="necessary", cookie=("sessionid", "")),
        f.Finding(f.ERROR, f.UNDECLARED_COOKIE, "tracker", domain="ads.example", states=[f.NO_CHOICE, f.GPC],
                  page="/nl/contact/", pages={"/nl/contact/"}, source="https://ads.example/t.js"),
        f.Finding(f.ERROR, f.LIFETIME_EXCEEDED, "_ga", category="analytics", cookie=("_ga", ""),
                  states=[f.ACCEPT_ALL], page="/nl/", pages={"/nl/"}, observed_seconds=800 * 86400,
                  declared_seconds=2 * 366 * 86400),
        f.Finding(f.ERROR, f.THIRD_PARTY_REQUEST, "www.googletagmanager.com", states=[f.ONLY + "social"],
                  page="/en/", pages={"/en/"}, source="https://www.googletagmanager.com/gtag/js"),
    ]
    observations = {f.NO_CHOICE: {"cookies": [{"name": "csrftoken", "domain": "www.ilumen.test", "path": "/",
                                               "lifetime": 31449600, "http_only": True, "secure": False,
                                               "same_site": "Lax", "page": "/nl/", "source": "/nl/"}],
                                  "storage": [], "requests": [], "failures": ["/nl/contact/: Timeout"]}}
    return services.cookie_audit_record(
        base_url="https://www.ilumen.test", registry_revision_id=registry.revision_id,
        states=[f.NO_CHOICE, f.GPC, f.ACCEPT_ALL, f.ONLY + "social"], pages=["/nl/", "/en/"],
        observations=observations, findings=found,
    )


@pytest.fixture
def legal(client, group_member):
    client.force_login(group_member("Legal"))
    return client


def test_the_report_is_stored_with_its_counts_and_links_to_the_registry():
    report = _report()
    assert (report.errors, report.warnings) == (3, 1)
    assert report.registry_revision.number == selectors.registry_state().revision
    ordered = [(x.severity, x.kind) for x in report.findings.all()]
    assert ordered == [("error", "lifetime_exceeded"), ("error", "third_party_request"),
                       ("error", "undeclared_cookie"), ("warning", "not_seen")]
    by_subject = {x.subject: x for x in report.findings.all()}
    assert by_subject["_ga"].cookie == Cookie.objects.get(name="_ga", domain="")
    assert by_subject["tracker"].cookie is None and by_subject["tracker"].page_count == 1


@pytest.mark.parametrize("language", ["nl", "en"])
def test_legal_reads_the_report_errors_first_with_one_click_fixes(legal, language, integrations_on):
    report = _report()
    listing = legal.get(f"/{language}/admin/consent/cookieaudit/")
    assert listing.status_code == 200 and "https://www.ilumen.test" in listing.content.decode()
    page = legal.get(f"/{language}/admin/consent/cookieaudit/{report.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    texts = {
        "nl": ["Fout", "Waarschuwing",
               "De cookie “tracker” (geplaatst op ads.example) staat niet in het cookieregister.",
               "geen keuze", "alleen “Sociale media”", "2 jaar", "/nl/contact/: Timeout"],
        "en": ["Error", "Warning", "The cookie “tracker” (set on ads.example) is not in the cookie registry.",
               "no choice yet", "only “Social media”", "2 years", "/nl/contact/: Timeout"],
    }[language]
    for text in texts:
        assert text in body, text
    first_error, first_warning = body.index(texts[0] + "<"), body.index(texts[1] + "<")
    assert first_error < first_warning  # errors first
    add = reverse("admin:consent_cookie_add") + "?name=tracker&amp;domain=ads.example"
    change = reverse("admin:consent_cookie_change", args=[Cookie.objects.get(name="_ga").pk])
    assert add in body and change in body
    # the add form opens filled in
    form = legal.get(reverse("admin:consent_cookie_add") + "?name=tracker&domain=ads.example")
    assert form.status_code == 200
    assert form.context["adminform"].form.initial == {"name": "tracker", "domain": "ads.example"}


def test_nobody_edits_a_report_and_only_staff_with_the_right_read_it(legal, client, group_member):
    report = _report()
    change = f"/en/admin/consent/cookieaudit/{report.pk}/change/"
    assert legal.post(change, {"base_url": "https://elsewhere.test"}).status_code == 403
    assert legal.get("/en/admin/consent/cookieaudit/add/").status_code == 403
    assert legal.get(f"/en/admin/consent/cookieaudit/{report.pk}/delete/").status_code == 403
    report.refresh_from_db()
    assert report.base_url == "https://www.ilumen.test"
    client.logout()
    client.force_login(group_member("Marketing"))
    assert client.get(change).status_code == 403
