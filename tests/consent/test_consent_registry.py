"""The cookie registry: revisions on material change, the cookie policy pages, the admin,
the read-only records with their CSV export, and the weekly chart."""

import csv
import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import IntegrityError, InternalError, transaction
from django.test import Client
from django.utils import timezone

from consent import selectors
from consent.models import Category, ConsentRecord, Cookie, Integration, RegistryRevision
from consent.services import consent_decide, registry_material, registry_revise
from datarights import tokens as datarights_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_registry_copy(integrations_on):
    """This process's short-lived registry copy must not outlive a test that changed the registry.
    (With the integrations the seeded registry's cookies belong to switched on.)"""
    from consent.selectors import registry_cache_clear

    registry_cache_clear()
    yield
    registry_cache_clear()


def _cookie(**fields) -> Cookie:
    values = {
        "category": Category.objects.get(key="social"), "name": "_fbp", "provider": "Meta (Facebook)",
        "purpose_nl": "Herkent bezoekers voor advertenties.", "purpose_en": "Recognises visitors for advertising.",
        "lifetime_nl": "3 maanden", "lifetime_en": "3 months",
    }
    return Cookie.objects.create(**{**values, **fields})


@pytest.fixture
def revise(django_capture_on_commit_callbacks):
    def _revise(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return registry_revise(**kwargs)

    return _revise


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.com", "a-long-test-password")


def test_the_seed_matches_the_privacy_statement():
    keys = dict(Category.objects.values_list("key", "necessary"))
    assert keys == {"necessary": True, "analytics": False, "social": False}
    names = set(Cookie.objects.values_list("name", flat=True))
    assert {"sessionid", "csrftoken", "django_language", "ilumen_consent"} <= names
    assert {"_ga", "_ga_*", "_gid", "_gat*"} <= names  # the statement's "four cookies" of Google Analytics
    providers = " ".join(Cookie.objects.filter(category__key="social").values_list("provider", flat=True))
    assert all(name in providers for name in ("Facebook", "Twitter", "LinkedIn"))
    assert RegistryRevision.objects.get().number == 1


def test_the_seeded_snapshot_is_what_the_service_would_take(revise):
    """Migration 0004 builds its snapshot itself; the service must see no change in it."""
    assert revise() is None
    revision = RegistryRevision.objects.get()
    assert registry_material(revision.snapshot) == registry_material(selectors.registry_live_snapshot())


@pytest.mark.parametrize(
    "change",
    [
        lambda: _cookie(),
        lambda: Cookie.objects.filter(name="_gid").delete(),
        lambda: Cookie.objects.filter(name="_ga").update(purpose_en="Something else entirely."),
        lambda: Cookie.objects.filter(name="_ga").update(purpose_nl="Iets anders."),
        lambda: Cookie.objects.filter(name="_ga").update(provider="Someone else"),
        lambda: Cookie.objects.filter(name="_ga").update(lifetime_en="13 months"),
        lambda: Cookie.objects.filter(name="_ga").update(category=Category.objects.get(key="social")),
        lambda: Cookie.objects.filter(name="django_language").update(category=Category.objects.get(key="analytics")),
        lambda: Cookie.objects.filter(name="_gid").update(category=Category.objects.get(key="necessary")),
        lambda: Category.objects.filter(key="analytics").update(necessary=True),
        lambda: Category.objects.filter(key="social").update(description_en="Other purpose."),
        lambda: _cookie(category=Category.objects.create(
            key="marketing", name_nl="M", name_en="M", description_nl="d", description_en="d",
        )),
        lambda: (
            Integration.objects.filter(category__key="social").update(enabled=False, category=None),
            Category.objects.filter(key="social").delete(),
        ),
    ],
    ids=["cookie added", "cookie removed", "purpose en", "purpose nl", "provider", "lifetime", "moved",
         "moved out of necessary", "moved into necessary", "category made necessary", "category purpose",
         "category added", "category removed"],
)
def test_a_material_change_makes_a_revision_with_a_snapshot(revise, change, superuser):
    before = RegistryRevision.objects.get().snapshot
    change()
    revision = revise(user=superuser)
    assert revision is not None and revision.number == 2 and revision.created_by == superuser
    assert revision.snapshot == selectors.registry_live_snapshot()
    assert RegistryRevision.objects.get(number=1).snapshot == before, "the earlier policy is kept as it was"
    assert selectors.registry_state().revision == 2


def _category_names(state) -> list[str]:
    return [c.name["en"] for c in state.categories]


def _analytics_cookies(state) -> list[str]:
    return [k.name for c in state.categories if c.key == "analytics" for k in c.cookies]


@pytest.mark.parametrize(
    ("change", "shown", "expected"),
    [
        (
            lambda: Category.objects.filter(key="social").update(name_en="Social networks", position=0),
            _category_names, ["Strictly necessary", "Social networks", "Statistics (Google Analytics)"],
        ),
        (
            lambda: Cookie.objects.filter(name="_ga").update(position=7),
            _analytics_cookies, ["_ga_*", "_gid", "_gat*", "_ga"],
        ),
    ],
    ids=["category renamed and moved", "cookie reordered"],
)
def test_a_change_that_is_not_material_keeps_the_revision_but_shows(revise, change, shown, expected):
    assert shown(selectors.registry_state()) != expected
    change()
    assert revise() is None
    assert RegistryRevision.objects.count() == 1
    assert shown(selectors.registry_state()) == expected


@pytest.mark.parametrize(
    "change",
    [
        lambda: _cookie(name="lb_route", provider="iLumen", category=Category.objects.get(key="necessary")),
        lambda: Cookie.objects.filter(name="csrftoken").delete(),
        lambda: Cookie.objects.filter(name="csrftoken").update(purpose_en="Something else.", lifetime_nl="2 jaar"),
    ],
    ids=["necessary cookie added", "necessary cookie removed", "necessary cookie edited"],
)
def test_a_strictly_necessary_cookie_changes_no_revision_and_asks_nobody_again(client, revise, change):
    """Necessary cookies need no consent: the policy shows the change, visitors keep their choice."""
    response = client.post("/en/privacy/consent/", {"action": "accept", "revision": 1, "next": "/en/"})
    assert response.status_code == 303
    change()
    assert revise() is None
    assert RegistryRevision.objects.count() == 1
    shown = {(k.name, k.purpose["en"], k.lifetime["nl"]) for c in selectors.registry_state().categories
             for k in c.cookies}
    listed = Cookie.objects.exclude(integration="matomo")  # Matomo is off: its cookies are not listed
    assert shown == set(listed.values_list("name", "purpose_en", "lifetime_nl")), "the policy shows it"
    page = client.get("/en/").content.decode()
    assert re.search(r'<section id="consent-banner"[^>]*hidden', page), "no one is asked again"
    assert 'data-consent-granted="analytics social"' in page


def test_adding_an_optional_cookie_after_a_necessary_one_still_asks_again(revise):
    _cookie(name="lb_route", provider="iLumen", category=Category.objects.get(key="necessary"))
    assert revise() is None
    _cookie()
    revision = revise()
    assert revision is not None and revision.number == 2
    names = {k["name"] for c in revision.snapshot["categories"] for k in c["cookies"]}
    assert {"lb_route", "_fbp"} <= names, "the new revision's snapshot holds the whole registry"


def test_revisions_cannot_be_changed():
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        RegistryRevision.objects.update(snapshot={"categories": []})


# --- the cookie policy ---------------------------------------------------------------------------


def test_the_cookie_policy_in_both_languages(client, seeded):
    english = client.get("/en/cookies/").content.decode()
    assert "<h1>Cookie policy</h1>" in english and "Revision 1" in english
    assert "Distinguishes visitors by a random identifier." in english and "<code>_ga_*</code>" in english
    assert "linkedin.com" in english and 'href="/en/cookies/settings/"' in english
    dutch = client.get("/nl/cookies/").content.decode()
    assert "Onderscheidt bezoekers met een willekeurige code." in dutch and "Cookiebeleid" in dutch
    assert "Strikt noodzakelijk" in dutch


def test_earlier_revisions_stay_readable(client, revise):
    _cookie()
    revise()
    current = client.get("/en/cookies/").content.decode()
    assert "<code>_fbp</code>" in current and "Revision 2" in current
    assert 'href="/en/cookies/r1/"' in current
    old = client.get("/en/cookies/r1/")
    html = old.content.decode().split('<article class="cookie-policy')[1]  # the banner shows the current list
    assert old.status_code == 200 and "<code>_fbp</code>" not in html and "<code>_gid</code>" in html
    assert "superseded" in html and 'name="robots" content="noindex"' in old.content.decode()
    assert client.get("/en/cookies/r3/").status_code == 404
    assert client.get("/en/cookies/r0/").status_code == 404


def test_the_statement_links_to_the_cookie_policy(client, seeded):
    assert 'href="/en/cookies/"' in client.get("/en/privacy/").content.decode()
    assert 'href="/nl/cookies/"' in client.get("/nl/").content.decode()


# --- admin -------------------------------------------------------------------------------------


def test_adding_a_cookie_in_the_admin_raises_the_revision(client, superuser, django_capture_on_commit_callbacks):
    client.force_login(superuser)
    client.get("/en/cookies/")  # the registry is cached
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/admin/consent/cookie/add/", {
            "category": Category.objects.get(key="analytics").pk, "name": "_ga_srv", "provider": "Google",
            "domain": "", "purpose_nl": "Serverzijdige meting.", "purpose_en": "Server-side measurement.",
            "lifetime_nl": "2 jaar", "lifetime_en": "2 years", "position": 5,
        }, follow=True)
    assert response.status_code == 200
    assert RegistryRevision.objects.latest("number").number == 2
    assert "revision 2" in response.content.decode()
    assert "_ga_srv" in client.get("/en/cookies/").content.decode()


