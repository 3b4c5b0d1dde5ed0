"""The cookie audit (manage.py cookie_audit) against the test server, in real Chromium.

The site is www.ilumen.test; Google's and X's hosts are stand-ins; all are mapped to 127.0.0.1 by
Chromium's --host-resolver-rules (every other name resolves nowhere). The stand-ins speak HTTPS with a
certificate made here, as the real ones do and as a third-party cookie needs (SameSite=None requires
Secure). Their gtag.js behaves like Google's where it matters: it follows Consent Mode, sets _ga and
_ga_<id> on the registrable domain for two years, and sends hits to the collection host. Their X
widgets.js turns the share button into a frame from platform.twitter.com, which sets X's cookies on
twitter.com, as a third party.

The first test requires a clean report for the site as configured; the second plants an undeclared
cookie and the Google tag pasted outside the consent gate, and requires both reported.
"""

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.core.management import CommandError, call_command
from django.urls import path

from consent.audit import findings as f
from consent.models import CookieAudit
from ilumen_site.urls import urlpatterns as site_urlpatterns
from pages.views import home

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SITE_HOST = "www.ilumen.test"
GA_ID = "G-AUDIT1"
GOOGLE_HOSTS = ("www.googletagmanager.com", "region1.google-analytics.com")
X_HOST = "platform.twitter.com"
# The audit's share of the suite: the first pages of each language, every consent state.
PAGES_PER_LANGUAGE = 4

GTAG_JS = r"""
(function () {
  var src = document.currentScript.src;
  var id = new URL(src).searchParams.get('id') || 'G-AUDIT1';
  var dl = window.dataLayer = window.dataLayer || [];
  var consent = {};
  function handle(args) { if (args[0] === 'consent') { Object.assign(consent, args[2]); } }
  dl.forEach(function (args) { handle(Array.prototype.slice.call(args)); });
  var push = dl.push;
  dl.push = function () {
    Array.prototype.forEach.call(arguments, function (args) { handle(Array.prototype.slice.call(args)); });
    return push.apply(dl, arguments);
  };
  function measure() {
    if (window['ga-disable-' + id] || consent.analytics_storage === 'denied') { return; }
    var domain = location.hostname.replace(/^www\./, '');
    document.cookie = '_ga=GA1.1.42.42; path=/; max-age=63072000; domain=' + domain;
    document.cookie = '_ga_' + id.slice(2) + '=GS1.1.42; path=/; max-age=63072000; domain=' + domain;
    fetch('https://region1.google-analytics.com:' + new URL(src).port + '/g/collect?tid=' + id,
          {mode: 'no-cors', keepalive: true});
  }
  setTimeout(measure, 0);
}());
"""


WIDGETS_JS = r"""
var src = document.currentScript.src;
document.querySelectorAll('a.twitter-share-button').forEach(function (link) {
  var frame = document.createElement('iframe');
  frame.src = new URL('/widgets/tweet_button.html', src).href;
  frame.title = 'X';
  link.replaceWith(frame);
});
"""
# As X's button frame does: its cookies on twitter.com, readable in a third-party frame only with
# SameSite=None, which a browser takes only with Secure.
X_COOKIES = [
    "guest_id=v1%3A42; Domain=twitter.com; Path=/; Max-Age=34164000; Secure; SameSite=None",
    "personalization_id=v1_42; Domain=twitter.com; Path=/; Max-Age=34164000; Secure; SameSite=None",
]


class _StandIn(BaseHTTPRequestHandler):
    log: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        host = self.headers.get("Host", "").split(":")[0]
        self.log.append((host, self.path))
        route = urlsplit(self.path).path
        body, kind, cookies = {
            "/gtag/js": (GTAG_JS, "text/javascript", []),
            "/widgets.js": (WIDGETS_JS, "text/javascript", []),
            "/widgets/tweet_button.html": ("<!doctype html><title>Post</title><p>Post", "text/html", X_COOKIES),
        }.get(route, ("", "text/plain", []))
        self.send_response(200 if body else 204)
        self.send_header("Content-Type", kind)
        self.send_header("Access-Control-Allow-Origin", "*")
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """One HTTPS server answering for every stand-in host, with a self-signed certificate naming them."""
    folder = tmp_path_factory.mktemp("standin")
    key, cert = folder / "key.pem", folder / "cert.pem"
    names = ",".join(f"DNS:{host}" for host in (*GOOGLE_HOSTS, X_HOST))
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stand-in",
         "-addext", f"subjectAltName={names}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture
