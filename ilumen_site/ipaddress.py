"""Client IP addresses, and their truncation to a network that no longer names one visitor.

IPv4 addresses keep their first three bytes (/24), IPv6 addresses their first 48 bits
(/48, the usual size of one site's allocation): enough for abuse statistics, not enough to
single out a household.
"""

import ipaddress

from django.http import HttpRequest

IPV4_PREFIX = 24
IPV6_PREFIX = 48


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, or None when it is missing or not an IP address.

    Only REMOTE_ADDR is trusted: a proxy in front must pass the client address there
    (gunicorn's `--forwarded-allow-ips`, for instance); X-Forwarded-For is set by anyone.
    """
    raw = (request.META.get("REMOTE_ADDR") or "").strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def truncate_ip(value: str | None) -> str | None:
    """The first address of the /24 (IPv4) or /48 (IPv6) network, or None for no or bad input.

    An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is treated as the IPv4 address it is.
    """
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)