def test_the_necessary_category_cannot_be_deleted_and_keys_cannot_change(client, superuser):
    client.force_login(superuser)
    necessary = Category.objects.get(key="necessary")
    assert client.post(f"/en/admin/consent/category/{necessary.pk}/delete/", {"post": "yes"}).status_code == 403
    page = client.get(f"/en/admin/consent/category/{necessary.pk}/change/").content.decode()
    assert 'name="key"' not in page


def test_records_are_read_only_even_for_a_superuser(client, superuser, registry_state):
    record = _decide(registry_state, "accept")
    client.force_login(superuser)
    assert client.get("/en/admin/consent/consentrecord/add/").status_code == 403
    page = client.get(f"/en/admin/consent/consentrecord/{record.pk}/change/")
    assert page.status_code == 200 and 'type="submit" value="Save"' not in page.content.decode()
    assert client.post(f"/en/admin/consent/consentrecord/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    listing = client.get("/en/admin/consent/consentrecord/").content.decode()
    assert str(record.consent_id) in listing and "Export as CSV" in listing
    assert client.get("/en/admin/consent/registryrevision/1/change/").status_code == 200


@pytest.fixture
def registry_state(db):
    return selectors.registry_state()


def _decide(state, action, **kwargs) -> ConsentRecord:
    values = {
        "registry": state, "action": action, "source": "banner", "revision": state.revision, "consent_id": None,
        "language": "en", "client_ip": "203.0.113.77", "user_agent": "UA", "gpc": False,
    }
    return consent_decide(**{**values, **kwargs}).record


def test_csv_export_follows_the_filters(client, superuser, registry_state, seeded):
    accepted = _decide(registry_state, "accept")
    _decide(registry_state, "reject", client_ip="2001:db8:abcd:12::1", language="nl")
    client.force_login(superuser)
    response = client.get("/en/admin/consent/consentrecord/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    first = rows[0]
    assert first["consent_id"] == str(accepted.consent_id)
    assert (first["method"], first["granted"], first["refused"]) == ("banner", "analytics necessary social", "")
    assert (first["cookie_policy_revision"], first["statement_document"], first["statement_version"]) == (
        "1", "ilumen", "1")
    assert first["ip_network"] == "203.0.113.0" and len(first["user_agent_hash"]) == 64
    assert rows[1]["ip_network"] == "2001:db8:abcd::" and rows[1]["language"] == "nl"
    filtered = client.get("/en/admin/consent/consentrecord/export.csv?language__exact=nl")
    rows = list(csv.DictReader(io.StringIO(b"".join(filtered.streaming_content).decode())))
    assert [r["refused"] for r in rows] == ["analytics social"]


def test_csv_export_needs_view_permission(client, registry_state):
    staff = User.objects.create_user("clerk", "c@example.com", "a-long-test-password", is_staff=True)
    client.force_login(staff)
    assert client.get("/en/admin/consent/consentrecord/export.csv").status_code == 403
    assert client.get("/en/admin/consent/consentrecord/chart/").status_code == 403


def test_weekly_rates_and_chart(client, superuser, registry_state):
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    three_weeks_ago = timezone.make_aware(datetime.datetime.combine(monday - datetime.timedelta(weeks=3),
                                                                    datetime.time(12)))
    with time_machine.travel(three_weeks_ago, tick=False):
        _decide(registry_state, "accept")
        _decide(registry_state, "reject")
        _decide(registry_state, "reject")
    _decide(registry_state, "save", categories=["analytics"])
    rates = selectors.consent_weekly_rates(12)
    assert set(rates) == {"analytics", "social"}
    analytics = {r.week: (r.accepted, r.refused) for r in rates["analytics"]}
    assert analytics[monday - datetime.timedelta(weeks=3)] == (1, 2)
    assert analytics[monday] == (1, 0)
    assert rates["social"][-1].refused == 1 and len(rates["social"]) == 12
    client.force_login(superuser)
    html = client.get("/en/admin/consent/consentrecord/chart/").content.decode()
    week = (monday - datetime.timedelta(weeks=3)).isoformat()
    assert f'data-week="{week}" data-accepted="1" data-refused="2"' in html
    assert html.count("<svg viewBox") == 2 and 'role="img"' in html
    # a third of the plot height accepted: the bar's geometry is computed on the server
    heights = re.findall(r'class="accepted" [^>]*height="([\d.]+)"', html)
    assert heights and "<script" not in html.split("<svg viewBox")[1].split("</svg>")[0]


def test_gpc_refusals_count_in_the_chart_and_have_their_own_export(client, superuser, registry_state):
    """GPC refusals are counted per day, not recorded: the statistics must still include them."""
    _decide(registry_state, "accept")
    for network in ("203.0.113.1", "203.0.113.2", "2001:db8:5::1"):
        Client().get("/nl/", HTTP_SEC_GPC="1", REMOTE_ADDR=network)
    assert ConsentRecord.objects.count() == 1
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    this_week = selectors.consent_weekly_rates(12)["analytics"][-1]
    assert (this_week.week, this_week.accepted, this_week.refused, this_week.gpc) == (monday, 1, 3, 3)
    client.force_login(superuser)
    html = client.get("/en/admin/consent/consentrecord/chart/").content.decode()
    assert f'data-week="{monday.isoformat()}" data-accepted="1" data-refused="3"' in html
    assert "1 accepted, 3 refused in these weeks." in html
    assert "/en/admin/consent/gpcrefusalday/" in client.get("/en/admin/consent/consentrecord/").content.decode()
    response = client.get("/en/admin/consent/gpcrefusalday/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [["day", "language", "gpc_refusals"], [today.isoformat(), "nl", "3"]]
    filtered = client.get("/en/admin/consent/gpcrefusalday/export.csv?language__exact=en")
    assert list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode()))) == [rows[0]]
    assert client.get("/en/admin/consent/gpcrefusalday/").status_code == 200
    clerk = User.objects.create_user("clerk", "c@example.com", "a-long-test-password", is_staff=True)
    client.force_login(clerk)
    assert client.get("/en/admin/consent/gpcrefusalday/export.csv").status_code == 403