def site(live_server, standin, settings, seeded, registry_seeded) -> str:
    """The site with Google Analytics and X's own share button switched on (by the environment, which
    takes precedence over the admin), pointed at the stand-ins."""
    from consent.selectors import registry_cache_clear

    port = standin.server_port
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, SITE_HOST]
    settings.CONSENT_COOKIE_DOMAINS = ["ilumen.test"]
    settings.GA_MEASUREMENT_ID = GA_ID
    settings.GA_SCRIPT_URL = f"https://{GOOGLE_HOSTS[0]}:{port}/gtag/js"
    settings.GA_CONNECT_ORIGINS = [f"https://{GOOGLE_HOSTS[1]}:{port}"]
    settings.SOCIAL_BUTTONS = ["x"]
    settings.SOCIAL_BUTTON_SCRIPTS = {**settings.SOCIAL_BUTTON_SCRIPTS, "x": f"https://{X_HOST}:{port}/widgets.js"}
    settings.SOCIAL_BUTTON_FRAME_ORIGINS = {**settings.SOCIAL_BUTTON_FRAME_ORIGINS, "x": [f"https://{X_HOST}:{port}"]}
    registry_cache_clear()
    _StandIn.log.clear()
    return f"http://{SITE_HOST}:{live_server.thread.port}"


def _port(settings) -> int:
    return urlsplit(settings.GA_SCRIPT_URL).port


HOST_RULES = ", ".join([f"MAP {host} 127.0.0.1" for host in (SITE_HOST, *GOOGLE_HOSTS, X_HOST)] + ["MAP * ~NOTFOUND"])


def _audit(site: str) -> CookieAudit:
    # Tests run with DEBUG off, as production: choices are asked for (the test server writes them).
    call_command(
        "cookie_audit", base_url=site, host_resolver_rules=HOST_RULES, max_pages=PAGES_PER_LANGUAGE, settle_ms=300,
        with_choices=True,
    )
    return CookieAudit.objects.get()


def test_the_site_as_configured_passes_the_audit_in_every_consent_state(site, settings):
    report = _audit(site)
    errors = [(x.kind, x.subject, x.states) for x in report.findings.filter(severity="error")]
    assert errors == []
    assert report.states == [f.NO_CHOICE, f.GPC, f.REJECT_ALL, f.ACCEPT_ALL, f.ONLY + "analytics", f.ONLY + "social"]
    assert len(report.pages) == 2 * PAGES_PER_LANGUAGE + 1 + 4
    # What it recorded: the site's own cookies with their attributes and the response that set them,
    # Google's (stand-in) cookies with the script that wrote them, and the requests to Google.
    seen = {state: {c["name"]: c for c in report.observations[state]["cookies"]} for state in report.states}
    necessary = {"django_language", "ilumen_consent"}  # no CSRF cookie: public forms need none
    google, x = {"_ga", "_ga_AUDIT1"}, {"guest_id", "personalization_id"}
    assert set(seen[f.NO_CHOICE]) == {"django_language"}
    assert set(seen[f.GPC]) == set(seen[f.REJECT_ALL]) == necessary
    assert set(seen[f.ONLY + "analytics"]) == necessary | google
    assert set(seen[f.ONLY + "social"]) == necessary | x
    assert set(seen[f.ACCEPT_ALL]) == necessary | google | x
    consent = seen[f.ACCEPT_ALL]["ilumen_consent"]
    assert (consent["http_only"], consent["same_site"], consent["domain"]) == (True, "Lax", SITE_HOST)
    assert consent["source"].endswith("/nl/privacy/consent/") and consent["page"] == "/nl/ (choice)"
    assert consent["lifetime"] == 182 * 86400
    ga = seen[f.ACCEPT_ALL]["_ga"]
    assert ga["source"].startswith(settings.GA_SCRIPT_URL) and ga["domain"] == ".ilumen.test"
    assert ga["lifetime"] == 63072000
    guest = seen[f.ONLY + "social"]["guest_id"]
    assert (guest["domain"], guest["secure"], guest["same_site"]) == (".twitter.com", True, "None")
    assert guest["source"] == f"https://{X_HOST}:{_port(settings)}/widgets/tweet_button.html"
    assert guest["lifetime"] == 34164000 and guest["page"] == "/nl/ (choice)"  # loaded on the click, no reload
    language = seen[f.NO_CHOICE]["django_language"]
    assert language["source"].endswith("/i18n/setlang/") and language["page"].endswith("(language switcher)")
    hosts = {state: {r["host"] for r in report.observations[state]["requests"]} for state in report.states}
    assert hosts[f.ACCEPT_ALL] == {*GOOGLE_HOSTS, X_HOST}
    assert hosts[f.ONLY + "analytics"] == set(GOOGLE_HOSTS) and hosts[f.ONLY + "social"] == {X_HOST}
    assert hosts[f.NO_CHOICE] == hosts[f.GPC] == hosts[f.REJECT_ALL] == set()
    # and the stand-ins saw exactly that: nothing reached them but after a choice
    assert {host for host, _path in _StandIn.log} == {*GOOGLE_HOSTS, X_HOST}
    # warnings only for what a visitor never gets on these pages
    assert {x.subject for x in report.findings.all()} >= {"sessionid", "ilumen_mydata", "csrftoken"}
    assert {x.kind for x in report.findings.all()} == {f.NOT_SEEN}


