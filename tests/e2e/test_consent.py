"""Cookie consent in real Chromium, against the site on 127.0.0.1 under its own host name.

Chromium's --host-resolver-rules send www.ilumen.test (the site) and analytics.test /
social.test (a stand-in for Google's and the social networks' servers, started here) to
127.0.0.1, and every other name nowhere. The stand-in logs every request it gets, so
"nothing went to a third party" is checked where it would arrive, not only in the page.
Its gtag.js behaves like Google's for what matters here: it follows the Consent Mode
commands in the dataLayer, sets _ga cookies on the registrable domain (ilumen.test) and
keeps measuring (and setting them again) on a timer, unless told to stop.
"""

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from consent.models import ConsentRecord, GpcRefusalDay
from ilumen_site.urls import urlpatterns as site_urlpatterns

from .conftest import CHROMIUM, CHROMIUM_ARGS, admin_sign_in, csp_violations, visitors

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SITE_HOST = "www.ilumen.test"
GA_ID = "G-TEST123"
OPTIONAL = {"_ga", "_ga_TEST123", "_gid"}

GTAG_JS = r"""
(function () {
  var src = document.currentScript.src;
  var id = new URL(src).searchParams.get('id');
  var dl = window.dataLayer = window.dataLayer || [];
  var state = window.__standin = {loaded: true, defaults: null, consent: {}, commands: []};
  function handle(args) {
    args = Array.prototype.slice.call(args);
    state.commands.push(args[0] + (args[1] && typeof args[1] === 'string' ? ':' + args[1] : ''));
    if (args[0] === 'consent') {
      if (args[1] === 'default') { state.defaults = Object.assign({}, args[2]); }
      Object.assign(state.consent, args[2]);
    }
  }
  dl.forEach(handle);
  var push = dl.push;
  dl.push = function () { Array.prototype.forEach.call(arguments, handle); return push.apply(dl, arguments); };
  function measure() {
    if (window['ga-disable-' + id] || state.consent.analytics_storage !== 'granted') { return; }
    var domain = location.hostname.replace(/^www\./, '');
    document.cookie = '_ga=GA1.1.42.42; path=/; max-age=63072000; domain=' + domain;
    document.cookie = '_ga_' + id.slice(2) + '=GS1.1.42; path=/; max-age=63072000; domain=' + domain;
    fetch(new URL('/g/collect?tid=' + id, src), {mode: 'no-cors', keepalive: true});
  }
  measure();
  setInterval(measure, 200);
}());
"""

WIDGETS_JS = r"""
document.querySelectorAll('.social-embed-content').forEach(function (el) {
  el.setAttribute('data-loaded', 'yes');
  el.textContent = 'Post loaded from the network';
});
"""


class _StandIn(BaseHTTPRequestHandler):
    log: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        self.log.append((self.headers.get("Host", ""), self.path))
        route = urlsplit(self.path).path
        body, kind = {"/gtag/js": (GTAG_JS, "text/javascript"), "/widgets.js": (WIDGETS_JS, "text/javascript")}.get(
            route, ("", "text/plain")
        )
        self.send_response(200 if body else 204)
        self.send_header("Content-Type", kind)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def standin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


@pytest.fixture(autouse=True)
def _clear_standin_log(standin):
    _StandIn.log.clear()


@pytest.fixture(scope="module")
def consent_browser(playwright_instance):
    rules = f"MAP {SITE_HOST} 127.0.0.1, MAP analytics.test 127.0.0.1, MAP social.test 127.0.0.1, MAP * ~NOTFOUND"
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--host-resolver-rules={rules}"]
    )
    yield browser
    browser.close()


# A page with an embedded post, for the click-to-load placeholder (served only in these tests).
_EMBED_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% load consent %}{% block content %}<h1>News</h1>'
    '{% social_embed "twitter" "https://twitter.com/ilumen/status/1" "Our post" %}{% endblock %}'
)


def _embed_view(request):
    return HttpResponse(_EMBED_PAGE.render({}, request))


urlpatterns = [*site_urlpatterns, *i18n_patterns(path("test-embed/", _embed_view))]
handler404 = "pages.views.page_not_found"


@pytest.fixture
def site(live_server, standin, settings, seeded, registry_seeded):
    """The site as configured in production with GA and one social network, pointed at the stand-in."""
    port = live_server.thread.port
    third_party = f"http://analytics.test:{standin.server_port}"
    social = f"http://social.test:{standin.server_port}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, SITE_HOST]
    settings.CONSENT_COOKIE_DOMAINS = ["ilumen.test"]
    settings.GA_MEASUREMENT_ID = GA_ID
    settings.GA_SCRIPT_URL = f"{third_party}/gtag/js"
    settings.GA_CONNECT_ORIGINS = [third_party]
    settings.SOCIAL_EMBED_SCRIPTS = {"twitter": f"{social}/widgets.js"}
    settings.ROOT_URLCONF = __name__
    return f"http://{SITE_HOST}:{port}"