# --- "necessary" means strictly necessary --------------------------------------------------------

THIRD_PARTY_MESSAGE = (
    "A cookie set on another domain is never strictly necessary: put it in a category that needs consent."
)


def tracker_message(name: str) -> str:
    return f"“{name}” is a tracking cookie: it cannot be strictly necessary. Put it in a category that needs consent."


def test_the_seeded_necessary_category_holds_exactly_the_strictly_necessary_cookies(client, settings):
    """Session, CSRF, language, the consent cookie itself and the my-data session: this site's own,
    under their real names."""
    assert list(Category.objects.filter(necessary=True).values_list("key", flat=True)) == ["necessary"]
    necessary = Cookie.objects.filter(category__key="necessary")
    names = sorted(necessary.values_list("name", flat=True))
    assert names == sorted([
        settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME,
        settings.CONSENT_COOKIE_NAME, datarights_tokens.SESSION_COOKIE,
    ])
    assert set(necessary.values_list("domain", flat=True)) == {""}, "set by this site only"
    assert set(necessary.values_list("provider", flat=True)) == {"iLumen"}
    # revision 1 came before the my-data cookie was listed; it is still the policy in force
    snapshot = RegistryRevision.objects.get(number=1).snapshot
    published = {c["key"]: c for c in snapshot["categories"]}
    assert [key for key, c in published.items() if c["necessary"]] == ["necessary"]
    assert {c["name"] for c in published["necessary"]["cookies"]} < set(names)
    policy = client.get("/en/cookies/").content.decode()
    assert all(f"<code>{name}</code>" in policy for name in names) and "Revision 1" in policy


