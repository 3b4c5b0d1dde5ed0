"""Share links, the networks' own buttons and Matomo, switched on as Legal does in the admin, in real Chromium.

Chromium's --host-resolver-rules send www.ilumen.test (the site) and the stand-ins for Facebook's,
X's and LinkedIn's button code (HTTP) and for a self-hosted Matomo (HTTPS, as the admin requires,
with a certificate made here) to 127.0.0.1, and every other name nowhere. The stand-ins log every
request they get, so "nothing went to the network before the click" is checked where it would
arrive. Their scripts do what matters here: each network's marks its button loaded, Matomo's
follows the _paq commands, sets _pk_id and sends its hit only with consent given.
"""

import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from consent.models import ConsentRecord, Integration
from consent.services import integration_update
from tests.polling import wait_until

from .conftest import CHROMIUM, CHROMIUM_ARGS, admin_sign_in, axe_violations, csp_violations, visitors

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SITE_HOST = "www.ilumen.test"
NETWORK_HOSTS = {"facebook": "connect.facebook.test", "x": "platform.x.test", "linkedin": "platform.linkedin.test"}
MATOMO_HOST = "matomo.test"

# As the real ones do, each network's script puts its button in a frame from its own host: the
# page's policy must admit that host (frame-src) for the frame to be requested at all.
MARK_LOADED = """
document.querySelectorAll('%s').forEach(function (el) {
  el.setAttribute('data-loaded', '%s');
  var frame = document.createElement('iframe');
  frame.title = 'Share button';
  frame.src = new URL('/button-frame?network=%s', document.currentScript.src).href;
  el.parentNode.appendChild(frame);
});
"""
SCRIPTS = {
    "/nl_BE/sdk.js": MARK_LOADED % (".fb-share-button", "facebook", "facebook"),
    "/en_GB/sdk.js": MARK_LOADED % (".fb-share-button", "facebook", "facebook"),
    "/widgets.js": MARK_LOADED % (".twitter-share-button", "x", "x"),
    "/in.js": MARK_LOADED % ('script[type="IN/Share"]', "linkedin", "linkedin"),
    "/matomo.js": r"""
(function () {
  var state = window.__matomo = {commands: [], consent: false, tracker: '', site: ''};
  function handle(command) {
    state.commands.push(command[0]);
    if (command[0] === 'setTrackerUrl') { state.tracker = command[1]; }
    if (command[0] === 'setSiteId') { state.site = command[1]; }
    if (command[0] === 'setConsentGiven') { state.consent = true; }
    if (command[0] === 'requireConsent') { state.consent = false; }
    if (command[0] === 'trackPageView' && state.consent) {
      document.cookie = '_pk_id.' + state.site + '.42=abc; path=/; max-age=33955200';
      fetch(state.tracker + '?idsite=' + state.site + '&rec=1', {mode: 'no-cors', keepalive: true});
    }
  }
  (window._paq || []).forEach(handle);
  window._paq = {push: function () { Array.prototype.forEach.call(arguments, handle); }};
}());
""",
}


class _StandIn(BaseHTTPRequestHandler):
    log: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        self.log.append((self.headers.get("Host", "").split(":")[0], self.path))
        body = SCRIPTS.get(urlsplit(self.path).path, "")
        self.send_response(200 if body else 204)
        self.send_header("Content-Type", "text/javascript")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


def _serve(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def standins(tmp_path_factory):
    """The networks' stand-in over HTTP, Matomo's over HTTPS with a self-signed certificate naming it."""
    folder = tmp_path_factory.mktemp("standin")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stand-in",
         "-addext", f"subjectAltName=DNS:{MATOMO_HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    secure = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    servers = (_serve(ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)), _serve(secure))
    yield servers
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def chromium(playwright_instance):
    hosts = (SITE_HOST, *NETWORK_HOSTS.values(), MATOMO_HOST)
    rules = ", ".join([f"MAP {host} 127.0.0.1" for host in hosts] + ["MAP * ~NOTFOUND"])
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}", "--ignore-certificate-errors"],
    )
    yield browser
    browser.close()


