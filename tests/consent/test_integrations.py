"""Integrations switched on by Legal in the admin (issue 12, points 8-9): validation, precedence of the
environment, the categories visitors are shown, revisions that do or do not ask again, and the
Content-Security-Policy of each response."""

import re
from html import unescape

import pytest
from django.core.checks import run_checks
from django.db import IntegrityError, transaction

from consent import selectors
from consent.models import Category, Cookie, Integration, RegistryRevision
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db

GA_HOST = "https://www.googletagmanager.com"


@pytest.fixture(autouse=True)
def _fresh_registry_copy():
    selectors.registry_cache_clear()
    yield
    selectors.registry_cache_clear()


@pytest.fixture
def legal(client, group_member):
    """A member of Legal signed in to the admin, its pages in English unless asked otherwise."""
    client.force_login(group_member("Legal"))
    return client


def _change_url(kind: str, language: str = "en") -> str:
    return f"/{language}/admin/consent/integration/{Integration.objects.get(kind=kind).pk}/change/"


def _post(client, kind: str, language: str = "en", **fields):
    integration = Integration.objects.get(kind=kind)
    data = {  # the form as the admin shows it (fields of other kinds are ignored)
        "enabled": "on" if integration.enabled else "", "category": integration.category_id or "",
        "measurement_id": integration.measurement_id, "matomo_url": integration.matomo_url,
        "matomo_site_id": integration.matomo_site_id or "",
    }
    data.update(fields)
    return client.post(_change_url(kind, language), {k: v for k, v in data.items() if v is not None})


def _switch(client, kind: str, on: bool, commit, **fields):
    with commit(execute=True):
        response = _post(client, kind, enabled="on" if on else "", **fields)
    errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert response.status_code == 302, errors
    return response


def _banner_categories(html: str) -> set[str]:
    """The optional categories the banner's settings layer offers."""
    banner = html[html.index('id="consent-banner"'):]
    return set(re.findall(r'name="category" value="([a-z_]+)"', banner))


def _policy_categories(client) -> set[str]:
    return set(re.findall(r'<h2 id="category-([a-z_]+)"', client.get("/en/cookies/").content.decode()))


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "message"), [
    ("en", "is not a Google Analytics 4 measurement ID: that is “G-” followed by capital letters and digits"),
    ("nl", "is geen meet-ID van Google Analytics 4: dat is “G-” gevolgd door hoofdletters en cijfers"),
])
def test_a_measurement_id_that_is_not_g_and_letters_and_digits_is_refused_clearly(legal, language, message):
    legal.get("/en/")
    revisions = RegistryRevision.objects.count()
    for bad in ("UA-12345-1", "G-", "G-AB 12", "G-AB12<script>"):
        response = _post(legal, "ga4", language, enabled="on", measurement_id=bad)
        assert response.status_code == 200 and message in response.content.decode(), bad
    assert Integration.objects.get(kind="ga4").measurement_id == "" and not Integration.objects.get(kind="ga4").enabled
    assert RegistryRevision.objects.count() == revisions


def test_a_measurement_id_is_tidied_and_switching_on_needs_one(legal, django_capture_on_commit_callbacks):
    response = _post(legal, "ga4", enabled="on", measurement_id="")
    assert "Google Analytics needs its measurement ID." in response.content.decode()
    _switch(legal, "ga4", True, django_capture_on_commit_callbacks, measurement_id=" g-ab12cd34ef ")
    assert Integration.objects.get(kind="ga4").measurement_id == "G-AB12CD34EF"


@pytest.mark.parametrize(("language", "url", "message"), [
    ("en", "http://stats.ilumen.be", "Matomo must be reached over https"),
    ("nl", "http://stats.ilumen.be", "Matomo moet via https bereikbaar zijn"),
    ("en", "https://stats.ilumen.be/matomo/", "without a path"),
    ("en", "https://user@stats.ilumen.be", "without a path"),
    ("en", "https://stats.ilumen.be/?x=<script>", "without a path"),
    ("en", "javascript:alert(1)", "Matomo must be reached over https"),
])
def test_a_matomo_address_must_be_an_https_origin(legal, language, url, message):
    response = _post(legal, "matomo", language, enabled="on", matomo_url=url, matomo_site_id="1")
    assert response.status_code == 200 and message in response.content.decode()
    assert Integration.objects.get(kind="matomo").matomo_url == ""


