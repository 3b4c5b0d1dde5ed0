"""The cookie audit's judgement (consent/audit/findings.py) and its reading of cookie strings and call
stacks (consent/audit/browser.py), on plain data: what the browser would have recorded."""

import datetime
import email.utils

from consent.audit import findings as f
from consent.audit.browser import parse_cookie_string, script_from_stack
from consent.types import CategoryInfo, CookieInfo, RegistryState

SITE = "www.ilumen.test"
DAY = 86400


def _cookie(name: str, domain: str = "", max_lifetime: int | None = 365 * DAY) -> CookieInfo:
    return CookieInfo(name, "p", domain, {"en": "x"}, {"en": "x"}, max_lifetime)


REGISTRY = RegistryState(
    revision=3, revision_id=7, revised_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    categories=(
        CategoryInfo("necessary", True, {"en": "N"}, {"en": "N"}, (
            _cookie("csrftoken"), _cookie("ilumen_consent", max_lifetime=186 * DAY),
            _cookie("sessionid", max_lifetime=0),
        )),
        CategoryInfo("analytics", False, {"en": "A"}, {"en": "A"}, (
            _cookie("_ga", max_lifetime=732 * DAY), _cookie("_ga_*", max_lifetime=732 * DAY),
            _cookie("_g*", max_lifetime=60), _cookie("_gid", max_lifetime=None),
        )),
        CategoryInfo("social", False, {"en": "S"}, {"en": "S"}, (_cookie("guest_id", "twitter.com"),)),
    ),
)
HOSTS = {"analytics": {"www.googletagmanager.com"}, "social": {"platform.twitter.com"}}


def _seen(name: str, domain: str = SITE, lifetime: int = 3600, page: str = "/nl/") -> dict:
    return {"name": name, "domain": domain, "path": "/", "lifetime": lifetime, "page": page, "pages": [page],
            "source": f"https://{SITE}{page}"}


def _findings(*observations: dict) -> list[f.Finding]:
    return f.audit_findings(registry=REGISTRY, observations=observations, site_host=SITE, category_hosts=HOSTS)


def _errors(found: list[f.Finding]) -> set[tuple[str, str]]:
    return {(x.kind, x.subject) for x in found if x.severity == f.ERROR}


def test_the_registry_entry_is_the_exact_name_first_then_the_longest_pattern_on_its_own_domain():
    def entry(name: str, host: str = SITE) -> str | None:
        found = f.registry_entry(REGISTRY, name, host, SITE)
        return found[1].name if found else None

    assert entry("_ga") == "_ga"
    assert entry("_ga_TEST123") == "_ga_*"  # not the shorter "_g*"
    assert entry("_gat_x") == "_g*"
    assert entry("_ga", "ilumen.test") == "_ga"  # set for the whole site, from a parent domain
    assert entry("_ga", "other.test") is None  # the site's own cookie, met on someone else's domain
    assert entry("guest_id", "twitter.com") == entry("guest_id", "platform.twitter.com") == "guest_id"
    assert entry("guest_id") is None  # declared on twitter.com, not on this site
    assert entry("guest_id", "nottwitter.com") is None
    assert entry("Csrftoken") is None  # cookie names are case-sensitive


def test_a_clean_walk_has_no_error_and_warns_of_what_it_never_saw():
    found = _findings(
        {"state": f.NO_CHOICE, "cookies": [_seen("csrftoken")], "storage": [], "requests": []},
        {
            "state": f.ACCEPT_ALL,
            "cookies": [_seen("_ga", "ilumen.test", 730 * DAY), _seen("_ga_X1", lifetime=730 * DAY)],
            "storage": [],
            "requests": [{"host": "www.googletagmanager.com", "url": "https://www.googletagmanager.com/gtag/js",
                          "page": "/nl/", "pages": ["/nl/"]}],
        },
    )
    assert _errors(found) == set()
    warnings = {(x.kind, x.subject) for x in found}
    assert warnings == {
        (f.NOT_SEEN, "ilumen_consent"), (f.NOT_SEEN, "sessionid"), (f.NOT_SEEN, "_g*"), (f.NOT_SEEN, "_gid"),
        (f.NOT_SEEN, "guest_id"),
    }
    assert all(x.severity == f.WARNING for x in found)