@pytest.fixture
def site(live_server, standins, settings, seeded, registry_seeded):
    """The three networks' buttons and Matomo switched on as Legal does in the admin, pointed at the stand-ins."""
    plain, secure = standins
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, SITE_HOST]
    site = f"http://{SITE_HOST}:{live_server.thread.port}"
    settings.SITE_URL = site
    settings.SOCIAL_BUTTON_SCRIPTS = {
        "facebook": f"http://{NETWORK_HOSTS['facebook']}:{plain.server_port}/{{locale}}/sdk.js",
        "x": f"http://{NETWORK_HOSTS['x']}:{plain.server_port}/widgets.js",
        "linkedin": f"http://{NETWORK_HOSTS['linkedin']}:{plain.server_port}/in.js",
    }
    settings.SOCIAL_BUTTON_FRAME_ORIGINS = {
        network: [f"http://{host}:{plain.server_port}"] for network, host in NETWORK_HOSTS.items()
    }
    for integration in Integration.objects.all():
        integration.enabled = integration.kind != "ga4"
        if integration.kind == "matomo":
            integration.matomo_url, integration.matomo_site_id = f"https://{MATOMO_HOST}:{secure.server_port}", 5
        integration_update(integration=integration)
    _StandIn.log.clear()
    return site


@pytest.fixture
def visitor(chromium):
    with visitors(chromium) as make:
        yield make


def _standin_hosts() -> set[str]:
    return {host for host, _path in _StandIn.log}


def _wait_for_every_frame() -> None:
    wait_until(lambda: _frames_requested() == set(NETWORK_HOSTS), timeout=5,
               what=lambda: f"every network's frame, got {_frames_requested()}")


def _frames_requested() -> set[str]:
    """The networks whose button frame reached the stand-in (the page's policy let it through)."""
    return {path.split("network=")[1] for _host, path in _StandIn.log if path.startswith("/button-frame?")}


def test_no_request_to_a_network_before_the_click_and_its_button_at_once_after(site, visitor):
    v = visitor()
    response = v.page.goto(site + "/nl/")
    v.page.wait_for_timeout(500)
    assert v.hosts() == {SITE_HOST} and _StandIn.log == [], "nothing reaches a network or Matomo before consent"
    # plain share links, from SITE_URL, load nothing
    share = v.page.get_by_role("region", name="Deel deze pagina")
    link = share.get_by_role("link", name="Delen op LinkedIn")
    assert link.get_attribute("href").startswith("https://www.linkedin.com/sharing/share-offsite/?url=http%3A%2F%2F"
                                                 "www.ilumen.test%3A")
    # a placeholder per network that names it, says what loading it shares and what it grants
    for network, name in (("facebook", "Facebook"), ("x", "X (Twitter)"), ("linkedin", "LinkedIn")):
        placeholder = v.page.locator(f"[data-share-button='{network}'] [data-consent-placeholder='social']")
        assert placeholder.is_visible()
        text = placeholder.inner_text()
        assert f"De eigen knop van {name} wordt geladen van {name}: zo weet {name} dat u deze pagina bezoekt" in text
        assert "staat ook de cookiecategorie “Sociale media” op deze site toe" in text
    # the page's own policy admits the networks' hosts, because it renders their buttons
    policy = response.headers["content-security-policy"]
    assert all(host in policy for host in NETWORK_HOSTS.values()) and MATOMO_HOST in policy
    assert axe_violations(v.page) == []

    v.page.get_by_role("button", name="Knop van Facebook laden").click()
    v.page.wait_for_selector(".fb-share-button[data-loaded='facebook']", state="attached")
    assert NETWORK_HOSTS["facebook"] in _standin_hosts()
    record = ConsentRecord.objects.get()
    assert (record.method, record.granted, record.refused) == ("embed", ["necessary", "social"], ["analytics"])
    # granting the category loads the other networks' buttons too, and nothing of Matomo's category
    v.page.wait_for_selector("script[type='IN/Share'][data-loaded='linkedin']", state="attached")
    v.page.wait_for_selector(".twitter-share-button[data-loaded='x']", state="attached")
    assert _standin_hosts() == set(NETWORK_HOSTS.values())
    _wait_for_every_frame()
    assert not v.page.locator("[data-consent-placeholder='social']:visible").count()
    assert v.page.evaluate("document.activeElement.getAttribute('data-consent-content')") == "social", \
        "the keyboard goes on where the button was"
    assert not v.page.locator("#consent-banner").is_visible()
    assert csp_violations(v.page) == []
    assert axe_violations(v.page) == []