def test_matomo_is_stored_as_an_origin_with_a_numeric_site_id(legal, django_capture_on_commit_callbacks):
    response = _post(legal, "matomo", enabled="on", matomo_url="https://stats.ilumen.be", matomo_site_id="")
    assert "Matomo needs the site ID it gave this website." in response.content.decode()
    response = _post(legal, "matomo", enabled="on", matomo_url="https://stats.ilumen.be", matomo_site_id="one")
    assert response.status_code == 200 and not Integration.objects.get(kind="matomo").enabled
    _switch(legal, "matomo", True, django_capture_on_commit_callbacks,
            matomo_url="https://Stats.iLumen.be:8443/", matomo_site_id="3")
    matomo = Integration.objects.get(kind="matomo")
    assert (matomo.enabled, matomo.matomo_url, matomo.matomo_site_id) == (True, "https://stats.ilumen.be:8443", 3)


def test_an_integration_cannot_load_with_a_necessary_category_or_none(legal):
    necessary = Category.objects.get(key="necessary")
    response = _post(legal, "x", enabled="on", category=necessary.pk)
    assert response.status_code == 200 and not Integration.objects.get(kind="x").enabled
    response = _post(legal, "x", enabled="on", category="")
    assert "Choose the consent category it loads with." in response.content.decode()


@pytest.mark.parametrize("change", [
    {"measurement_id": "UA-1"},
    {"matomo_url": "http://stats.ilumen.be"},
    {"matomo_url": "https://stats.ilumen.be/path"},
    {"enabled": True},  # Google Analytics without a measurement ID
    {"enabled": True, "measurement_id": "G-1", "category": None},
])
def test_the_database_holds_the_rules_whoever_writes(change):
    kind = "matomo" if "matomo_url" in change else "ga4"
    with pytest.raises(IntegrityError), transaction.atomic():
        Integration.objects.filter(kind=kind).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        Integration.objects.filter(kind="x").update(measurement_id="G-1")  # each kind holds only its own


def test_only_legal_configures_integrations_and_nobody_deletes_one(client, group_member):
    for role in ("Marketing", "Support"):
        client.force_login(group_member(role))
        assert client.get("/en/admin/consent/integration/").status_code == 403
        assert _post(client, "ga4", enabled="on", measurement_id="G-AB12").status_code == 403
    client.force_login(group_member("Legal"))
    assert client.get("/en/admin/consent/integration/").status_code == 200
    assert client.get("/en/admin/consent/integration/add/").status_code == 403, "every kind exists already"
    pk = Integration.objects.get(kind="ga4").pk
    assert client.get(f"/en/admin/consent/integration/{pk}/delete/").status_code == 403
    assert not Integration.objects.get(kind="ga4").enabled


def test_the_admin_page_has_no_field_for_a_script_address(legal):
    def fields(kind: str) -> set[str]:
        html = legal.get(_change_url(kind)).content.decode()
        form = re.search(r'<form [^>]*id="integration_form".*?</form>', html, re.S).group(0)
        names = set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([a-z_]+)"', form))
        return names - {"csrfmiddlewaretoken", "_save", "_continue"}

    assert fields("facebook") == {"enabled", "category"}
    assert fields("ga4") == {"enabled", "category", "measurement_id"}
    assert fields("matomo") == {"enabled", "category", "matomo_url", "matomo_site_id"}


# --- the environment takes precedence -----------------------------------------------------------------