def test_undeclared_cookies_and_storage_keys_are_errors_with_their_page_and_source():
    found = _findings({
        "state": f.NO_CHOICE,
        "cookies": [_seen("tracker", page="/en/contact/")],
        "storage": [{"area": "localStorage", "origin": f"https://{SITE}", "host": SITE, "key": "visits",
                     "page": "/nl/", "pages": ["/nl/"], "source": f"https://{SITE}/static/x.js"}],
        "requests": [],
    })
    assert _errors(found) == {(f.UNDECLARED_COOKIE, "tracker"), (f.UNDECLARED_STORAGE, "visits")}
    tracker = next(x for x in found if x.subject == "tracker")
    assert (tracker.page, tracker.domain, tracker.states) == ("/en/contact/", SITE, [f.NO_CHOICE])
    assert tracker.source == f"https://{SITE}/en/contact/"
    visits = next(x for x in found if x.subject == "visits")
    assert (visits.domain, visits.source) == ("", f"https://{SITE}/static/x.js")  # the site's own storage


def test_a_cookie_counts_against_the_states_that_did_not_grant_its_category():
    ga = _seen("_ga", "ilumen.test", 730 * DAY)
    tweet = _seen("guest_id", "twitter.com", 30 * DAY)
    states = [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ACCEPT_ALL, f.ONLY + "analytics", f.ONLY + "social"]
    found = _findings(*({"state": s, "cookies": [ga, tweet], "storage": [], "requests": []} for s in states))
    by_subject = {x.subject: x for x in found if x.kind == f.NOT_GRANTED}
    assert by_subject["_ga"].states == [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ONLY + "social"]
    assert by_subject["guest_id"].states == [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ONLY + "analytics"]
    assert (by_subject["_ga"].category, by_subject["_ga"].cookie) == ("analytics", ("_ga", ""))
    # the strictly necessary category needs no consent
    necessary = _findings({"state": f.REJECT_ALL, "cookies": [_seen("csrftoken")], "storage": [], "requests": []})
    assert _errors(necessary) == set()


def test_requests_to_other_hosts_need_a_granted_category_that_covers_them():
    def request(host: str) -> dict:
        return {"host": host, "url": f"https://{host}/x.js", "page": "/nl/", "pages": ["/nl/"]}

    gtm, twitter, unknown = request("www.googletagmanager.com"), request("platform.twitter.com"), request("cdn.example")
    found = _findings(*(
        {"state": s, "cookies": [], "storage": [], "requests": [gtm, twitter, unknown]}
        for s in (f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ACCEPT_ALL, f.ONLY + "analytics", f.ONLY + "social")
    ))
    states = {x.subject: x.states for x in found if x.kind == f.THIRD_PARTY_REQUEST}
    assert states == {
        "www.googletagmanager.com": [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ONLY + "social"],
        "platform.twitter.com": [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ONLY + "analytics"],
        "cdn.example": [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ONLY + "analytics", f.ONLY + "social"],
    }
    assert next(x for x in found if x.subject == "cdn.example").source == "https://cdn.example/x.js"


def test_what_a_granted_partys_frame_loads_counts_as_that_partys():
    inside = {"host": "abs.twimg.test", "url": "https://abs.twimg.test/x.css", "page": "/nl/", "pages": ["/nl/"],
              "frame_hosts": ["platform.twitter.com"]}
    found = _findings(*(
        {"state": s, "cookies": [], "storage": [], "requests": [inside]}
        for s in (f.ONLY + "social", f.ONLY + "analytics")
    ))
    assert [(x.subject, x.states) for x in found if x.kind == f.THIRD_PARTY_REQUEST] == [
        ("abs.twimg.test", [f.ONLY + "analytics"]),
    ]


