"""DKIM signatures (RFC 6376, rsa-sha256, relaxed header and simple body canonicalisation),
signed by OpenSSL through `cryptography`.

dkimpy signs with RSA written in Python, which cost about ten times a bare SMTP send per
message; it is the independent verifier in the tests. Per message
this module hashes the body, canonicalises the signed header fields and makes one RSA
signature; the key is parsed once per configuration, and the canonical forms of header fields
that repeat from message to message (From, Subject, List-Id, the MIME headers of a batch) are
kept, so only the recipient's own fields are canonicalised again.
"""

import base64
import functools
import hashlib
import re
import time
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

# One header field: its name, and its value with any folded continuation lines.
_FIELD = re.compile(rb"^([^:\r\n]+):([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", re.MULTILINE)
_WSP = re.compile(rb"[ \t]+")
_LINE_LENGTH = 72


@dataclass(frozen=True)
class DkimConfig:
    private_key: bytes
    selector: bytes
    domain: bytes


@functools.lru_cache(maxsize=256)
def _relaxed(name: bytes, value: bytes) -> bytes:
    """RFC 6376 section 3.4.2, without the CRLF. Cached: the batch's fixed fields come back
    with every message, and a cache of recent fields keeps them while the per-recipient ones
    pass through."""
    return name.lower().rstrip() + b":" + _WSP.sub(b" ", value.replace(b"\r\n", b"")).strip(b" \t")


def _simple_body_hash(body: bytes) -> bytes:
    """RFC 6376 section 3.4.3: the body without its trailing empty lines, ending in one CRLF."""
    end = len(body)
    while body.endswith(b"\r\n", 0, end):
        end -= 2
    digest = hashlib.sha256(memoryview(body)[:end])
    digest.update(b"\r\n")
    return base64.b64encode(digest.digest())


def _fold(value: bytes, first: int) -> bytes:
    """Split a base64 value over continuation lines (folding white space is allowed inside it)."""
    lines = [value[:first]] + [value[i:i + _LINE_LENGTH] for i in range(first, len(value), _LINE_LENGTH)]
    return b"\r\n\t".join(line for line in lines if line)


def dkim_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    """The key as OpenSSL will sign with it; ValueError for anything but an unencrypted PEM RSA key."""
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:  # TypeError: it needs a password
        raise ValueError(f"not a usable PEM private key: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    return key


class DkimSigner:
    """Signs messages for one key, selector and domain; build one with `dkim_signer`."""

    def __init__(self, config: DkimConfig, header_names: tuple[bytes, ...]) -> None:
        self._key = dkim_private_key(config.private_key)
        self._names = tuple(name.lower() for name in header_names)
        self._wanted = frozenset(self._names)
        # h= names every listed field, present or not: a field added later breaks the signature.
        self._tags = (
            b"v=1; a=rsa-sha256; c=relaxed/simple; d=" + config.domain + b"; s=" + config.selector + b";\r\n\th="
            + b":".join(self._names) + b";\r\n\tt="
        )

    def sign(self, data: bytes) -> bytes:
        """`data` (CRLF line ends, as `mail.messages` builds it) with a DKIM-Signature field in front."""
        split = data.find(b"\r\n\r\n")
        head, body = (data[:split + 2], data[split + 4:]) if split >= 0 else (data, b"")
        fields: dict[bytes, list[bytes]] = {}
        for match in _FIELD.finditer(head):
            name = match[1].lower().rstrip()
            if name in self._wanted:
                fields.setdefault(name, []).append(match[0])
        signed = []
        for name in self._names:  # a name listed twice takes the next instance up (section 5.4.2)
            instances = fields.get(name)
            if instances:
                field = instances.pop()
                colon = field.index(b":")
                signed.append(_relaxed(field[:colon], field[colon + 1:]))
        value = self._tags + str(int(time.time())).encode() + b"; bh=" + _simple_body_hash(body) + b";\r\n\tb="
        signed.append(_relaxed(b"DKIM-Signature", value))
        signature = self._key.sign(b"\r\n".join(signed), padding.PKCS1v15(), hashes.SHA256())
        return b"DKIM-Signature: " + value + _fold(base64.b64encode(signature), _LINE_LENGTH - 3) + b"\r\n" + data


@functools.lru_cache(maxsize=4)
def dkim_signer(config: DkimConfig, header_names: tuple[bytes, ...]) -> DkimSigner:
    """One signer per configuration and process: parsing and checking an RSA key takes milliseconds."""
    return DkimSigner(config, header_names)