def test_a_setting_in_the_environment_pins_google_analytics(client, legal, settings,
                                                            django_capture_on_commit_callbacks):
    _switch(legal, "ga4", True, django_capture_on_commit_callbacks, measurement_id="G-ADMIN1")
    settings.GA_MEASUREMENT_ID = "G-PINNED1"
    selectors.registry_cache_clear()
    html = BrowserClient().get("/en/").content.decode()
    assert "G-PINNED1" in html and "G-ADMIN1" not in html
    page = unescape(legal.get(_change_url("ga4")).content.decode())
    assert "The server's configuration (GA_MEASUREMENT_ID) switches this on and takes precedence" in page
    assert 'name="measurement_id"' not in page and 'name="enabled"' not in page, "read-only while pinned"
    listing = legal.get("/nl/admin/consent/integration/").content.decode()
    assert "Aan: ingesteld door de configuratie van de server (GA_MEASUREMENT_ID)" in listing
    # switched off in the admin, it still runs: the deployment pinned it
    Integration.objects.filter(kind="ga4").update(enabled=False, measurement_id="")
    selectors.registry_cache_clear()
    assert "G-PINNED1" in BrowserClient().get("/en/").content.decode()
    assert selectors.registry_state().integration("ga4").source == "environment"


def test_matomo_and_the_buttons_can_be_pinned_too(client, settings):
    settings.MATOMO_URL, settings.MATOMO_SITE_ID = "https://stats.ilumen.be", 7
    settings.SOCIAL_BUTTONS = ["linkedin"]
    html = client.get("/en/").content.decode()
    assert 'data-tracker-url="https://stats.ilumen.be/matomo.php" data-site-id="7"' in html
    assert 'data-share-button="linkedin"' in html and 'data-share-button="facebook"' not in html
    assert {i.kind: i.source for i in selectors.registry_state().integrations} == {
        "matomo": "environment", "linkedin": "environment"}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("GA_MEASUREMENT_ID", "UA-1", "GA_MEASUREMENT_ID: “UA-1” is not a Google Analytics 4 measurement ID"),
    ("MATOMO_URL", "http://stats.ilumen.be", "MATOMO_URL: Matomo must be reached over https"),
    ("SOCIAL_BUTTONS", ["myspace"], "SOCIAL_BUTTONS: unknown networks myspace"),
])
def test_a_wrong_setting_stops_the_site_at_its_checks(settings, name, value, message):
    settings.MATOMO_SITE_ID = 1 if name == "MATOMO_URL" else None
    setattr(settings, name, value)
    errors = [str(e.msg) for e in run_checks() if e.id == "consent.E001"]
    assert any(error.startswith(message) for error in errors), errors


# --- what visitors are shown ---------------------------------------------------------------------------


def test_with_nothing_switched_on_only_the_necessary_category_is_shown_and_nobody_is_asked(client, seeded):
    html = client.get("/en/").content.decode()
    assert re.search(r'<section id="consent-banner"[^>]*\shidden', html), "nothing to ask: no banner"
    assert _banner_categories(html) == set()
    assert _policy_categories(client) == {"necessary"}
    settings_page = client.get("/en/cookies/settings/").content.decode()
    assert "Statistics" not in settings_page and "Social media" not in settings_page
    assert "gtag" not in html and "googletagmanager" not in html and "data-share-button" not in html


def test_each_integration_brings_its_category_and_only_its_cookies(client, seeded, legal,
                                                                   django_capture_on_commit_callbacks):
    _switch(legal, "ga4", True, django_capture_on_commit_callbacks, measurement_id="G-AB12")
    visitor = BrowserClient()
    html = visitor.get("/en/").content.decode()
    assert not re.search(r'<section id="consent-banner"[^>]*\shidden', html)
    assert _banner_categories(html) == {"analytics"}
    assert "use what the following categories describe: Statistics (Google Analytics)." in html
    assert _policy_categories(visitor) == {"necessary", "analytics"}
    policy = visitor.get("/en/cookies/").content.decode()
    assert "<code>_ga</code>" in policy and "<code>_pk_id.*</code>" not in policy
    assert "Loaded with this consent: Google Analytics 4." in policy
    _switch(legal, "linkedin", True, django_capture_on_commit_callbacks)
    state = selectors.registry_state()
    cookies = {c.key: {k.name for k in c.cookies} for c in state.categories}
    assert cookies["social"] == {"bcookie", "lidc", "li_gc"}, "only the network switched on"
    assert _banner_categories(visitor.get("/en/").content.decode()) == {"analytics", "social"}
    _switch(legal, "ga4", False, django_capture_on_commit_callbacks)
    _switch(legal, "matomo", True, django_capture_on_commit_callbacks, matomo_url="https://stats.ilumen.be",
            matomo_site_id="1")
    cookies = {c.key: {k.name for k in c.cookies} for c in selectors.registry_state().categories}
    assert cookies["analytics"] == {"_pk_id.*", "_pk_ses.*"}
    assert "Matomo (https://stats.ilumen.be)" in visitor.get("/en/cookies/").content.decode()