def test_with_social_consent_the_buttons_load_directly(site, visitor):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/")
    v.page.locator("#consent-banner").get_by_role("link", name="Settings").click()
    v.page.get_by_label("Allow: Social media").first.check()
    v.page.get_by_role("button", name="Save my choices").first.click()
    v.page.wait_for_selector("#consent-banner", state="hidden")
    _StandIn.log.clear()
    v.page.goto(site + "/en/")
    v.page.wait_for_selector(".fb-share-button[data-loaded='facebook']", state="attached")
    assert not v.page.locator("[data-consent-placeholder='social']").first.is_visible()
    assert _standin_hosts() == set(NETWORK_HOSTS.values()), "and still nothing of Matomo's"
    _wait_for_every_frame()
    assert csp_violations(v.page) == []
    # the cookie policy names what loads with each category
    v.page.goto(site + "/en/cookies/")
    assert "Loaded with this consent: Matomo (https://matomo.test:" in v.page.locator("main").inner_text()
    assert axe_violations(v.page) == []


def test_matomo_runs_only_after_consent_and_the_admin_admits_no_third_party(site, visitor, live_server):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/")
    v.page.wait_for_timeout(300)
    assert MATOMO_HOST not in _standin_hosts()
    v.page.get_by_role("button", name="Accept all").first.click()
    v.page.wait_for_function("() => window.__matomo && window.__matomo.commands.indexOf('trackPageView') !== -1")
    matomo = v.page.evaluate("window.__matomo")
    assert matomo["commands"][:4] == ["requireConsent", "setConsentGiven", "setTrackerUrl", "setSiteId"]
    assert matomo["site"] == "5" and matomo["tracker"].startswith(f"https://{MATOMO_HOST}:")
    v.page.wait_for_function("() => document.cookie.indexOf('_pk_id.5.') !== -1")
    assert any(host == MATOMO_HOST and path.startswith("/matomo.php?idsite=5") for host, path in _StandIn.log)
    # withdrawing stops it on the same page, and the server and the script remove its cookie
    v.page.locator("footer").get_by_role("link", name="Cookie settings").click()
    v.page.get_by_role("button", name="Reject all").first.click()
    v.page.wait_for_function("() => document.cookie.indexOf('_pk_id.5.') === -1")
    assert v.page.evaluate("window.__matomo.consent") is False
    assert csp_violations(v.page) == []

    # The admin, with everything switched on: its policy admits no third party, in the browser too.
    from django.contrib.auth.models import Group, User

    legal = User.objects.create_user("legal", "legal@ilumen.be", "a-long-test-password", is_staff=True)
    legal.groups.add(Group.objects.get(name="Legal"))
    _StandIn.log.clear()
    staff = visitor(language="en-GB")
    admin_sign_in(staff.page, site, "legal", "a-long-test-password")
    response = staff.page.goto(site + "/en/admin/consent/integration/")
    policy = response.headers["content-security-policy"]
    assert MATOMO_HOST not in policy and not any(host in policy for host in NETWORK_HOSTS.values())
    url = f"https://{MATOMO_HOST}:{v.page.evaluate('new URL(window.__matomo.tracker).port')}/matomo.js"
    staff.page.evaluate("url => { const s = document.createElement('script'); s.src = url; document.head.append(s); }",
                        url)
    staff.page.wait_for_function("() => window.__cspViolations.length > 0")
    assert csp_violations(staff.page)[0]["directive"].startswith("script-src")
    assert _StandIn.log == [], "refused before it left the browser"
    assert axe_violations(staff.page) == []
    staff.page.get_by_role("link", name="Matomo").click()
    assert axe_violations(staff.page) == []
