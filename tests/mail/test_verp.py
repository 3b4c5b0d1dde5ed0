"""VERP (issue 14, point 3): the signed envelope sender of one message, the check that keeps its
domain aligned with the From domains, and the transport using it as SMTP MAIL FROM."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from mail.checks import bounce_domain_check
from mail.prerendered import PrerenderedMessage
from mail.transport import Transport
from mail.verp import verp_address, verp_enabled, verp_read

BOUNCE_DOMAIN = "bounce.ilumen.be"
_ADDRESS = re.compile(r"b-([a-z0-9]+)-([a-z2-7]{13})@bounce\.ilumen\.be")


@pytest.fixture
def verp(settings):
    settings.MAIL_BOUNCE_DOMAIN = BOUNCE_DOMAIN
    settings.SECRET_KEY = "verp-test-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    return settings


def test_the_address_is_lower_case_signed_and_its_local_part_within_64_characters(verp):
    verp.MAIL_BOUNCE_DOMAIN = "Bounce.iLumen.BE"  # mail.E004 refuses it; the address is lower-case all the same
    longest = verp_address(key="d" + "9" * 39)
    assert longest == longest.lower()
    assert len(longest.partition("@")[0]) <= 64
    match = _ADDRESS.fullmatch(verp_address(key="d123"))
    assert match is not None and match.group(1) == "d123"
    # The signature depends on the key: two messages never share an address.
    assert verp_address(key="d123") != verp_address(key="d124")
    assert verp_read(address=verp_address(key="d123")) == "d123"


def test_the_key_must_be_lower_case_letters_and_digits(verp):
    for key in ("", "D123", "d-1", "d" * 41, "d1@x"):
        with pytest.raises(ValueError, match="VERP key"):
            verp_address(key=key)


def test_without_a_bounce_domain_there_is_no_address_and_nothing_reads(verp):
    made = verp_address(key="d7")
    verp.MAIL_BOUNCE_DOMAIN = ""
    assert not verp_enabled()
    with pytest.raises(ImproperlyConfigured):
        verp_address(key="d7")
    assert verp_read(address=made) is None


def test_a_forged_altered_or_foreign_address_reads_as_none(verp):
    made = verp_address(key="d123")
    local, _at, domain = made.partition("@")
    _b, key, signature = local.split("-")
    other_signature = verp_address(key="d124").partition("@")[0].split("-")[2]
    flipped = ("a" if signature[-1] != "a" else "b")
    for address in (
        f"b-d124-{signature}@{domain}",  # someone else's delivery under this signature
        f"b-{key}-{other_signature}@{domain}",  # a real signature of another key
        f"b-{key}-{signature[:-1]}{flipped}@{domain}",  # one character of the signature changed
        f"b-{key}-{'a' * 13}@{domain}",  # a made-up signature
        f"b-{key}@{domain}",  # no signature
        f"{local}@bounce.example.com",  # the same local part on another domain
        f"{local}@ilumen.be",  # ... on the From domain
        "info@ilumen.be",
        "",
    ):
        assert verp_read(address=address) is None, address
    # What a bouncing server may do to it: angle brackets, upper case.
    assert verp_read(address=f"<{made.upper()}>") == "d123"


def test_an_address_signed_before_a_key_rotation_still_reads(verp):
    old_key = verp.SECRET_KEY
    made = verp_address(key="d55")
    verp.SECRET_KEY = "verp-test-rotated-key-" + "y" * 40
    assert verp_read(address=made) is None  # the new key alone does not know it
    verp.SECRET_KEY_FALLBACKS = ["some-older-key-" + "z" * 40, old_key]
    assert verp_read(address=made) == "d55"
    assert verp_address(key="d55") != made  # new addresses are signed with the new key


def test_the_signature_is_djangos_salted_hmac(verp):
    """The faster signing gives the signatures Django's salted_hmac gives (bounces on their way
    while the code changes are still read)."""
    import base64

    from django.utils.crypto import salted_hmac

    digest = salted_hmac("mail.verp", "d9", secret=verp.SECRET_KEY, algorithm="sha256").digest()
    assert verp_address(key="d9") == f"b-d9-{base64.b32encode(digest).decode().lower()[:13]}@{BOUNCE_DOMAIN}"


# --- the check ---------------------------------------------------------------------------------


@pytest.fixture
def from_domains(settings):
    settings.DEFAULT_FROM_EMAIL = "iLumen <info@ilumen.be>"
    settings.NEWSLETTER_FROM_EMAIL = "iLumen <nieuws@ilumen.be>"
    settings.MAIL_FROM_SETTINGS = ["DEFAULT_FROM_EMAIL", "NEWSLETTER_FROM_EMAIL"]
    return settings


@pytest.mark.parametrize("domain", ["", "bounce.ilumen.be", "ilumen.be", "b.news.ilumen.be", "x-1.ilumen.be"])
def test_the_check_accepts_no_bounce_domain_the_from_domain_and_its_subdomains(from_domains, domain):
    from_domains.MAIL_BOUNCE_DOMAIN = domain
    assert bounce_domain_check() == []


@pytest.mark.parametrize(
    ("domain", "errors"),
    [
        ("bounce.example.com", 2),  # neither From domain
        ("notilumen.be", 2),  # ends like it, is not below it
        ("be", 1),  # a top-level domain alone
        ("Bounce.ilumen.be", 1),
        ("bounce@ilumen.be", 1),
        ("bounce.ilumen.be.", 1),
        ("bounce..ilumen.be", 1),
        ("-bounce.ilumen.be", 1),
        ("bounce-.ilumen.be", 1),
        ("bounce_x.ilumen.be", 1),
        ("bounce", 1),
        (f"{'a' * 64}.ilumen.be", 1),  # a label longer than 63 characters
        (f"{'a' * 60}." * 4 + "x.ilumen.be", 1),  # a name longer than 253 characters
        ("bounce.ilumen.be\n", 1),
        ("bounce.ïlumen.be", 1),  # the xn-- form is the one an envelope address can carry
    ],
)
def test_the_check_refuses_another_domain_upper_case_and_what_is_not_a_domain_name(from_domains, domain, errors):
    from_domains.MAIL_BOUNCE_DOMAIN = domain
    found = bounce_domain_check()
    assert [message.id for message in found] == ["mail.E004"] * errors
    assert all(message.hint for message in found)


def test_the_check_names_the_from_setting_the_bounce_domain_is_not_aligned_with(from_domains):
    from_domains.NEWSLETTER_FROM_EMAIL = "iLumen <nieuws@news.ilumen.be>"
    from_domains.MAIL_BOUNCE_DOMAIN = "bounce.ilumen.be"  # below ilumen.be, beside news.ilumen.be
    [error] = bounce_domain_check()
    assert "NEWSLETTER_FROM_EMAIL" in error.msg and "news.ilumen.be" in error.msg
    from_domains.MAIL_BOUNCE_DOMAIN = "bounce.news.ilumen.be"  # below both
    assert bounce_domain_check() == []


# --- the builder and the transport -----------------------------------------------------------------


def _message() -> PrerenderedMessage:
    return PrerenderedMessage(from_email="iLumen <nieuws@ilumen.be>", subject="Hi", text="Hello", html="<p>Hello</p>")


def test_the_builder_refuses_an_envelope_sender_that_could_break_the_smtp_command():
    for sender in ("b-d1-x@bounce.ilumen.be\r\nRCPT TO:<x@example.com>", "a b@ilumen.be", "<x@ilumen.be>", "x"):
        with pytest.raises(ValueError, match="envelope sender"):
            _message().build(to_email="ann@example.com", message_id="<m.1@ilumen.be>", envelope_sender=sender)


def test_the_transport_sends_the_envelope_sender_as_mail_from_and_leaves_the_from_header(smtp_mail):
    message = _message()
    with Transport() as transport:
        transport.send(message.build(
            to_email="ann@example.com", message_id="<m.1@ilumen.be>", envelope_sender="b-d1-abc@bounce.ïlumen.be",
        ))
        transport.send(message.build(to_email="bob@example.com", message_id="<m.2@ilumen.be>"))
    [ann] = smtp_mail.to("ann@example.com")
    assert ann.mail_from == "b-d1-abc@bounce.xn--lumen-bta.be"  # made ASCII like every envelope address
    assert ann.message["From"] == "iLumen <nieuws@ilumen.be>"
    assert "Return-Path" not in ann.message and "b-d1" not in ann.raw.decode()
    [bob] = smtp_mail.to("bob@example.com")
    assert bob.mail_from == "nieuws@ilumen.be"