def test_the_hosts_of_a_category_are_its_cookies_domains_and_its_integrations():
    hosts = f.category_hosts_of(REGISTRY, {"analytics": {"www.googletagmanager.com"}, "necessary": {"x.test"}})
    assert hosts == {"analytics": {"www.googletagmanager.com"}, "social": {"twitter.com"}}
    assert f.host_covered("platform.twitter.com", hosts["social"])
    assert not f.host_covered("twitter.com.evil.test", hosts["social"])
    assert f.host_covered("region1.google-analytics.com", ["*.google-analytics.com"])
    assert not f.host_covered("google-analytics.com.evil.test", ["*.google-analytics.com"])


def test_a_lifetime_longer_than_declared_is_an_error_and_an_undeclared_one_a_warning():
    found = _findings({
        "state": f.ACCEPT_ALL,
        "cookies": [
            _seen("_ga", lifetime=732 * DAY + 1),  # the declaration's own second of rounding
            _seen("_ga_X", lifetime=800 * DAY),
            _seen("sessionid", lifetime=3600),  # declared "until the browser closes"
            _seen("csrftoken", lifetime=0),  # a browser-session cookie is never too long
            _seen("_gid", lifetime=DAY),
        ],
        "storage": [], "requests": [],
    })
    exceeded = {x.subject: (x.observed_seconds, x.declared_seconds) for x in found if x.kind == f.LIFETIME_EXCEEDED}
    assert exceeded == {"_ga_X": (800 * DAY, 732 * DAY), "sessionid": (3600, 0)}
    assert [(x.severity, x.subject) for x in found if x.kind == f.NO_MAX_LIFETIME] == [(f.WARNING, "_gid")]


def test_findings_come_errors_first_and_each_once_with_every_state_and_page():
    page_two = {**_seen("tracker", page="/en/"), "pages": ["/en/", "/en/contact/"]}
    found = _findings(
        {"state": f.NO_CHOICE, "cookies": [_seen("tracker")], "storage": [], "requests": []},
        {"state": f.GPC, "cookies": [page_two], "storage": [], "requests": []},
    )
    assert [x.severity for x in found] == sorted((x.severity for x in found), key=[f.ERROR, f.WARNING].index)
    (tracker,) = [x for x in found if x.subject == "tracker"]
    assert (tracker.states, tracker.page) == ([f.NO_CHOICE, f.GPC], "/nl/")
    assert tracker.pages == {"/nl/", "/en/", "/en/contact/"}


def test_the_states_walked_against_a_live_site_write_nothing_unless_choices_are_asked_for():
    assert [c.key for c in f.audit_choices(REGISTRY, with_choices=False)] == [f.NO_CHOICE, f.GPC]
    choices = f.audit_choices(REGISTRY, with_choices=True)
    assert [c.key for c in choices] == [
        f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ACCEPT_ALL, f.ONLY + "analytics", f.ONLY + "social",
    ]
    assert [c.categories for c in choices if c.action == "save"] == [{"analytics"}, {"social"}]
    nothing_optional = RegistryState(revision=1, revision_id=1, revised_at=REGISTRY.revised_at,
                                     categories=REGISTRY.categories[:1])
    assert [c.key for c in f.audit_choices(nothing_optional, with_choices=True)] == [f.NO_CHOICE, f.GPC]
    assert f.granted_in(f.ONLY + "social", REGISTRY) == {"social"}
    assert f.granted_in(f.ACCEPT_ALL, REGISTRY) == {"analytics", "social"}
    assert f.granted_in(f.GPC, REGISTRY) == f.granted_in(f.REJECT_ALL, REGISTRY) == frozenset()


