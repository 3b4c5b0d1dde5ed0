"""The cookie audit walks every page a visitor reaches without a token (consent/audit/pages.py): a page
added to the site without a place in the audit's list, or taken out of it without a reason, fails here."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from consent.audit import pages


def _url_names(patterns, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= _url_names(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


def test_every_url_name_is_walked_or_left_out_with_a_reason():
    names = _url_names(get_resolver().url_patterns)
    walked = set(pages.PAGES) | set(pages.LANGUAGE_NEUTRAL) | {name for name, _how in pages.FOLLOWED.values()}
    unlisted = {
        name for name in names - walked - set(pages.NOT_VISITED)
        if name.split(":")[0] not in pages.NOT_VISITED_NAMESPACES
    }
    assert unlisted == set(), "add these to consent/audit/pages.py: PAGES, or NOT_VISITED with the reason"
    assert walked - names == set(), "the audit lists pages the site no longer has"
    assert walked.isdisjoint(pages.NOT_VISITED)


@pytest.mark.django_db
def test_every_step_opens_a_page_in_its_language(client, seeded):
    steps = pages.audit_steps()
    switch = next(i for i, step in enumerate(steps) if step.switch_to)
    assert [step.switch_to for step in steps if step.switch_to] == ["en"]
    dutch = [step.path for step in steps[:switch] if step.path]
    english = [step.path for step in steps[switch:] if step.path.startswith("/en/")]
    neutral = [step.path for step in steps[switch:] if step.path and not step.path.startswith("/en/")]
    assert dutch[0] == "/nl/" and all(path.startswith("/nl/") for path in dutch)
    assert [path.replace("/en/", "/nl/", 1) for path in english] == dutch  # the same pages in both
    assert neutral == ["/robots.txt", "/sitemap.xml", "/.well-known/security.txt", "/healthz"]
    # every document and version the statements have
    assert "/nl/privacy/v1/" in dutch and "/nl/privacy/diff/?from=1&to=1" in dutch
    assert "/en/privacy/illuminoo/" in english and "/en/privacy/illuminoo/v1/" in english
    assert "/nl/privacy/illuminoo/history/" in dutch  # only in English: shown so, with a notice
    assert "/nl/cookies/r1/" in dutch
    # a newsletter's web version, from the archive page just before it
    followed = [i for i, step in enumerate(steps) if step.follow]
    assert [steps[i - 1].path for i in followed] == ["/nl/newsletter/archive/", "/en/newsletter/archive/"]
    paths = dutch + english + neutral
    statuses = {path: client.get(path).status_code for path in paths}
    # without the link's cookie the my-data page asks for a new link, as a visitor sees it
    assert statuses.pop("/nl/privacy/my-data/view/") == statuses.pop("/en/privacy/my-data/view/") == 403
    assert {path for path, status in statuses.items() if status != 200} == set()
    assert len(set(paths)) == len(paths)


@pytest.mark.django_db
def test_a_cap_keeps_the_first_pages_of_each_language(seeded):
    steps = pages.audit_steps(max_pages=2)
    assert [s.label for s in steps] == [
        "/nl/", "/nl/legal-notice/", "language switcher → en", "/en/", "/en/legal-notice/",
        "/robots.txt", "/sitemap.xml", "/.well-known/security.txt", "/healthz",
    ]
