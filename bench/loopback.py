"""What the benchmarks and the fault suite share: the site in production mode (DEBUG=False)
served over plain HTTP on 127.0.0.1 with throwaway secrets, and free ports there."""

import socket

PRODUCTION_ON_LOOPBACK = {
    "DEBUG": "False",
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ERASURE_HMAC_KEY": "bench-only-erasure-key-" + "y" * 30,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    # Plain HTTP on loopback: no TLS redirect, no secure-only cookies, no HSTS.
    "SECURE_SSL_REDIRECT": "False",
    "SECURE_COOKIES": "False",
    "SECURE_HSTS_SECONDS": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