@pytest.fixture
def visitor(consent_browser):
    with visitors(consent_browser) as make:
        yield make


def _standin_paths() -> list[str]:
    return [p for _host, p in _StandIn.log]


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


# --- first visit ---------------------------------------------------------------------------


def test_first_visit_requests_nothing_from_third_parties_and_sets_no_optional_cookie(site, visitor):
    v = visitor()
    v.page.goto(site + "/nl/privacy/")
    assert v.banner_visible()
    assert v.page.get_by_role("region", name="Cookies op deze site").is_visible()
    v.page.goto(site + "/nl/")
    v.page.wait_for_timeout(500)
    assert v.hosts() == {SITE_HOST}
    assert _StandIn.log == []
    assert set(v.cookies()) == set()  # not even a CSRF cookie: public forms need none
    # the page is fully there behind the banner: no cookie wall
    assert v.page.locator("main").is_visible() and v.page.locator("footer").is_visible()
    assert csp_violations(v.page) == []


# For every link in the main content: scrolled into view, is it the element a click there reaches?
# A cookie wall (an overlay, `inert`, `pointer-events: none`) fails this for the links it blocks.
MAIN_LINKS_CLICKABLE = """() => Array.from(document.querySelectorAll('main a[href]'))
  .filter((a) => a.getClientRects().length > 0)
  .map((a) => {
    a.scrollIntoView({block: 'center', inline: 'center'});
    const r = a.getClientRects()[0];
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return [a.getAttribute('href'), !!hit && (hit === a || a.contains(hit)) && !a.closest('[inert]')];
  })"""


def test_scrolling_and_browsing_on_is_not_consent_and_nothing_is_walled_off(site, visitor):
    v = visitor(language="en-GB")

    def still_undecided(where: str) -> None:
        assert v.banner_visible(), where
        assert v.page.locator("#consent-banner").get_attribute("data-consent-decided") == "0", where
        assert "ilumen_consent" not in v.cookies(), where
        assert not ConsentRecord.objects.exists(), where

    def main_links_clickable(where: str) -> None:
        links = v.page.evaluate(MAIN_LINKS_CLICKABLE)
        assert links, f"{where} has links in its main content"
        assert [href for href, clickable in links if not clickable] == [], where
        still_undecided(where)

    v.page.goto(site + "/en/privacy/")
    still_undecided("first visit")
    main_links_clickable("the statement")
    # scroll to the very bottom, as a reader would (wheel and keyboard), and linger
    v.page.evaluate("window.scrollTo(0, 0)")
    v.page.mouse.move(640, 400)
    for _ in range(10):
        v.page.mouse.wheel(0, 2000)
    v.page.keyboard.press("End")
    v.page.wait_for_function(
        "() => window.scrollY > 0 && window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2"
    )
    v.page.wait_for_timeout(500)
    still_undecided("after scrolling to the bottom")
    # browse on through a link in the page's own text (a real click: it fails if anything covers the link)
    v.page.locator("main a[href='/en/privacy/history/']").first.click()
    v.page.wait_for_url(site + "/en/privacy/history/")
    still_undecided("second page")
    main_links_clickable("the version history")
    v.page.locator("header").get_by_role("link", name="Home", exact=True).click()
    v.page.wait_for_url(site + "/en/")
    v.page.wait_for_timeout(300)
    still_undecided("third page")
    main_links_clickable("the home page")
    assert set(v.cookies()) == set()  # not even a CSRF cookie: public forms need none
    assert _StandIn.log == [] and v.hosts() == {SITE_HOST}
    assert csp_violations(v.page) == []


def test_accept_and_reject_are_equally_prominent(site, visitor):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/")
    accept = v.page.get_by_role("button", name="Accept all").first
    reject = v.page.get_by_role("button", name="Reject all").first
    style = "e => { const s = getComputedStyle(e); return [e.tagName, s.fontSize, s.fontWeight, s.backgroundColor," \
            " s.color, s.borderTopWidth, s.paddingTop, s.paddingLeft]; }"
    assert accept.evaluate(style) == reject.evaluate(style)
    a, r = accept.bounding_box(), reject.bounding_box()
    assert a["height"] == r["height"] and abs(a["width"] - r["width"]) < 2
    assert abs(a["y"] - r["y"]) < 1, "side by side on the same line"


