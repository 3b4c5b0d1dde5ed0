"""Cookie consent: decisions, the signed cookie, withdrawal, GPC, proof records, speed."""

import datetime
import hashlib
import re
import uuid
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent import cookie as consent_cookie
from consent.cookie import ConsentCookie
from consent.models import Category, ConsentRecord, Cookie, GpcRefusalDay
from consent.services import registry_revise, user_agent_hash
from privacy.models import Version
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db

CONSENT = "ilumen_consent"
UA = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


@pytest.fixture(autouse=True)
def _fresh_registry_copy():
    """This process's short-lived registry copy must not outlive a test that changed the registry."""
    from consent.selectors import registry_cache_clear

    registry_cache_clear()
    yield
    registry_cache_clear()


def decide(client, action: str, *, language: str = "en", categories=(), source: str = "banner", **extra):
    data = {"action": action, "next": extra.pop("next", f"/{language}/privacy/"), "source": source,
            "category": list(categories)}
    if "revision" in extra:
        data["revision"] = extra.pop("revision")
    return client.post(f"/{language}/privacy/consent/", data, HTTP_USER_AGENT=UA, **extra)


def banner_shown(html: str) -> bool:
    match = re.search(r'<section id="consent-banner"[^>]*>', html)
    assert match, "the banner markup is on every page"
    return " hidden" not in match.group(0)


@dataclass(frozen=True)
class Control:
    tag: str
    value: str
    classes: str
    text: str