def test_the_my_data_cookie_is_listed_in_both_languages_without_asking_anyone_again(client):
    cookie = Cookie.objects.get(name=datarights_tokens.SESSION_COOKIE)
    assert (cookie.category.key, cookie.domain, cookie.provider) == ("necessary", "", "iLumen")
    assert (cookie.lifetime_nl, cookie.lifetime_en) == ("30 minuten", "30 minutes")
    english = client.get("/en/cookies/").content.decode()
    assert "Keeps the “My data” page open after you used the link from our e-mail" in english
    assert "30 minutes" in english
    dutch = client.get("/nl/cookies/").content.decode()
    assert "Houdt de pagina ‘Mijn gegevens’ open nadat u de link uit onze e-mail gebruikte" in dutch
    assert "30 minuten" in dutch
    assert RegistryRevision.objects.count() == 1, "the migration made no new revision"
    assert selectors.registry_state().revision == 1


@pytest.mark.parametrize(
    ("name", "tracking"),
    [
        ("_ga", True), ("_ga_ABC123", True), ("_ga_*", True), ("_gid", True), ("_gat", True),
        ("_gat_UA-123", True), ("_fbp", True), ("_fbc", True), ("__utma", True), ("__utmz", True),
        ("__utm*", True), ("_g*", True), ("*", True), ("_GA", True),
        ("csrftoken", False), ("sessionid", False), ("django_language", False), ("ilumen_consent", False),
        ("_gidx", False), ("_gac_x", False), ("ga", False), ("_fb", False), ("lb_*", False),
    ],
)
def test_tracking_cookie_names_and_patterns_are_recognised(name, tracking):
    from consent.models import is_tracking_cookie

    assert is_tracking_cookie(name) is tracking