# --- reject, accept, withdraw ----------------------------------------------------------------


def test_reject_all_applies_without_reload_and_keeps_third_parties_out(site, visitor):
    v = visitor()
    v.page.goto(site + "/nl/privacy/")
    v.page.evaluate("window.__sameDocument = true")
    v.page.get_by_role("button", name="Alles weigeren").first.click()
    v.page.wait_for_selector("#consent-banner", state="hidden")
    assert v.page.evaluate("window.__sameDocument") is True, "no reload"
    v.page.wait_for_function(
        "() => document.querySelector('[data-consent-status]').textContent === 'Uw cookiekeuze is bewaard.'"
    )
    v.page.goto(site + "/nl/")
    assert not v.banner_visible()
    v.page.wait_for_timeout(500)
    assert v.hosts() == {SITE_HOST} and _StandIn.log == []
    assert set(v.cookies()) == {"ilumen_consent"}
    assert v.cookies()["ilumen_consent"]["httpOnly"]
    record = ConsentRecord.objects.get()
    assert (record.method, record.refused, record.language) == ("banner", ["analytics", "social"], "nl")
    assert csp_violations(v.page) == []


def test_accept_all_starts_analytics_at_once_in_consent_mode(site, visitor):
    v = visitor()
    v.page.goto(site + "/nl/privacy/")
    v.page.evaluate("window.__sameDocument = true")
    assert "/gtag/js" not in " ".join(_standin_paths())
    v.page.get_by_role("button", name="Alles accepteren").first.click()
    v.page.wait_for_function("() => window.__standin && window.__standin.loaded")
    assert v.page.evaluate("window.__sameDocument") is True, "no reload"
    standin = v.page.evaluate("window.__standin")
    assert standin["defaults"] == {
        "ad_storage": "denied", "ad_user_data": "denied", "ad_personalization": "denied",
        "analytics_storage": "denied",
    }
    assert standin["consent"]["analytics_storage"] == "granted" and standin["consent"]["ad_storage"] == "denied"
    assert standin["commands"][:4] == ["consent:default", "consent:update", "js", "config:" + GA_ID]
    assert _wait_for(lambda: OPTIONAL - {"_gid"} <= v.optional_cookies())
    assert _wait_for(lambda: any(p.startswith("/g/collect") for p in _standin_paths()))
    gtag = v.page.locator("script[src*='/gtag/js']")
    assert gtag.count() == 1 and gtag.evaluate("e => e.nonce.length > 10")
    # the next page view loads it from the server-rendered tag straight away
    _StandIn.log.clear()
    v.page.goto(site + "/nl/")
    v.page.wait_for_function("() => window.__standin && window.__standin.loaded")
    assert ConsentRecord.objects.get().granted == ["analytics", "necessary", "social"]
    assert csp_violations(v.page) == []


def test_withdrawal_removes_the_cookies_httponly_ones_included(site, visitor):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/privacy/")
    v.page.get_by_role("button", name="Accept all").first.click()
    assert _wait_for(lambda: {"_ga", "_ga_TEST123"} <= v.optional_cookies())
    # an HttpOnly analytics cookie on the registrable domain, as server-side tagging would set it:
    # out of reach of any script, so only the server's expiry can remove it
    v.context.add_cookies([{
        "name": "_gid", "value": "server-set", "domain": ".ilumen.test", "path": "/", "httpOnly": True,
        "sameSite": "Lax",
    }])
    assert v.cookies()["_gid"]["httpOnly"]
    footer_link = v.page.locator("footer").get_by_role("link", name="Cookie settings")
    footer_link.click()
    assert v.banner_visible()
    assert v.page.evaluate("document.activeElement.id") == "consent-settings-title", "focus moves into the choices"
    box = v.page.locator("#consent-settings").get_by_label("Allow: Statistics (Google Analytics)")
    assert box.is_checked()
    box.uncheck()
    v.page.locator("#consent-settings").get_by_role("button", name="Save my choices").click()
    v.page.wait_for_selector("#consent-banner", state="hidden")
    assert v.page.evaluate("document.activeElement.textContent") == "Cookie settings", "focus goes back"
    assert _wait_for(lambda: v.optional_cookies() == set())
    # the already-running tag has been told to stop: nothing comes back
    v.page.wait_for_timeout(1000)
    assert v.optional_cookies() == set()
    record = ConsentRecord.objects.latest("created_at")
    assert (record.method, record.granted, record.refused) == ("withdrawal", ["necessary", "social"], ["analytics"])
    _StandIn.log.clear()
    v.page.goto(site + "/en/")
    v.page.wait_for_timeout(500)
    assert "/gtag/js" not in " ".join(_standin_paths())
    assert v.optional_cookies() == set()
    assert csp_violations(v.page) == []


