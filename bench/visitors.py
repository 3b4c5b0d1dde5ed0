"""Visitors as the load benchmarks play them: the cookies a real browser would carry."""

import re
import urllib.parse
import urllib.request


def returning_visitor_cookie(base: str, page: str) -> str:
    """Accept all on `page`'s banner, as a visitor would, and return the Cookie header that results."""
    with urllib.request.urlopen(base + page) as response:  # noqa: S310 - loopback only
        html = response.read().decode()
    assert 'id="consent-banner"' in html, "the consent system is on"
    revision = re.search(r'name="revision" value="(\d+)"', html).group(1)
    body = urllib.parse.urlencode({
        "action": "accept", "source": "banner", "revision": revision, "next": page,
    }).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + "/en/privacy/consent/", data=body,
        # What a browser sends with the banner's post (core.security.same_origin_form checks it).
        headers={"Origin": base, "Sec-Fetch-Site": "same-origin", "Referer": base + page, "Accept": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback only
        consent = re.search(r"ilumen_consent=([^;]+)", response.headers.get("Set-Cookie", "")).group(1)
    cookie = f"ilumen_consent={consent}"
    check = urllib.request.Request(base + page, headers={"Cookie": cookie})  # noqa: S310 - loopback only
    with urllib.request.urlopen(check) as response:  # noqa: S310 - loopback only
        html = response.read().decode()
    assert re.search(r'<section id="consent-banner"[^>]*\shidden', html), "the cookie is valid: banner hidden"
    return cookie
