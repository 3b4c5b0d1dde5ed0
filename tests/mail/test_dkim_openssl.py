"""DKIM signatures made by OpenSSL (`mail.dkim`) verify with dkimpy, the independent
implementation, for the message shapes the site sends and the edge cases of canonicalisation;
any change to a signed part after signing breaks them."""

import base64
import email.policy
import re

import dkim
import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key
from django.core.mail import EmailMessage

from mail.dkim import DkimConfig, DkimSigner
from mail.transport import DKIM_HEADERS, Transport

SELECTOR, DOMAIN = "mail2026", "ilumen.be"


@pytest.fixture(scope="module")
def signer(dkim_key) -> DkimSigner:
    return DkimSigner(DkimConfig(dkim_key.encode(), SELECTOR.encode(), DOMAIN.encode()), DKIM_HEADERS)


@pytest.fixture(scope="module")
def verify(dkim_key):
    """dkimpy's verification, with the TXT record the key would have in DNS."""
    public = load_pem_private_key(dkim_key.encode(), None).public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        assert name == f"{SELECTOR}._domainkey.{DOMAIN}.".encode()
        return record

    return lambda data: dkim.verify(data, dnsfunc=dnsfunc)


def django_message(subject: str, body: str, **headers: str) -> bytes:
    message = EmailMessage(subject, body, "iLumen <info@ilumen.be>", ["Ann Peeters <ann@example.com>"], headers=headers)
    return message.message(policy=email.policy.SMTP).as_bytes()


HEAD = (
    b"From: iLumen <info@ilumen.be>\r\nTo: ann@example.com\r\nSubject: Spring news\r\n"
    b"Date: Tue, 01 Dec 2026 13:00:00 +0000\r\nMessage-ID: <1@ilumen.be>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
)

MESSAGES = {
    "site message with list headers": django_message(
        "Spring news", "Hello Ann,\n\nOur news.\n", **{
            "List-Unsubscribe": "<https://www.ilumen.be/en/newsletter/unsubscribe/abc/>, <mailto:unsub@ilumen.be>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click", "List-Id": "Bench <bench.ilumen.be>",
        }
    ),
    "non-ASCII subject, encoded": django_message("Lentenieuws: zonne-energie één, twee — €100 korting", "Dag Ann\n"),
    "long folded subject": django_message("Spring news " * 20, "Body\n"),
    "hand-folded header with tabs and runs of spaces": HEAD.replace(
        b"Subject: Spring news", b"Subject:   Spring\r\n\t  news  \r\n   from iLumen\t"
    ) + b"\r\nBody\r\n",
    "long body": HEAD + b"\r\n" + b"A line of the newsletter, repeated for length.\r\n" * 5000,
    "trailing blank lines": HEAD + b"\r\nBody\r\n\r\n\r\n\r\n",
    "body without final line end": HEAD + b"\r\nBody",
    "empty body": HEAD + b"\r\n",
    "no body at all": HEAD,
    "upper-case field names and a field listed twice": (
        HEAD.replace(b"To:", b"TO:") + b"To: bob@example.com\r\n\r\nB\r\n"
    ),
}


@pytest.mark.parametrize("data", MESSAGES.values(), ids=MESSAGES.keys())
def test_every_signature_verifies_with_dkimpy(signer, verify, data):
    assert verify(signer.sign(data))


def test_h_lists_every_configured_field_and_the_body_hash_is_dkimpys(signer):
    data = MESSAGES["site message with list headers"]
    signed = signer.sign(data)
    tags = dkim.util.parse_tag_value(re.match(rb"DKIM-Signature:(.*?)\r\n(?![ \t])", signed, re.DOTALL)[1])
    assert [name.strip() for name in tags[b"h"].split(b":")] == list(DKIM_HEADERS)
    assert tags[b"c"] == b"relaxed/simple" and tags[b"d"] == DOMAIN.encode() and tags[b"s"] == SELECTOR.encode()
    reference = dkim.sign(data, SELECTOR.encode(), DOMAIN.encode(), signer_key(signer), include_headers=DKIM_HEADERS)
    assert tags[b"bh"] == dkim.util.parse_tag_value(reference.split(b":", 1)[1])[b"bh"]