def test_without_javascript_the_forms_do_the_same(site, visitor):
    v = visitor(java_script_enabled=False)
    v.page.goto(site + "/nl/privacy/history/")
    assert v.banner_visible()
    v.page.get_by_role("link", name="Instellingen", exact=True).click()
    v.page.wait_for_url(re.compile(r"/nl/cookies/settings/\?next=/nl/privacy/history/"))
    form = v.page.locator("#cookie-settings-form")
    assert not form.get_by_label("Toestaan: Statistieken (Google Analytics)").is_checked(), "nothing pre-ticked"
    form.get_by_label("Toestaan: Statistieken (Google Analytics)").check()
    form.get_by_role("button", name="Mijn keuze bewaren").click()
    v.page.wait_for_url(site + "/nl/privacy/history/")
    assert not v.banner_visible()
    record = ConsentRecord.objects.get()
    assert (record.method, record.granted) == ("settings", ["analytics", "necessary"])
    # the analytics tag is on the page now, for a browser that would run it
    assert v.page.locator("script[src*='/gtag/js']").count() == 1
    v.page.goto(site + "/nl/cookies/settings/")
    assert str(record.consent_id) in v.page.content()
    v.page.locator("#cookie-settings-form").get_by_role("button", name="Alles weigeren").click()
    v.page.wait_for_url(site + "/nl/")
    assert ConsentRecord.objects.latest("created_at").method == "withdrawal"
    assert _StandIn.log == [] and v.hosts() == {SITE_HOST}


def test_a_gpc_signal_refuses_everything_and_is_counted_once(site, visitor):
    v = visitor(extra_http_headers={"Sec-GPC": "1"})
    v.page.goto(site + "/nl/")
    notice = v.page.locator("[data-consent-gpc]")
    assert notice.is_visible() and "Global Privacy Control" in notice.inner_text()
    for url in ("/nl/privacy/", "/nl/", "/en/"):
        v.page.goto(site + url)
        assert not v.banner_visible()
    v.page.wait_for_timeout(300)
    assert _StandIn.log == [] and v.optional_cookies() == set()
    assert not ConsentRecord.objects.exists(), "a refusal is counted, not recorded per visitor"
    assert GpcRefusalDay.objects.get().count == 1
    # an active opt-in still counts
    v.page.locator("footer").get_by_role("link", name="Cookie settings").click()
    v.page.locator("#consent-settings").get_by_label("Allow: Statistics (Google Analytics)").check()
    v.page.locator("#consent-settings").get_by_role("button", name="Save my choices").click()
    v.page.wait_for_function("() => window.__standin && window.__standin.loaded")
    assert ConsentRecord.objects.get().gpc is True
    assert csp_violations(v.page) == []


def test_a_forged_consent_cookie_brings_the_banner_back(site, visitor):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/")
    v.page.get_by_role("button", name="Reject all").first.click()
    v.page.wait_for_selector("#consent-banner", state="hidden")
    genuine = v.cookies()["ilumen_consent"]
    payload, signature = genuine["value"].rsplit(":", 1)
    # the visitor (or malware) edits the choice to "everything granted", keeping the old signature
    import base64
    import json

    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["g"] = ["analytics", "social"]
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    v.context.add_cookies([{**genuine, "value": f"{forged}:{signature}"}])
    v.page.goto(site + "/en/")
    assert v.banner_visible()
    v.page.wait_for_timeout(500)
    assert _StandIn.log == [] and v.optional_cookies() == set()


def test_the_banner_in_both_languages(site, visitor):
    for language, locale, heading, accept, reject, settings_label in (
        ("nl", "nl-BE", "Cookies op deze site", "Alles accepteren", "Alles weigeren", "Instellingen"),
        ("en", "en-GB", "Cookies on this site", "Accept all", "Reject all", "Settings"),
    ):
        v = visitor(language=locale)
        v.page.goto(f"{site}/{language}/")
        region = v.page.get_by_role("region", name=heading)
        assert region.is_visible()
        assert region.get_by_role("button", name=accept).first.is_visible()
        assert region.get_by_role("button", name=reject).first.is_visible()
        region.get_by_role("link", name=settings_label, exact=True).click()
        assert v.page.locator("#consent-settings").is_visible()
        policy = v.page.locator("#consent-banner a[href$='/cookies/']")
        policy.click()
        v.page.wait_for_url(f"{site}/{language}/cookies/")
        assert v.page.locator("h1").inner_text() == ("Cookiebeleid" if language == "nl" else "Cookie policy")
        assert csp_violations(v.page) == []


