"""Rate limits count a client's network: an IPv4 address, or an IPv6 /64 (any address in it is the
client's to pick), with a ceiling per /48; every 429 says when to try again."""

from collections.abc import Callable
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.test import Client

from core.ipaddress import client_network, client_site
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
_serial = count()


@pytest.mark.parametrize(
    ("address", "network", "site"),
    [
        ("203.0.113.9", "203.0.113.9", None),
        ("::ffff:203.0.113.9", "203.0.113.9", None),
        ("2001:db8:1:2::1", "2001:db8:1:2::", "2001:db8:1::"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::", "2001:db8:1::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::", "2001:db8:1::"),
        ("not an address", None, None),
        (None, None, None),
    ],
)
def test_a_clients_network_and_site(address, network, site):
    assert client_network(address) == network
    assert client_site(address) == site


def _subscribe(client: Client, **headers: str):
    from newsletter.models import Topic

    topic = Topic.objects.get(slug="newsletter").pk
    address = f"reader{next(_serial)}@example.com"  # never the per-address limit
    data = {"email": address, "name": "Ann", "language": "en", "topics": [topic], "consent": "on"}
    return client.post("/en/newsletter/", data, **headers)


def _contact(client: Client, **headers: str):
    data = {"name": "Dirk", "email": f"dirk{next(_serial)}@example.be", "subject": "Offerte", "message": "Graag."}
    return client.post("/en/contact/", data, **headers)


def _my_data(client: Client, **headers: str):
    return client.post("/en/privacy/my-data/", {"email": f"person{next(_serial)}@example.com"}, **headers)


def _consent(client: Client, **headers: str):
    return client.post("/en/privacy/consent/", {"action": "reject"}, **headers)


FORMS: dict[str, tuple[Callable, str, int]] = {
    # name: (post one, the setting holding its per-network limit, the status of an accepted post)
    "subscribe": (_subscribe, "NEWSLETTER_SUBSCRIBE_PER_IP", 302),
    "contact": (_contact, "CONTACT_RATE_LIMIT_PER_IP", 302),
    "my-data": (_my_data, "DATARIGHTS_LINKS_PER_IP", 302),
    "consent": (_consent, "CONSENT_DECISIONS_PER_HOUR", 303),
}


def _from(address: str) -> dict[str, str]:
    """Headers of a request that reached the site through the trusted proxy."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}


@pytest.fixture
def limited(settings, seeded) -> Callable[[str], tuple[Callable, int]]:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    def arrange(form: str) -> tuple[Callable, int]:
        post, setting, accepted = FORMS[form]
        setattr(settings, setting, 2)
        return post, accepted

    return arrange


@pytest.mark.parametrize("form", FORMS)
def test_every_address_of_one_ipv6_64_shares_one_limit(limited, form):
    post, accepted = limited(form)
    assert post(BrowserClient(), **_from("2001:db8:1:2::1")).status_code == accepted
    assert post(BrowserClient(), **_from("2001:db8:1:2::2")).status_code == accepted
    refused = post(BrowserClient(), **_from("2001:db8:1:2:abcd::3"))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    # Another /64 (in another /48) is another client.
    assert post(BrowserClient(), **_from("2001:db8:99:1::1")).status_code == accepted


@pytest.mark.parametrize("form", FORMS)
def test_ipv4_addresses_are_counted_one_by_one(limited, form):
    post, accepted = limited(form)
    for _ in range(2):
        assert post(BrowserClient(), **_from("198.51.100.7")).status_code == accepted
    assert post(BrowserClient(), **_from("198.51.100.7")).status_code == 429
    assert post(BrowserClient(), **_from("198.51.100.8")).status_code == accepted


def test_a_48_cannot_escape_the_limit_by_walking_its_64s(limited, settings):
    post, accepted = limited("subscribe")
    ceiling = 2 * settings.RATE_LIMIT_IPV6_SITE_FACTOR
    answers = [post(BrowserClient(), **_from(f"2001:db8:7:{n:x}::1")).status_code for n in range(ceiling + 1)]
    assert answers == [accepted] * ceiling + [429]
    assert post(BrowserClient(), **_from("2001:db8:8:1::1")).status_code == accepted


def _sign_in(client: Client, password: str, address: str):
    return client.post(
        "/en/admin/login/?next=/en/admin/", {"username": "root", "password": password, "otp_token": "000000"},
        **_from(address),
    )


def test_the_admin_lock_out_counts_an_ipv6_64_as_one_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    User.objects.create_superuser("root", "root@example.com", "a-long-test-password")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(BrowserClient(), "wrong", f"2001:db8:1:2::{n + 1:x}")
    locked = _sign_in(BrowserClient(), "a-long-test-password", "2001:db8:1:2:ffff::1")
    assert locked.status_code == 429
    from axes.models import AccessAttempt

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"2001:db8:1:2::"}
    # What axes keeps of the attempts shows neither the password nor the code.
    kept = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "otp_token" in kept and "000000" not in kept and "wrong" not in kept
    # Another /64 is not locked out by them.
    assert _sign_in(BrowserClient(), "wrong", "2001:db8:1:3::1").status_code == 200


# The form, the setting of its per-address limit, and what one accepted request leaves behind.
def _proofs() -> int:
    from newsletter.models import ConsentProof

    return ConsentProof.objects.count()


def _messages() -> int:
    from contact.models import ContactMessage

    return ContactMessage.objects.count()


def _links() -> int:
    from datarights.models import AccessLink

    return AccessLink.objects.count()


def _about(form: str, address: str) -> Callable[..., object]:
    from newsletter.models import Topic

    def post(client: Client, **headers: str):
        if form == "subscribe":
            data = {"email": address, "name": "Ann", "language": "en", "consent": "on",
                    "topics": [Topic.objects.get(slug="newsletter").pk]}
            return client.post("/en/newsletter/", data, **headers)
        if form == "contact":
            data = {"name": "Ann", "email": address, "subject": "Offerte", "message": "Graag."}
            return client.post("/en/contact/", data, **headers)
        return client.post("/en/privacy/my-data/", {"email": address}, **headers)

    return post


PER_ADDRESS = {
    "subscribe": ("NEWSLETTER_SUBSCRIBE_PER_EMAIL", _proofs),
    "contact": ("CONTACT_RATE_LIMIT_PER_ADDRESS", _messages),
    "my-data": ("DATARIGHTS_LINKS_PER_ADDRESS", _links),
}


@pytest.mark.parametrize("flooder", ["198.51.100.7", "2001:db8:1:2::1"])
@pytest.mark.parametrize("form", PER_ADDRESS)
def test_requests_refused_for_the_network_spend_nothing_of_the_address_budget(limited, settings, form, flooder):
    limited(form)  # two per network
    setting, done = PER_ADDRESS[form]
    setattr(settings, setting, 3)
    post = _about(form, "ann@example.com")
    answers = [post(BrowserClient(), **_from(flooder)).status_code for _ in range(5)]
    assert answers[2:] == [429, 429, 429]
    before = done()
    # From elsewhere the address still has the one request left that the flood did not use up.
    post(BrowserClient(), **_from("203.0.113.9"))
    assert done() == before + 1
    post(BrowserClient(), **_from("203.0.113.10"))
    assert done() == before + 1  # and then its own limit holds