class _FirstLayer(HTMLParser):
    """The controls of the banner's first layer: its own form, not the settings form nested in the
    banner (hidden until "Settings" is opened), which has buttons with the same labels."""

    def __init__(self) -> None:
        super().__init__()
        self.in_banner = self.in_layer = False
        self.controls: list[Control] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "section" and attributes.get("id") == "consent-banner":
            self.in_banner = True
        elif tag == "form" and self.in_banner:
            self.in_layer = "consent-form" in attributes.get("class", "").split()
        elif self.in_layer and tag in ("button", "a") and "consent-button" in attributes.get("class", "").split():
            self._open = {"tag": tag, "value": attributes.get("value", ""), "classes": attributes["class"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open["tag"]:
            self.controls.append(Control(**{**self._open, "text": " ".join(self._open["text"].split())}))
            self._open = None
        elif tag == "form":
            self.in_layer = False
        elif tag == "section":
            self.in_banner = False


def first_layer(html: str) -> list[Control]:
    parser = _FirstLayer()
    parser.feed(html)
    return parser.controls


def optional_cookies(response) -> set[str]:
    necessary = {"csrftoken", settings.LANGUAGE_COOKIE_NAME, CONSENT, settings.SESSION_COOKIE_NAME}
    return {m.key for m in response.cookies.values() if m.value and m.key not in necessary}


@pytest.fixture
def registry(db, integrations_on):
    """The registry as migration 0004 seeded it (revision 1), with the integrations its cookies belong to on."""
    from consent.selectors import registry_state

    state = registry_state()
    assert state is not None and state.revision == 1
    return state


# --- the cookie -----------------------------------------------------------------------


def _cookie(**changes) -> ConsentCookie:
    values = {
        "consent_id": uuid.uuid4(), "revision": 1, "granted": frozenset({"analytics"}), "method": "banner",
        "gpc": False, "given_at": timezone.now().replace(microsecond=0),
    }
    return ConsentCookie(**{**values, **changes})


def test_cookie_round_trip_and_forgery():
    cookie = _cookie()
    value = consent_cookie.encode(cookie)
    assert consent_cookie.decode(value) == cookie
    assert re.fullmatch(r"[A-Za-z0-9_\-:.]+", value), "no character that needs quoting in a cookie"
    payload, signature = value.rsplit(":", 1)
    assert consent_cookie.decode(payload + ":" + signature[::-1]) is None
    forged = consent_cookie._signer().sign_object({"i": uuid.uuid4().hex})  # signed, but not a consent
    assert consent_cookie.decode(forged) is None
    other_key = signing.Signer(key="not-our-secret-key", salt=consent_cookie.SALT).sign_object({"i": "x"})
    assert consent_cookie.decode(other_key) is None
    for junk in ("", "x", "a:b:c", "%" * 5000):
        assert consent_cookie.decode(junk) is None


def test_cookie_holds_for_its_revision_and_maximum_age(settings):
    settings.CONSENT_MAX_AGE_DAYS = 182
    now = timezone.now()
    cookie = _cookie(given_at=now - datetime.timedelta(days=181))
    assert consent_cookie.is_current(cookie, 1, now=now)
    assert not consent_cookie.is_current(cookie, 2, now=now)
    assert not consent_cookie.is_current(_cookie(given_at=now - datetime.timedelta(days=183)), 1, now=now)
    assert not consent_cookie.is_current(_cookie(given_at=now + datetime.timedelta(days=1)), 1, now=now)


# --- first visit and decisions ----------------------------------------------------------


def test_first_visit_shows_the_banner_and_sets_no_optional_cookie(client, registry, seeded):
    response = client.get("/nl/privacy/")
    html = response.content.decode()
    assert banner_shown(html)
    assert optional_cookies(response) == set()
    assert set(response.cookies) <= {"csrftoken"}
    # both choices on the first layer, side by side, before any settings
    assert [c.text for c in first_layer(html)] == ["Alles accepteren", "Alles weigeren", "Instellingen"]
    # the page itself is there behind the banner: no cookie wall
    assert "statement-body" in html
    assert not ConsentRecord.objects.exists()


def test_accept_and_reject_are_the_same_kind_of_element(client, registry):
    html = client.get("/en/").content.decode()
    controls = {c.value: c for c in first_layer(html) if c.tag == "button"}
    assert set(controls) == {"accept", "reject"}, "the first layer has both, whatever the settings form has"
    accept, reject = controls["accept"], controls["reject"]
    assert (accept.text, reject.text) == ("Accept all", "Reject all")
    assert accept.classes == reject.classes == "consent-button"


def test_accept_all_without_javascript_records_proof_and_redirects_back(client, registry, seeded):
    response = decide(client, "accept", revision=1, next="/en/privacy/history/")
    assert response.status_code == 303
    assert response["Location"] == "/en/privacy/history/"
    morsel = response.cookies[CONSENT]
    assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
    assert int(morsel["max-age"]) == settings.CONSENT_MAX_AGE_DAYS * 24 * 3600
    record = ConsentRecord.objects.get()
    assert (record.method, record.language, record.gpc) == ("banner", "en", False)
    assert record.granted == ["analytics", "necessary", "social"] and record.refused == []
    assert record.registry_revision.number == 1
    assert record.statement_version == Version.objects.get(document__slug="ilumen", language="en")
    assert record.ip_prefix == "127.0.0.0"
    assert record.user_agent_hash == user_agent_hash(UA) != hashlib.sha256(UA.encode()).hexdigest()
    assert consent_cookie.decode(morsel.value).consent_id == record.consent_id
    page = client.get("/en/privacy/history/").content.decode()
    assert not banner_shown(page)
    assert 'data-consent-granted="analytics social"' in page


def test_a_decision_names_the_statement_version_published_since_the_last_one(
    client, registry, seeded, django_capture_on_commit_callbacks
):
    """The version in force is cached for speed: publishing a new one must reach the next record."""
    from privacy.models import Document
    from privacy.services.statements import version_publish

    decide(client, "reject")
    first = ConsentRecord.objects.get().statement_version
    draft = Version.objects.create(
        document=Document.objects.get(slug="ilumen"), language="en", title="New", body="Fresh words.",
        last_amended=datetime.date(2026, 11, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        version_publish(version=draft, user=None)
    decide(client, "accept")
    latest = ConsentRecord.objects.latest("created_at", "id").statement_version
    assert latest == draft and latest.number == first.number + 1
    decide(client, "reject", language="nl")  # the other language's version is not the new one
    assert ConsentRecord.objects.latest("created_at", "id").statement_version.language == "nl"


def test_the_user_agent_hash_is_keyed_with_the_secret(settings):
    """A plain hash of a browser's name could be matched against a list of common browsers."""
    keyed = user_agent_hash(UA)
    assert re.fullmatch(r"[0-9a-f]{64}", keyed)
    assert keyed == user_agent_hash(UA), "stable under one key, so records of one browser can be compared"
    assert keyed != hashlib.sha256(UA.encode()).hexdigest()
    assert keyed != hashlib.sha256(UA[:1000].encode()).hexdigest()
    assert user_agent_hash(UA + " ") != keyed
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert user_agent_hash(UA) != keyed, "without the key the value cannot be reproduced"


def test_reject_all_and_settings(client, registry, seeded):
    decide(client, "reject", language="nl")
    record = ConsentRecord.objects.get()
    assert (record.granted, record.refused, record.language) == (["necessary"], ["analytics", "social"], "nl")
    assert record.statement_version.language == "nl"
    decide(client, "save", categories=["social", "no-such-category"], source="settings")
    latest = ConsentRecord.objects.latest("created_at")
    assert (latest.method, latest.granted, latest.refused) == ("settings", ["necessary", "social"], ["analytics"])
    assert latest.consent_id == record.consent_id, "one consent id per visitor"


def test_withdrawal_expires_the_cookies_of_the_category_on_every_domain(client, registry, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "www.ilumen.test"]
    settings.CONSENT_COOKIE_DOMAINS = ["ilumen.test", "elsewhere.example"]
    decide(client, "accept", HTTP_HOST="www.ilumen.test")
    for name in ("_ga", "_ga_TEST123", "_gid", "unrelated"):
        client.cookies[name] = "1"
    response = decide(client, "save", categories=["social"], source="settings", HTTP_HOST="www.ilumen.test")
    assert ConsentRecord.objects.latest("created_at").method == "withdrawal"
    expired = {(m.key.split("\x00")[0], m["domain"]) for m in response.cookies.values() if m["max-age"] == 0}
    for name in ("_ga", "_ga_TEST123", "_gid"):
        assert (name, "") in expired and (name, "ilumen.test") in expired
    assert not any(domain == "elsewhere.example" for _name, domain in expired), "only domains the host is in"
    assert not any(name in ("unrelated", "csrftoken", CONSENT) for name, _domain in expired)
    headers = [m.OutputString() for m in response.cookies.values()]
    assert (
        '_ga_TEST123=""; Domain=ilumen.test; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax'
    ) in headers


def test_refusing_what_was_never_granted_is_not_a_withdrawal(client, registry):
    decide(client, "reject")
    decide(client, "reject")
    assert set(ConsentRecord.objects.values_list("method", flat=True)) == {"banner"}


def test_the_script_gets_json_and_the_same_cookie(client, registry):
    response = decide(client, "accept", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["granted"] == ["analytics", "social"] and body["refused"] == [] and body["method"] == "banner"
    assert uuid.UUID(body["consent_id"]) == ConsentRecord.objects.get().consent_id
    assert CONSENT in response.cookies
    body = decide(client, "reject", HTTP_ACCEPT="application/json").json()
    assert body["method"] == "withdrawal"
    assert set(body["expire"]) >= {"_ga", "_ga_*", "_gid", "_gat*"}
    assert "datr" not in body["expire"], "another domain's cookie is not ours to delete"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_the_return_address_never_leaves_the_site(client, registry, next_url):
    response = decide(client, "reject", next=next_url)
    assert response.status_code == 303
    assert response["Location"] == "/en/"


@pytest.mark.parametrize("action", ["bogus", ""])
def test_bad_input_is_a_clear_error_in_the_visitors_language(client, registry, action):
    response = client.post("/nl/privacy/consent/", {"action": action})
    assert response.status_code == 400
    assert "Deze cookiekeuze begrepen we niet" in response.content.decode()
    json_response = client.post("/en/privacy/consent/", {"action": action}, HTTP_ACCEPT="application/json")
    assert json_response.status_code == 400 and "could not be understood" in json_response.json()["error"]
    assert not ConsentRecord.objects.exists()


def test_a_get_does_not_decide_and_leads_to_the_choices(client, registry):
    response = client.get("/en/privacy/consent/?action=accept")
    assert response.status_code == 302 and response["Location"] == "/en/cookies/settings/"
    assert settings.CONSENT_COOKIE_NAME not in response.cookies
    assert not ConsentRecord.objects.exists()


def test_a_choice_on_an_outdated_cookie_policy_is_asked_again(client, registry):
    response = decide(client, "accept", revision=7)
    assert response.status_code == 409
    assert "The list of cookies changed" in response.content.decode()
    assert decide(client, "accept", revision=7, HTTP_ACCEPT="application/json").json()["reload"] is True
    assert not ConsentRecord.objects.exists()


def test_decisions_are_rate_limited_per_network(client, registry, settings):
    settings.CONSENT_DECISIONS_PER_HOUR = 2
    assert decide(client, "reject").status_code == 303
    assert decide(client, "reject").status_code == 303
    limited = decide(client, "reject")
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert "Too many cookie choices" in limited.content.decode()
    assert ConsentRecord.objects.count() == 2


def _from(address: str) -> dict:
    """A request through the site's proxy on behalf of `address`."""
    return {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": address}


def test_every_address_of_one_ipv6_64_shares_the_decision_limit(client, registry, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    limit = settings.CONSENT_DECISIONS_PER_HOUR
    for number in range(limit):
        response = decide(client, "reject", **_from(f"2001:db8:aaaa:1:{number:x}::{number + 1:x}"))
        assert response.status_code == 303, number
    limited = decide(client, "reject", HTTP_ACCEPT="application/json", **_from("2001:db8:aaaa:1:ffff::99"))
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "Too many cookie choices" in limited.json()["error"]
    assert ConsentRecord.objects.count() == limit
    # another client, in another /48, is not held back by that one
    assert decide(BrowserClient(), "reject", **_from("2001:db8:bbbb:1::1")).status_code == 303


def test_the_64s_of_one_ipv6_48_share_a_ceiling(registry, settings):
    settings.CONSENT_DECISIONS_PER_HOUR = 2
    settings.RATE_LIMIT_IPV6_SITE_FACTOR = 3
    ceiling = 2 * 3
    for number in range(ceiling):  # each /64 stays within its own limit
        assert decide(BrowserClient(), "reject", REMOTE_ADDR=f"2001:db8:cccc:{number:x}::1").status_code == 303
    limited = decide(BrowserClient(), "reject", REMOTE_ADDR="2001:db8:cccc:ff::1")
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert ConsentRecord.objects.count() == ceiling
    assert decide(BrowserClient(), "reject", REMOTE_ADDR="2001:db8:dddd:ff::1").status_code == 303, "another /48 passes"


def test_records_cannot_be_changed(client, registry):
    decide(client, "accept")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        ConsentRecord.objects.update(granted=["necessary"])
    assert ConsentRecord.objects.get().granted == ["analytics", "necessary", "social"]
    ConsentRecord.objects.all().delete()  # erasure and retention stay possible


# --- the banner comes back ---------------------------------------------------------------


def test_a_forged_or_damaged_cookie_brings_the_banner_back(client, registry):
    decide(client, "accept")
    value = client.cookies[CONSENT].value
    assert not banner_shown(client.get("/en/").content.decode())
    payload, signature = value.rsplit(":", 1)
    forged = signing.Signer(key="not-our-secret-key", salt=consent_cookie.SALT).sign_object(
        {"i": uuid.uuid4().hex, "r": 1, "g": ["analytics", "social"], "m": "banner", "p": 0, "t": 2000000000}
    )
    for bad in (payload + ":" + "A" * len(signature), value[:-3], forged, "garbage"):
        client.cookies[CONSENT] = bad
        html = client.get("/en/").content.decode()
        assert banner_shown(html), bad
        assert 'data-consent-granted=""' in html


def test_the_banner_comes_back_after_the_maximum_age(client, registry, settings):
    settings.CONSENT_MAX_AGE_DAYS = 182
    decide(client, "accept")
    consent_id = ConsentRecord.objects.get().consent_id
    with time_machine.travel(timezone.now() + datetime.timedelta(days=181)):
        assert not banner_shown(client.get("/en/").content.decode())
    with time_machine.travel(timezone.now() + datetime.timedelta(days=183)):
        html = client.get("/en/").content.decode()
        assert banner_shown(html) and 'data-consent-granted=""' in html
        decide(client, "accept")
    assert set(ConsentRecord.objects.values_list("consent_id", flat=True)) == {consent_id}


def test_a_configured_maximum_age_holds_in_the_cookie_and_on_the_server(client, registry, settings):
    """The server reads the maximum age once per process; a changed setting must still be the one
    both the cookie's lifetime and the server's check follow."""
    settings.CONSENT_MAX_AGE_DAYS = 30
    response = decide(client, "accept")
    assert int(response.cookies[CONSENT]["max-age"]) == 30 * 24 * 3600
    with time_machine.travel(timezone.now() + datetime.timedelta(days=29)):
        assert not banner_shown(client.get("/en/").content.decode())
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31)):
        assert banner_shown(client.get("/en/").content.decode())


def test_the_default_maximum_age_asks_again_within_about_six_months(client, registry):
    """Ask again at sensible intervals: the configured default itself (not overridden here) keeps a
    choice for at most about 6 months, in the cookie's lifetime and in what the server accepts."""
    days = settings.CONSENT_MAX_AGE_DAYS
    assert 0 < days <= 183, "a choice is kept no longer than about 6 months"
    assert consent_cookie.max_age() == datetime.timedelta(days=days)
    response = decide(client, "accept")
    assert int(response.cookies[CONSENT]["max-age"]) == days * 24 * 3600
    cookie = consent_cookie.decode(client.cookies[CONSENT].value)
    assert consent_cookie.is_current(cookie, 1, now=cookie.given_at + datetime.timedelta(days=days - 1))
    assert not consent_cookie.is_current(cookie, 1, now=cookie.given_at + datetime.timedelta(days=days + 1))
    # the browser would have dropped the cookie by then; one that was kept anyway is not honoured
    with time_machine.travel(timezone.now() + datetime.timedelta(days=days - 1)):
        assert not banner_shown(client.get("/en/").content.decode())
    with time_machine.travel(timezone.now() + datetime.timedelta(days=days + 1)):
        html = client.get("/en/").content.decode()
        assert banner_shown(html) and 'data-consent-granted=""' in html


def test_the_banner_comes_back_when_the_registry_changes(client, registry, django_capture_on_commit_callbacks):
    decide(client, "accept")
    assert not banner_shown(client.get("/en/").content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        Cookie.objects.create(
            category=Category.objects.get(key="social"), name="_fbp", provider="Meta", purpose_nl="x",
            purpose_en="x", lifetime_nl="3 maanden", lifetime_en="3 months",
        )
        assert registry_revise().number == 2
    html = client.get("/en/").content.decode()
    assert banner_shown(html) and 'name="revision" value="2"' in html
    decide(client, "reject", revision=2)
    latest = ConsentRecord.objects.latest("created_at")
    assert latest.registry_revision.number == 2 and latest.method == "withdrawal"


# --- GPC -------------------------------------------------------------------------------------


def gpc_refusals(language: str) -> int:
    return GpcRefusalDay.objects.filter(day=timezone.localdate(), language=language).aggregate(n=Sum("count"))["n"] or 0


def test_gpc_refuses_everything_and_is_counted_once_per_visitor(client, registry, seeded):
    first = client.get("/en/", HTTP_SEC_GPC="1", HTTP_USER_AGENT=UA)
    html = first.content.decode()
    assert banner_shown(html) and "Global Privacy Control" in html
    assert 'data-consent-granted=""' in html
    cookie = consent_cookie.decode(first.cookies[CONSENT].value)
    assert (cookie.method, cookie.gpc, cookie.granted, cookie.revision) == ("gpc", True, frozenset(), 1)
    for url in ("/en/", "/en/privacy/", "/nl/", "/en/legal-notice/"):
        page = client.get(url, HTTP_SEC_GPC="1", HTTP_USER_AGENT=UA).content.decode()
        assert not banner_shown(page) and "Global Privacy Control signal" not in page
    assert (gpc_refusals("en"), gpc_refusals("nl")) == (1, 0)
    assert not ConsentRecord.objects.exists(), "a refusal needs no proof: nothing is kept per visitor"
    assert first["Vary"].count("Sec-GPC") == 1


def test_gpc_without_cookies_and_with_ever_new_browsers_writes_no_row_and_counts_once(client, registry):
    """A flood of GPC page views from one network, each with another User-Agent and no cookie."""
    for number in range(50):
        client.cookies.clear()
        response = client.get("/en/legal-notice/", HTTP_SEC_GPC="1", HTTP_USER_AGENT=f"Browser/{number}")
        assert CONSENT in response.cookies, "each still gets the cookie that hides the banner"
    assert ConsentRecord.objects.count() == 0
    assert gpc_refusals("en") == 1
    assert GpcRefusalDay.objects.count() == 1, "one row per day and language"


def test_gpc_from_another_network_is_counted_apart(client, registry):
    client.get("/nl/", HTTP_SEC_GPC="1", REMOTE_ADDR="2001:db8:1:1::1")
    BrowserClient().get("/nl/", HTTP_SEC_GPC="1", REMOTE_ADDR="2001:db8:1:1::2")  # same /64: same client
    BrowserClient().get("/nl/", HTTP_SEC_GPC="1", REMOTE_ADDR="2001:db8:1:2::1")
    assert gpc_refusals("nl") == 2
    assert not ConsentRecord.objects.exists()


def test_gpc_overrides_an_earlier_opt_in_but_not_one_given_with_it(client, registry):
    decide(client, "accept")  # no GPC signal then
    consent_id = ConsentRecord.objects.get().consent_id
    response = client.get("/en/", HTTP_SEC_GPC="1")
    html = response.content.decode()
    assert 'data-consent-granted=""' in html and "Global Privacy Control" in html
    assert consent_cookie.decode(response.cookies[CONSENT].value).consent_id == consent_id, "one id per visitor"
    assert gpc_refusals("en") == 1 and ConsentRecord.objects.count() == 1
    # the visitor actively opts in again while their browser sends the signal: that holds
    decide(client, "save", categories=["analytics"], source="settings", HTTP_SEC_GPC="1")
    assert ConsentRecord.objects.latest("created_at").gpc is True
    html = client.get("/en/", HTTP_SEC_GPC="1").content.decode()
    assert 'data-consent-granted="analytics" ' in html and not banner_shown(html)
    assert ConsentRecord.objects.count() == 2 and gpc_refusals("en") == 1


# --- pages and history -------------------------------------------------------------------------


def test_settings_page_shows_the_consent_id_and_history(client, registry):
    assert "You have not made a choice yet" in client.get("/en/cookies/settings/").content.decode()
    decide(client, "accept")
    decide(client, "save", categories=["social"], source="settings")
    html = client.get("/en/cookies/settings/?next=/en/privacy/").content.decode()
    consent_id = str(ConsentRecord.objects.first().consent_id)
    assert consent_id in html
    assert html.count("<tr>") >= 3 and "Withdrawal" in html and "Banner" in html
    assert 'id="consent-banner"' not in html, "no second copy of the choices on this page"
    assert 'value="social" checked' in html and 'value="analytics" checked' not in html
    assert 'href="/en/privacy/"' in html
    evil = client.get("/en/cookies/settings/?next=https://evil.example/").content.decode()
    assert 'href="https://evil.example/"' not in evil and 'href="/en/">Back' in evil


def test_another_visitors_history_is_not_shown(client, registry):
    decide(client, "accept")
    other = type(client)()
    html = other.get("/en/cookies/settings/").content.decode()
    assert str(ConsentRecord.objects.get().consent_id) not in html


def test_unconsented_cookies_of_the_site_are_expired_on_any_page(client, registry):
    client.cookies["_ga"] = "GA1.1.123"
    client.cookies["_gid"] = "x"
    response = client.get("/en/")
    assert {m.key for m in response.cookies.values() if m["max-age"] == 0} == {"_ga", "_gid"}
    decide(client, "accept")
    client.cookies["_ga"] = "GA1.1.123"
    assert "_ga" not in client.get("/en/").cookies


# --- speed -----------------------------------------------------------------------------------


def test_a_page_view_with_a_valid_consent_cookie_costs_no_query(
    client, registry, seeded, settings, django_assert_num_queries
):
    decide(client, "accept")
    url = "/en/privacy/"
    client.get(url)  # warms the statement, company and registry caches, as any earlier visitor would
    with django_assert_num_queries(0):
        response = client.get(url)
    assert not banner_shown(response.content.decode())
    assert 'data-consent-granted="analytics social"' in response.content.decode()
    # the same page without the consent system, for comparison: no fewer queries
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "consent.middleware.ConsentMiddleware"]
    baseline = BrowserClient()
    baseline.get(url)
    with CaptureQueriesContext(connection) as queries:
        baseline.get(url)
    assert len(queries) == 0


def test_cached_pages_follow_the_consent_state(client, registry, seeded, django_capture_on_commit_callbacks):
    decide(client, "accept")
    assert client.get("/en/privacy/")["X-Page-Cache"] == "miss"
    assert client.get("/en/privacy/")["X-Page-Cache"] == "hit"
    same_choice = BrowserClient()
    decide(same_choice, "accept")
    shared = same_choice.get("/en/privacy/")
    assert shared["X-Page-Cache"] == "hit", "one cached page for everyone with the same choice"
    assert 'data-consent-granted="analytics social"' in shared.content.decode()
    assert str(ConsentRecord.objects.first().consent_id) not in shared.content.decode()
    other_choice = BrowserClient()
    decide(other_choice, "reject")
    assert 'data-consent-granted=""' in other_choice.get("/en/privacy/").content.decode()
    assert banner_shown(BrowserClient().get("/en/privacy/").content.decode())
    # a change that is not material (no new revision) still reaches cached pages
    with django_capture_on_commit_callbacks(execute=True):
        Category.objects.filter(key="social").update(name_en="Social networks")
        assert registry_revise() is None
    assert "Social networks" in client.get("/en/privacy/").content.decode()


@pytest.mark.parametrize("in_transaction", [
    pytest.param(True, id="inside a transaction"),
    # As in production, where the insert commits on its own and no savepoint guards it.
    pytest.param(False, id="autocommit", marks=pytest.mark.django_db(transaction=True)),
])
def test_a_registry_changed_by_another_process_never_records_a_stale_revision(client, request, in_transaction):
    from consent.models import RegistryRevision
    from consent.selectors import registry_live_snapshot

    if not in_transaction:  # the tables an earlier transactional test emptied, seeded again
        request.getfixturevalue("registry_seeded")
    request.getfixturevalue("registry")
    assert connection.in_atomic_block is in_transaction
    page = client.get("/en/").content.decode()  # this process now holds revision 1
    assert 'name="revision" value="1"' in page
    RegistryRevision.objects.create(number=2, snapshot=registry_live_snapshot())  # another process's admin save
    response = decide(client, "accept", revision=1)
    assert response.status_code == 409 and not ConsentRecord.objects.exists()
    html = client.get("/en/").content.decode()
    assert 'name="revision" value="2"' in html
    assert decide(client, "accept", revision=2).status_code == 303
    assert ConsentRecord.objects.get().registry_revision.number == 2