def test_the_banner_works_by_keyboard_alone(site, visitor):
    v = visitor(language="en-GB")
    page = v.page
    page.goto(site + "/en/")

    def focused() -> str:
        return page.evaluate("document.activeElement.textContent.trim() || document.activeElement.id")

    order = []
    for _ in range(5):
        page.keyboard.press("Tab")
        order.append(focused())
    assert order == ["Skip to main content", "Read the cookie policy", "Accept all", "Reject all", "Settings"]
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "the focus is visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "consent-settings-title"
    assert page.locator("[data-consent-open-settings]").get_attribute("aria-expanded") == "true"
    # necessary (disabled) is skipped; the policy's per-category details can be opened
    for _ in range(40):
        if page.evaluate("document.activeElement.value") == "analytics":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    for _ in range(40):
        if focused() == "Save my choices":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#consent-banner", state="hidden")
    assert page.evaluate("document.activeElement.id") == "main-content"
    page.wait_for_function("() => window.__standin && window.__standin.loaded")
    assert ConsentRecord.objects.get().granted == ["analytics", "necessary"]
    # reopen from the footer by keyboard, close with Escape: focus returns to the link
    page.locator("footer").get_by_role("link", name="Cookie settings").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "consent-settings-title"
    page.keyboard.press("Escape")
    assert not v.banner_visible()
    assert focused() == "Cookie settings"
    assert csp_violations(page) == []


def test_an_embedded_post_loads_only_after_a_click(site, visitor):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/test-embed/")
    v.page.get_by_role("button", name="Reject all").first.click()
    v.page.wait_for_selector("#consent-banner", state="hidden")
    placeholder = v.page.locator("[data-consent-placeholder='social']")
    assert placeholder.is_visible() and _StandIn.log == []
    assert v.page.get_by_role("link", name="Our post").is_visible(), "the post is reachable as a plain link"
    placeholder.get_by_role("button", name="Load the post and allow social-media cookies").click()
    v.page.wait_for_selector(".social-embed-content[data-loaded='yes']")
    assert not placeholder.is_visible()
    assert _standin_paths() == ["/widgets.js"]
    assert "/gtag/js" not in " ".join(_standin_paths()), "only the category the visitor allowed"
    record = ConsentRecord.objects.latest("created_at")
    assert (record.method, record.granted) == ("embed", ["necessary", "social"])
    assert csp_violations(v.page) == []


CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el, color = getComputedStyle(el).color;
  while (bg && getComputedStyle(bg).backgroundColor.match(/rgba\\(.*, 0\\)|transparent/)) { bg = bg.parentElement; }
  const [a, b] = [lum(color), lum(getComputedStyle(bg || document.body).backgroundColor)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_the_banner_text_and_buttons_have_readable_contrast(site, visitor):
    v = visitor(language="en-GB")
    v.page.goto(site + "/en/")
    banner = v.page.locator("#consent-banner")
    for element in (banner.locator("p").first, banner.locator("h2"), banner.get_by_role("link").first,
                    banner.get_by_role("button", name="Accept all").first,
                    banner.get_by_role("button", name="Reject all").first,
                    banner.get_by_role("link", name="Settings", exact=True)):
        assert element.evaluate(CONTRAST) >= 4.5, element


def test_admin_screens_for_consent_render_under_the_strict_csp(site, visitor):
    from django.contrib.auth.models import User

    from consent.selectors import registry_state
    from consent.services import consent_decide

    User.objects.create_superuser("root", "root@example.com", "a-long-test-password")
    state = registry_state()
    consent_decide(registry=state, action="accept", source="banner", revision=state.revision, consent_id=None,
                   language="en", client_ip="203.0.113.9", user_agent="UA", gpc=False)
    v = visitor(language="en-GB")
    admin_sign_in(v.page, site, "root", "a-long-test-password")
    from consent.models import Category

    category = Category.objects.get(key="analytics").pk
    for url in ("/en/admin/consent/category/", f"/en/admin/consent/category/{category}/change/",
                "/en/admin/consent/cookie/", f"/en/admin/consent/registryrevision/{state.revision_id}/change/",
                "/en/admin/consent/consentrecord/", "/en/admin/consent/consentrecord/chart/"):
        response = v.page.goto(site + url)
        assert response.status == 200 and v.page.url == site + url, url
        assert csp_violations(v.page) == [], url
    chart = v.page.locator("svg[data-chart='analytics']")
    assert chart.is_visible() and chart.locator("rect.accepted").count() == 1
    assert _StandIn.log == []