# --- revisions -------------------------------------------------------------------------------------------


def test_switching_on_asks_again_and_switching_off_does_not(client, seeded, integrations_on, legal,
                                                             django_capture_on_commit_callbacks):
    visitor = BrowserClient()
    visitor.post("/en/privacy/consent/", {"action": "accept", "next": "/en/", "source": "banner"})
    assert re.search(r'<section id="consent-banner"[^>]*\shidden', visitor.get("/en/").content.decode())
    # off: a revision that keeps every choice
    response = _switch(legal, "facebook", False, django_capture_on_commit_callbacks)
    revision = RegistryRevision.objects.order_by("-number").first()
    assert (revision.number, revision.asks_again) == (2, False)
    assert "It only takes something away, so the choices visitors made still hold." in \
        legal.get(response["Location"]).content.decode()
    names = {k["name"] for c in revision.snapshot["categories"] for k in c["cookies"]}
    assert "datr" not in names and "bcookie" in names, "the snapshot is the policy as it now is"
    assert [i["kind"] for i in revision.snapshot["integrations"]] == ["ga4", "x", "linkedin"]
    page = visitor.get("/en/").content.decode()
    assert re.search(r'<section id="consent-banner"[^>]*\shidden', page), "nobody is asked again"
    assert 'data-consent-granted="analytics social"' in page
    # on: a revision that asks again
    response = _switch(legal, "matomo", True, django_capture_on_commit_callbacks,
                       matomo_url="https://stats.ilumen.be", matomo_site_id="1")
    revision = RegistryRevision.objects.order_by("-number").first()
    assert (revision.number, revision.asks_again) == (3, True)
    assert "visitors will be asked again" in legal.get(response["Location"]).content.decode()
    page = visitor.get("/en/").content.decode()
    assert not re.search(r'<section id="consent-banner"[^>]*\shidden', page), "asked again"
    assert 'data-consent-granted=""' in page
    # and the answer is recorded under the new revision
    visitor.post("/en/privacy/consent/", {"action": "accept", "next": "/en/", "source": "banner", "revision": 3})
    assert re.search(r'<section id="consent-banner"[^>]*\shidden', visitor.get("/en/").content.decode())


def test_switching_facebook_back_on_asks_again(client, seeded, integrations_on, legal,
                                               django_capture_on_commit_callbacks):
    _switch(legal, "facebook", False, django_capture_on_commit_callbacks)
    visitor = BrowserClient()
    visitor.post("/en/privacy/consent/", {"action": "accept", "next": "/en/", "source": "banner", "revision": 2})
    _switch(legal, "facebook", True, django_capture_on_commit_callbacks)
    assert RegistryRevision.objects.order_by("-number").first().asks_again
    assert not re.search(r'<section id="consent-banner"[^>]*\shidden', visitor.get("/en/").content.decode())


def test_a_setting_changed_outside_the_admin_makes_its_revision_before_anyone_is_asked(client, seeded, settings):
    # Nothing is on, so less is in force than revision 1 lists: the consent given covers it.
    client.get("/en/")
    assert RegistryRevision.objects.count() == 1
    settings.GA_MEASUREMENT_ID = "G-DEPLOY1"
    settings.MATOMO_URL, settings.MATOMO_SITE_ID = "https://stats.ilumen.be", 1  # adds Matomo's cookies
    html = client.get("/en/").content.decode()
    revision = RegistryRevision.objects.order_by("-number").first()
    assert (revision.number, revision.asks_again) == (2, True)
    assert [i["kind"] for i in revision.snapshot["integrations"]] == ["ga4", "matomo"]
    assert 'name="revision" value="2"' in html and _banner_categories(html) == {"analytics"}
    client.get("/en/")
    assert RegistryRevision.objects.count() == 2, "once"
    # A process still running without those settings (a rolling restart) does not revise it away.
    settings.GA_MEASUREMENT_ID, settings.MATOMO_URL, settings.MATOMO_SITE_ID = "", "", None
    client.get("/en/")
    assert RegistryRevision.objects.count() == 2