def _planted_home(request):
    """The home page as a careless change could leave it: a cookie and a storage key nobody declared,
    and the Google tag pasted into the page outside the consent gate."""
    from django.conf import settings
    from django.middleware.csp import get_nonce

    response = home(request)
    response.set_cookie("planted_visitor", "1", max_age=3600)
    tags = (
        f'<script nonce="{get_nonce(request)}">localStorage.setItem("planted_key", "1");</script>'
        f'<script src="{settings.GA_SCRIPT_URL}?id={settings.GA_MEASUREMENT_ID}" async></script></body>'
    )
    response.content = response.content.replace(b"</body>", tags.encode())
    return response


urlpatterns = [*i18n_patterns(path("", _planted_home)), *site_urlpatterns]
handler404 = "pages.views.page_not_found"


def test_an_undeclared_cookie_and_a_request_before_consent_are_reported(site, settings):
    settings.ROOT_URLCONF = __name__
    with pytest.raises(CommandError, match=r"cookie audit: [1-9][0-9]* errors"):
        _audit(site)
    report = CookieAudit.objects.get()
    errors = {(x.kind, x.subject): x for x in report.findings.filter(severity="error")}
    planted = errors[(f.UNDECLARED_COOKIE, "planted_visitor")]
    assert planted.page == "/nl/" and planted.domain == SITE_HOST and f.NO_CHOICE in planted.states
    assert planted.source == f"{site}/nl/"
    request = errors[(f.THIRD_PARTY_REQUEST, GOOGLE_HOSTS[0])]
    assert request.states[:3] == [f.NO_CHOICE, f.GPC, f.REJECT_ALL] and request.page == "/nl/"
    assert request.source == settings.GA_SCRIPT_URL
    storage = errors[(f.UNDECLARED_STORAGE, "planted_key")]
    assert (storage.domain, storage.page) == ("", "/nl/") and storage.source.startswith(f"{site}/nl/")
    assert report.errors == len(errors) and report.errors >= 2


def test_a_site_that_is_not_local_is_walked_only_in_the_states_that_write_nothing(registry_seeded, settings):
    """Each choice is a consent record that site keeps for years. (Nothing answers at this name: every
    page fails, quickly, and so does the command.)"""
    from consent.models import ConsentRecord
    from consent.selectors import registry_cache_clear

    settings.GA_MEASUREMENT_ID, settings.SOCIAL_BUTTONS = GA_ID, ["x"]  # something to choose
    registry_cache_clear()
    with pytest.raises(CommandError, match=r"cookie audit: 0 errors, [1-9][0-9]* pages not walked"):
        call_command("cookie_audit", base_url="https://www.ilumen.example", max_pages=1, settle_ms=0,
                     host_resolver_rules="MAP www.ilumen.example ~NOTFOUND")
    report = CookieAudit.objects.get()
    assert report.states == [f.NO_CHOICE, f.GPC]
    assert "ERR_NAME_NOT_RESOLVED" in report.observations[f.NO_CHOICE]["failures"][0]
    assert not ConsentRecord.objects.exists()


@pytest.mark.django_db
def test_the_web_version_of_a_newsletter_is_found_from_the_archive(page, settings):
    from django.test import Client

    from consent.audit.pages import FOLLOWED
    from newsletter.models import Topic
    from tests.newsletter.test_archive import page_url, published

    settings.SITE_URL = "http://testserver"
    topic = Topic.objects.get_or_create(slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "News"})[0]
    Topic.objects.filter(pk=topic.pk).update(archive_public=True)
    campaign = published(topic)
    (_name, selector), = FOLLOWED.values()
    page.set_content(Client().get("/nl/newsletter/archive/").content.decode())
    assert page.locator(selector).first.get_attribute("href") == page_url(campaign, "nl")
