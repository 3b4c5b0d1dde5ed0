"""Gating third-party code: the template tag, Google Analytics in Consent Mode, social embeds, the CSP."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.csp import CSP

from consent import cookie as consent_cookie
from consent.models import Integration
from consent.selectors import consent_state
from consent.templatetags.consent import inert
from core import csp

pytestmark = pytest.mark.django_db

GA_ID = "G-TEST123"


@pytest.fixture(autouse=True)
def _fresh_registry_copy(integrations_on):
    """This process's short-lived registry copy must not outlive a test that changed the registry.
    (With the integrations the seeded registry's cookies belong to switched on.)"""
    from consent.selectors import registry_cache_clear

    registry_cache_clear()
    yield
    registry_cache_clear()


def decide(client, action: str, headers: dict | None = None, **data):
    return client.post("/en/privacy/consent/", {"action": action, "next": "/en/", **data}, headers=headers)


def _render(source: str, cookie: str | None = None, **meta) -> str:
    request = RequestFactory().get("/en/", **meta)
    if cookie:
        request.COOKIES[consent_cookie.settings.CONSENT_COOKIE_NAME] = cookie
    request.consent = consent_state(request)
    template = Template("{% load consent %}" + source)
    return template.render(Context({"request": request, "csp_nonce": "NONCE123"}))


def test_inert_rewrites_scripts_and_iframes_only():
    html = (
        '<p>text</p><script src="https://a.test/x.js?a=1&amp;b=2" async nonce="N"></script>'
        "<script type='module' data-x=\"y\">run()</script><iframe src=\"https://b.test/\" title=\"t\"></iframe>"
        '<img src="/static/x.png">'
    )
    out = inert(html, "analytics")
    assert (
        '<script async nonce="N" type="text/plain" data-consent="analytics" data-src="https://a.test/x.js?a=1&amp;b=2">'
    ) in out
    assert '<script data-x="y" type="text/plain" data-consent="analytics" data-type="module">run()</script>' in out
    assert '<iframe title="t" data-consent="analytics" data-src="https://b.test/">' in out
    assert '<img src="/static/x.png">' in out and "<p>text</p>" in out
    assert not re.search(r"<(script|iframe)[^>]*\ssrc=", out)


def test_consent_gate_is_active_only_for_a_granted_category(client):
    source = (
        '{% consent_gate "analytics" %}<script src="https://a.test/x.js" nonce="{{ csp_nonce }}"></script>'
        "{% end_consent_gate %}"
    )
    refused = _render(source)
    assert 'type="text/plain" data-consent="analytics" data-src="https://a.test/x.js"' in refused
    assert 'nonce="NONCE123"' in refused
    decide(client, "accept")
    granted = _render(source, cookie=client.cookies["ilumen_consent"].value)
    assert granted == '<script src="https://a.test/x.js" nonce="NONCE123"></script>'
    # the same choice with a GPC signal given before it: refused again
    assert "text/plain" in _render(source, cookie=client.cookies["ilumen_consent"].value, HTTP_SEC_GPC="1")
    # without the consent system on a request, third-party code is left out entirely
    no_state = Template("{% load consent %}" + source).render(Context({"request": RequestFactory().get("/")}))
    assert no_state == ""


def test_without_google_analytics_switched_on_there_is_no_analytics_code_at_all(client, settings):
    settings.GA_MEASUREMENT_ID = ""
    Integration.objects.filter(kind="ga4").update(enabled=False, measurement_id="")
    decide(client, "accept")
    html = client.get("/en/").content.decode()
    assert "gtag" not in html and "analytics.js" not in html and "googletagmanager" not in html
    assert "googletagmanager" not in client.get("/en/").headers["Content-Security-Policy"]


def test_google_analytics_loads_only_after_consent_in_consent_mode(client, settings):
    settings.GA_SCRIPT_URL = "https://www.googletagmanager.com/gtag/js"
    before = client.get("/en/")
    html = before.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", before.headers["Content-Security-Policy"]).group(1)
    gtag = re.search(r"<script [^>]*gtag/js[^>]*>", html).group(0)
    assert 'type="text/plain"' in gtag and 'data-consent="analytics"' in gtag
    assert f'data-src="https://www.googletagmanager.com/gtag/js?id={GA_ID}"' in gtag
    assert f'nonce="{nonce}"' in gtag
    assert re.search(r'<script[^>]*\ssrc="https://www.googletagmanager', html) is None
    decide(client, "accept")
    after = client.get("/en/")
    html = after.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", after.headers["Content-Security-Policy"]).group(1)
    assert (
        f'<script src="/static/js/analytics.js" data-measurement-id="{GA_ID}" data-consent-category="analytics" '
        f'nonce="{nonce}"></script>'
    ) in html
    assert f'<script src="https://www.googletagmanager.com/gtag/js?id={GA_ID}" async nonce="{nonce}"></script>' in html
    decide(client, "save", category=["social"], source="settings")
    assert re.search(r'<script[^>]*\ssrc="https://www.googletagmanager', client.get("/en/").content.decode()) is None


def test_analytics_script_sets_consent_mode_v2_defaults_denied():
    from pathlib import Path

    source = (Path(__file__).resolve().parents[2] / "static/js/analytics.js").read_text()
    defaults = re.search(r"'consent', 'default', \{(.*?)\}", source, re.S).group(1)
    for signal in ("ad_storage", "ad_user_data", "ad_personalization", "analytics_storage"):
        assert f"{signal}: 'denied'" in defaults
    assert "'consent', 'update', {analytics_storage: 'granted'}" in source


def test_social_embeds_are_placeholders_until_social_is_granted(client, settings):
    settings.SOCIAL_EMBED_SCRIPTS = {"twitter": "https://platform.twitter.com/widgets.js"}
    source = '{% social_embed "twitter" "https://twitter.com/ilumen/status/1" "Our post" %}'
    refused = _render(source)
    assert "data-consent-placeholder=\"social\"" in refused and 'value="grant"' in refused
    assert 'data-src="https://platform.twitter.com/widgets.js"' in refused
    assert 'href="https://twitter.com/ilumen/status/1"' in refused, "the post stays reachable as a link"
    assert re.search(r"<script[^>]*\ssrc=", refused) is None
    decide(client, "save", category=["social"], source="settings")
    granted = _render(source, cookie=client.cookies["ilumen_consent"].value)
    assert '<script src="https://platform.twitter.com/widgets.js" async nonce="NONCE123"></script>' in granted
    assert 'data-consent-placeholder="social" hidden' in granted
    settings.SOCIAL_EMBED_SCRIPTS = {}
    plain = _render(source)
    assert "<script" not in plain and "data-consent-placeholder" not in plain


def test_clicking_the_placeholder_grants_social_on_top_of_earlier_choices(client):
    decide(client, "save", category=["analytics"], source="settings")
    response = decide(client, "grant", category="social", source="embed", headers={"Accept": "application/json"})
    assert response.json()["granted"] == ["analytics", "social"] and response.json()["method"] == "embed"


def test_share_links_load_nothing_and_name_the_site_not_the_host_asked_for(settings):
    settings.SITE_URL = "https://www.ilumen.be"
    Integration.objects.filter(kind__in=["facebook", "x", "linkedin"]).update(enabled=False)
    html = _render('{% share_links "Title" %}', HTTP_HOST="evil.example")
    assert "<script" not in html and "<iframe" not in html and "<img" not in html
    assert 'href="https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fwww.ilumen.be%2Fen%2F"' in html
    assert "evil.example" not in html and "testserver" not in html
    # a page elsewhere (the newsletter archive) names its own path
    assert "url=https%3A%2F%2Fwww.ilumen.be%2Fen%2Fnews%2F1%2F" in _render('{% share_links "T" "/en/news/1/" %}')


# --- CSP -------------------------------------------------------------------------------------


def test_with_sources_adds_hosts_and_leaves_the_base_policy_alone():
    policy = {"default-src": [CSP.SELF], "script-src": [CSP.SELF, CSP.NONCE], "frame-src": [CSP.NONE]}
    merged = csp.with_sources(policy, {
        "script-src": ["https://platform.twitter.com"], "frame-src": ["https://platform.twitter.com"],
        "connect-src": ["https://a.test"],
    })
    assert merged["script-src"] == [CSP.SELF, CSP.NONCE, "https://platform.twitter.com"]
    assert merged["frame-src"] == ["https://platform.twitter.com"], "'none' gives way"
    assert merged["connect-src"] == [CSP.SELF, "https://a.test"], "a missing directive starts from default-src"
    assert policy["frame-src"] == [CSP.NONE], "the base policy is not changed"
    assert csp.origin("javascript:alert(1)") == ""


def test_the_default_policy_stays_strict(client):
    Integration.objects.update(enabled=False, measurement_id="")
    header = client.get("/en/").headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "googletagmanager" not in header
    script_src = re.search(r"script-src ([^;]+)", header).group(1).split()
    assert script_src == ["'self'"], "no third-party code on the page: no nonce either"