def test_cookies_follow_their_integration_into_its_category(legal, integrations_on,
                                                            django_capture_on_commit_callbacks):
    social = Category.objects.get(key="social")
    _switch(legal, "ga4", True, django_capture_on_commit_callbacks, category=social.pk)
    assert set(Cookie.objects.filter(integration="ga4").values_list("category__key", flat=True)) == {"social"}
    # and a cookie of an integration cannot be moved away from it on its own
    ga = Cookie.objects.get(name="_ga")
    response = legal.post(f"/en/admin/consent/cookie/{ga.pk}/change/", {
        "category": Category.objects.get(key="analytics").pk, "name": "_ga", "provider": ga.provider,
        "domain": "", "integration": "ga4", "purpose_nl": ga.purpose_nl, "purpose_en": ga.purpose_en,
        "lifetime_nl": ga.lifetime_nl, "lifetime_en": ga.lifetime_en, "position": ga.position,
    })
    assert response.status_code == 200
    assert "Google Analytics 4 sets this cookie and loads with consent for the category" in response.content.decode()
    assert Cookie.objects.get(name="_ga").category == social


def test_a_category_used_by_an_integration_cannot_become_necessary(integrations_on):
    from django.core.exceptions import ValidationError

    social = Category.objects.get(key="social")
    Cookie.objects.filter(category=social).update(category=Category.objects.get(key="analytics"))
    social.necessary = True
    with pytest.raises(ValidationError, match="load with consent for it"):
        social.full_clean()


def test_revisions_keep_whether_they_asked_again():
    with pytest.raises(Exception, match="cookie policy revisions cannot be changed"), transaction.atomic():
        RegistryRevision.objects.update(asks_again=False)


# --- the Content-Security-Policy follows the integrations, per response -----------------------------------


def _policy(response) -> str:
    return response.headers["Content-Security-Policy"]


def test_the_policy_admits_an_integration_only_on_pages_that_render_it(seeded, integrations_on, legal):
    client = BrowserClient()  # a visitor, whose pages the page cache keeps
    home = client.get("/en/")
    assert GA_HOST in re.search(r"script-src ([^;]+)", _policy(home)).group(1)
    assert "https://www.facebook.com" in re.search(r"frame-src ([^;]+)", _policy(home)).group(1)
    # the legal notice renders analytics but no share buttons
    notice = client.get("/en/legal/")
    assert GA_HOST in _policy(notice) and "facebook" not in _policy(notice)
    # the same page from the page cache gets the same policy
    again = client.get("/en/")
    assert again["X-Page-Cache"] == "hit"
    assert re.sub(r"'nonce-[^']+'", "", _policy(again)) == re.sub(r"'nonce-[^']+'", "", _policy(home))
    # the admin never admits a third party, whatever is on
    for url in ("/en/admin/", "/en/admin/consent/integration/", _change_url("ga4")):
        policy = _policy(legal.get(url))
        assert "google" not in policy and "facebook" not in policy and "twitter" not in policy, url
        assert re.search(r"frame-src 'none'", policy), url


def test_switched_off_the_hosts_leave_the_policy_at_once(seeded, integrations_on, legal,
                                                          django_capture_on_commit_callbacks):
    client = BrowserClient()
    assert "https://platform.twitter.com" in _policy(client.get("/en/"))
    _switch(legal, "x", False, django_capture_on_commit_callbacks)
    policy = _policy(client.get("/en/"))
    assert "https://platform.twitter.com" not in policy and "https://www.facebook.com" in policy
    _switch(legal, "ga4", False, django_capture_on_commit_callbacks)
    assert GA_HOST not in _policy(client.get("/en/"))
