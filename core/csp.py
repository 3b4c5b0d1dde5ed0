"""Content-Security-Policy additions for third-party code that the site may be configured with.

The base policy in settings allows nothing but the site itself. Hosts of Google Analytics
or of social-media embeds are added only when that code is configured, and the code itself
only ever runs after consent (see consent/templatetags/consent.py).
"""

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from django.utils.csp import CSP


def origin(url: str) -> str:
    """scheme://host[:port] of an absolute URL, '' for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def third_party_sources(
    *,
    ga_measurement_id: str,
    ga_script_url: str,
    ga_connect_origins: Sequence[str],
    social_scripts: Mapping[str, str],
    social_frame_origins: Sequence[str],
) -> dict[str, list[str]]:
    """The CSP sources each configured third party needs, per directive."""
    sources: dict[str, list[str]] = {}

    def add(directive: str, *values: str) -> None:
        for value in values:
            if value and value not in sources.setdefault(directive, []):
                sources[directive].append(value)

    if ga_measurement_id:
        add("script-src", origin(ga_script_url))
        # The Google tag sends its hits with fetch/sendBeacon, falling back to an image.
        add("connect-src", *ga_connect_origins)
        add("img-src", *ga_connect_origins)
    for url in social_scripts.values():
        add("script-src", origin(url))
    if social_scripts:
        add("frame-src", *social_frame_origins)
    return {directive: values for directive, values in sources.items() if values}


def with_sources(policy: Mapping[str, Sequence[str]], extra: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """A copy of `policy` with `extra` sources added; 'none' gives way to real sources."""
    result = {directive: list(values) for directive, values in policy.items()}
    for directive, values in extra.items():
        base = result.get(directive, list(policy.get("default-src", [])))
        merged = [value for value in base if value != CSP.NONE]
        merged += [value for value in values if value not in merged]
        result[directive] = merged
    return result