@pytest.fixture
def legal(client, group_member) -> User:
    """A member of Legal, the role that keeps the cookie registry, signed in to the admin."""
    user = group_member("Legal")
    client.force_login(user)
    return user


def _admin_url(name: str, *args) -> str:
    from django.urls import reverse
    from django.utils import translation

    with translation.override("en"):
        return reverse(f"admin:{name}", args=args)


def _cookie_form(cookie: Cookie | None = None, **changes) -> dict:
    values = {
        "category": Category.objects.get(key="necessary").pk, "name": "lb_route", "provider": "iLumen",
        "domain": "", "purpose_nl": "Kiest de server.", "purpose_en": "Chooses the server.",
        "lifetime_nl": "sessie", "lifetime_en": "session", "position": 9,
    }
    if cookie is not None:
        values = {**values, **{field: getattr(cookie, field) for field in values if field != "category"},
                  "category": cookie.category_id}
    return {**values, **changes}


def _registry_rows() -> list[tuple]:
    return list(Cookie.objects.order_by("pk").values_list("pk", "category__key", "name", "domain"))


@pytest.mark.parametrize(
    ("name", "domain", "message"),
    [
        ("_ga_SRV", "", tracker_message("_ga_SRV")),
        ("_fbp", "", tracker_message("_fbp")),
        ("__utm*", "", tracker_message("__utm*")),
        ("_g*", "", tracker_message("_g*")),
        ("sb", "facebook.com", THIRD_PARTY_MESSAGE),
        ("_ga", "google.com", THIRD_PARTY_MESSAGE),
    ],
)
def test_the_admin_refuses_a_tracking_or_third_party_cookie_in_the_necessary_category(
    client, legal, name, domain, message
):
    before = _registry_rows()
    response = client.post(_admin_url("consent_cookie_add"), _cookie_form(name=name, domain=domain))
    assert response.status_code == 200, "the form comes back with the error"
    assert message in response.content.decode()
    assert _registry_rows() == before, "nothing stored"
    assert RegistryRevision.objects.count() == 1
    # the same cookie in a category that needs consent is fine
    analytics = Category.objects.get(key="analytics").pk
    response = client.post(_admin_url("consent_cookie_add"), _cookie_form(name=name, domain=domain,
                                                                          category=analytics))
    assert response.status_code == 302
    assert Cookie.objects.get(name=name, domain=domain).category_id == analytics


