"""Client IP addresses, and their truncation to a network that no longer names one visitor.

IPv4 addresses keep their first three bytes (/24), IPv6 addresses their first 48 bits
(/48, the usual size of one site's allocation): enough for abuse statistics, not enough to
single out a household.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

IPV4_PREFIX = 24
IPV6_PREFIX = 48
# What one subscriber line gets: rate limits count an IPv6 client per /64 (any address in it
# is theirs to pick), with a further ceiling per /48: the same site a truncated address names.
IPV6_NETWORK_PREFIX = 64


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


@lru_cache(maxsize=4)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    return address is not None and any(address in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address, or None when it is missing or not an IP address.

    X-Forwarded-For can be written by anyone, so it is only read when REMOTE_ADDR is
    one of settings.TRUSTED_PROXIES (CIDRs), and then only up to the first hop, from
    the right, that is not a trusted proxy: rate limits and truncated IPs see the
    visitor, never the load balancer, and never an address the visitor made up.
    """
    remote = _parse(request.META.get("REMOTE_ADDR") or "")
    if not _trusted(remote):
        return str(remote) if remote else None
    hops = [hop for hop in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            break
        if not _trusted(address):
            return str(address)
    return str(remote)


def _address(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The parsed address, an IPv4-mapped IPv6 address as the IPv4 address it is."""
    address = _parse(value or "")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _network_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, prefix: int) -> str:
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def client_network(value: str | None) -> str | None:
    """The network one client controls, as an address: an IPv4 address itself, or the first
    address of an IPv6 /64. None for no or bad input."""
    address = _address(value)
    if address is None:
        return None
    return str(address) if address.version == 4 else _network_address(address, IPV6_NETWORK_PREFIX)


def client_site(value: str | None) -> str | None:
    """The first address of an IPv6 client's /48, or None (IPv4, no or bad input)."""
    address = _address(value)
    if address is None or address.version == 4:
        return None
    return _network_address(address, IPV6_PREFIX)


def axes_client_network(request: HttpRequest) -> str | None:
    """django-axes stores one address per lock-out: the client's network address, so every
    address of an IPv6 /64 shares one failure count."""
    return client_network(client_ip(request))


def truncate_ip(value: str | None) -> str | None:
    """The first address of the /24 (IPv4) or /48 (IPv6) network, or None for no or bad input.

    An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is treated as the IPv4 address it is.
    """
    address = _address(value)
    if address is None:
        return None
    return _network_address(address, IPV4_PREFIX if address.version == 4 else IPV6_PREFIX)