def signer_key(signer: DkimSigner) -> bytes:
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return signer._key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.replace(b"Spring news", b"Spring newz", 1),  # a signed field's value
        lambda m: m.replace(b"Our news.", b"Our newz.", 1),  # the body
        lambda m: m + b"P.S. added\r\n",  # a line added to the body
        lambda m: m.replace(b"From: ", b"From: Mallory <m@evil.example>\r\nFrom: ", 1),  # a second From
        lambda m: m.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", b"", 1),  # a field removed
    ],
    ids=["subject", "body", "appended line", "second From", "List-Unsubscribe-Post removed"],
)
def test_a_changed_message_fails(signer, verify, change):
    signed = signer.sign(MESSAGES["site message with list headers"])
    assert verify(signed)
    assert not verify(change(signed))


def test_a_field_added_after_signing_that_h_lists_fails(signer, verify):
    """h= names fields the message lacks, so adding one (here List-Unsubscribe) breaks the signature."""
    signed = signer.sign(MESSAGES["non-ASCII subject, encoded"])
    assert b"List-Unsubscribe" not in signed
    assert not verify(signed.replace(b"Subject:", b"List-Unsubscribe: <https://evil.example/>\r\nSubject:", 1))


def test_what_the_canonicalisation_ignores_still_verifies(signer, verify):
    """Relaxed header canonicalisation: refolding and whitespace runs; simple body: trailing blank lines."""
    signed = signer.sign(MESSAGES["site message with list headers"])
    refolded = signed.replace(b"Subject: Spring news", b"subject:  Spring\r\n   news ", 1) + b"\r\n\r\n"
    assert verify(refolded)


def test_the_transport_signs_what_it_sends(smtp_mail, settings, dkim_key, verify):
    settings.DKIM_PRIVATE_KEY, settings.DKIM_SELECTOR, settings.DKIM_DOMAIN = dkim_key, SELECTOR, DOMAIN
    with Transport() as transport:
        transport.send(EmailMessage("Één bericht", "Hallo\n\n\n", "info@ilumen.be", ["ann@example.com"]))
        transport.send(EmailMessage("Second", "Body " * 400, "info@ilumen.be", ["bob@example.com"]))
    [ann], [bob] = smtp_mail.to("ann@example.com"), smtp_mail.to("bob@example.com")
    assert ann.raw.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=ilumen.be; s=mail2026;")
    assert verify(ann.raw) and verify(bob.raw)
    assert not verify(bob.raw.replace(b"Body Body", b"Body body", 1))


def _pem(key, password: bytes | None = None) -> str:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, NoEncryption, PrivateFormat

    encryption = BestAvailableEncryption(password) if password else NoEncryption()
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption).decode()


@pytest.mark.parametrize("kind", ["EC key", "password-protected RSA key", "truncated RSA key"])
def test_the_system_check_refuses_a_key_openssl_cannot_sign_with(settings, dkim_key, kind):
    """mail.E002 asks the signer's own loader, so a key the check passes is one the workers can sign with."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from mail.checks import dkim_settings_check

    rsa_key = load_pem_private_key(dkim_key.encode(), None)
    key = {
        "EC key": _pem(ec.generate_private_key(ec.SECP256R1())),
        "password-protected RSA key": _pem(rsa_key, b"secret"),
        "truncated RSA key": dkim_key[:400] + dkim_key[-30:],
    }[kind]
    settings.DKIM_SELECTOR, settings.DKIM_DOMAIN = SELECTOR, DOMAIN
    settings.DKIM_PRIVATE_KEY = dkim_key
    assert [m.id for m in dkim_settings_check()] == []
    settings.DKIM_PRIVATE_KEY = key
    assert [m.id for m in dkim_settings_check()] == ["mail.E002"]