def test_the_refusal_is_in_the_staff_members_language(client, legal):
    url = _admin_url("consent_cookie_add").replace("/en/", "/nl/", 1)
    response = client.post(url, _cookie_form(name="_ga_ABC123"))
    assert "“_ga_ABC123” is een trackingcookie" in response.content.decode()
    assert not Cookie.objects.filter(name="_ga_ABC123").exists()


def test_the_admin_still_takes_a_strictly_necessary_cookie(client, legal):
    response = client.post(_admin_url("consent_cookie_add"), _cookie_form(name="lb_route"))
    assert response.status_code == 302
    assert Cookie.objects.get(name="lb_route").category.key == "necessary"


def test_the_admin_refuses_to_move_a_tracker_into_the_necessary_category_or_relabel_one(client, legal):
    necessary = Category.objects.get(key="necessary").pk
    before = _registry_rows()
    gid = Cookie.objects.get(name="_gid")
    response = client.post(_admin_url("consent_cookie_change", gid.pk), _cookie_form(gid, category=necessary))
    assert response.status_code == 200 and tracker_message("_gid") in response.content.decode()
    csrf = Cookie.objects.get(name="csrftoken")
    response = client.post(_admin_url("consent_cookie_change", csrf.pk), _cookie_form(csrf, name="_fbc"))
    assert response.status_code == 200 and tracker_message("_fbc") in response.content.decode()
    response = client.post(_admin_url("consent_cookie_change", csrf.pk), _cookie_form(csrf, domain="doubleclick.net"))
    assert response.status_code == 200 and THIRD_PARTY_MESSAGE in response.content.decode()
    assert _registry_rows() == before, "nothing stored"
    assert RegistryRevision.objects.count() == 1


def _category_form(category: Category, **changes) -> dict:
    """The category's change form as the admin sends it, its cookies inline."""
    cookies = list(category.cookies.order_by("position", "name"))
    data = {
        field: getattr(category, field)
        for field in ("position", "name_nl", "name_en", "description_nl", "description_en")
    }
    if category.necessary:
        data["necessary"] = "on"
    data.update({
        "cookies-TOTAL_FORMS": len(cookies), "cookies-INITIAL_FORMS": len(cookies),
        "cookies-MIN_NUM_FORMS": 0, "cookies-MAX_NUM_FORMS": 1000,
    })
    for i, cookie in enumerate(cookies):
        data[f"cookies-{i}-id"] = cookie.pk
        data[f"cookies-{i}-category"] = category.pk
        for field in ("name", "provider", "domain", "integration", "purpose_nl", "purpose_en", "lifetime_nl",
                      "lifetime_en", "position"):
            data[f"cookies-{i}-{field}"] = getattr(cookie, field)
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_admin_refuses_to_mark_a_category_of_trackers_necessary(client, legal):
    analytics = Category.objects.get(key="analytics")
    social = Category.objects.get(key="social")
    url = _admin_url("consent_category_change", analytics.pk)
    assert client.post(url, _category_form(analytics)).status_code == 302, "the form as sent is accepted"
    before = _registry_rows()
    response = client.post(url, _category_form(analytics, necessary="on"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This category cannot be strictly necessary: it holds tracking or third-party cookies " \
           "(_ga, _ga_*, _gat*, _gid, _pk_id.*, _pk_ses.*). Move them to a category that needs consent first." in html
    assert tracker_message("_ga_*") in html, "and each offending cookie is marked"
    response = client.post(_admin_url("consent_category_change", social.pk), _category_form(social, necessary="on"))
    assert response.status_code == 200 and "(bcookie, datr, fr, guest_id, li_gc, lidc, personalization_id)" in \
        response.content.decode()
    assert not Category.objects.filter(key__in=["analytics", "social"], necessary=True).exists(), "nothing stored"
    assert _registry_rows() == before
    assert RegistryRevision.objects.count() == 1
    # a cookie added inline to the necessary category is checked as well
    necessary = Category.objects.get(key="necessary")
    data = _category_form(necessary)
    i = data["cookies-TOTAL_FORMS"]
    data.update({"cookies-TOTAL_FORMS": i + 1, f"cookies-{i}-category": necessary.pk,
                 **{f"cookies-{i}-{k}": v for k, v in _cookie_form(name="_gat_UA-1").items() if k != "category"}})
    response = client.post(_admin_url("consent_category_change", necessary.pk), data)
    assert response.status_code == 200 and tracker_message("_gat_UA-1") in response.content.decode()
    assert _registry_rows() == before