def test_cookie_strings_are_read_as_the_browser_reads_them():
    now = 1_800_000_000.0
    text = "_ga=GA1.1; Path=/; Max-Age=63072000; Domain=.ilumen.test; Secure"
    write = parse_cookie_string(text, default_domain=SITE, now=now)
    assert (write.name, write.domain, write.lifetime) == ("_ga", "ilumen.test", 63072000)
    assert "secure" in write.attributes
    expires = email.utils.formatdate(now + 90 * DAY, usegmt=True)
    assert parse_cookie_string(f"fr=1; expires={expires}", default_domain="facebook.com", now=now).lifetime == 90 * DAY
    assert parse_cookie_string("a=1; path=/", default_domain=SITE, now=now).lifetime == 0  # browser session
    assert parse_cookie_string("a=; Max-Age=0", default_domain=SITE, now=now).lifetime < 0  # deleted
    past = email.utils.formatdate(now - DAY, usegmt=True)
    assert parse_cookie_string(f"a=; expires={past}", default_domain=SITE, now=now).lifetime < 0
    assert parse_cookie_string("no equals sign", default_domain=SITE, now=now) is None
    # max-age wins over expires; one that cannot be read is ignored
    unreadable = parse_cookie_string(f"a=1; max-age=soon; expires={expires}", default_domain=SITE, now=now)
    assert unreadable.lifetime == 90 * DAY
    assert parse_cookie_string(f"a=1; expires={expires}; max-age=60", default_domain=SITE, now=now).lifetime == 60


def test_the_script_that_wrote_is_the_first_address_in_the_stack():
    stack = (
        "Error\n    at report (<anonymous>:3:19)\n    at set (<anonymous>:9:20)\n"
        "    at measure (https://www.googletagmanager.com:8443/gtag/js?id=G-1:12:5)\n"
        "    at https://www.ilumen.test/static/js/analytics.js:3:1"
    )
    assert script_from_stack(stack, "https://www.ilumen.test/nl/") == "https://www.googletagmanager.com:8443/gtag/js?id=G-1"
    assert script_from_stack("Error\n    at <anonymous>:1:1", "https://www.ilumen.test/nl/") == (
        "https://www.ilumen.test/nl/ (inline script)"
    )


def test_the_hosts_of_an_integration_are_those_its_pages_policy_admits(settings):
    from consent.audit.run import integration_hosts
    from consent.types import IntegrationInfo

    settings.GA_CONNECT_ORIGINS = ["https://*.google-analytics.com"]
    registry = RegistryState(
        revision=1, revision_id=1, revised_at=REGISTRY.revised_at, categories=REGISTRY.categories,
        integrations=(
            IntegrationInfo("ga4", "analytics", "environment", measurement_id="G-1"),
            IntegrationInfo("x", "social", "environment", button=True),
            IntegrationInfo("matomo", "stats", "admin", url="https://stats.ilumen.test", site_id=1),
        ),
    )
    assert integration_hosts(registry) == {
        "analytics": {"www.googletagmanager.com", "*.google-analytics.com"},
        "social": {"platform.twitter.com"},
        "stats": {"stats.ilumen.test"},
    }


def test_only_a_server_on_this_machine_counts_as_local():
    from consent.audit.run import is_local

    assert is_local("http://127.0.0.1:8000") and is_local("http://localhost:8000/") and is_local("http://[::1]:80")
    assert not is_local("https://www.ilumen.be") and not is_local("http://10.0.0.5")
    assert is_local("http://www.ilumen.test:8000", "MAP www.ilumen.test 127.0.0.1, MAP * ~NOTFOUND")
    assert not is_local("https://www.ilumen.be", "MAP www.ilumen.be 192.0.2.7")
    assert not is_local("https://www.ilumen.be", "MAP ilumen.test 127.0.0.1")
    assert is_local("https://www.ilumen.be", "MAP *.ilumen.be 127.0.0.1:8443")
    assert not is_local("https://www.ilumen.be", "MAP www.ilumen.be ~NOTFOUND, MAP * 127.0.0.1")  # first rule decides


def test_choices_are_walked_on_a_development_server_and_elsewhere_only_when_asked_for(settings):
    from consent.audit.run import audit_choices_for

    def states(base_url: str, with_choices: bool, rules: str = "") -> int:
        return len(audit_choices_for(registry=REGISTRY, base_url=base_url, host_rules=rules, with_choices=with_choices))

    settings.DEBUG = True
    assert states("https://www.ilumen.be", False) == 2
    assert states("https://www.ilumen.be", True) == 6
    assert states("http://127.0.0.1:8000", False) == states("http://www.ilumen.test", False, "MAP * 127.0.0.1") == 6
    settings.DEBUG = False  # production, even when reached through a loopback address
    assert states("http://127.0.0.1:8000", False) == 2
    assert states("http://127.0.0.1:8000", True) == 6
