"""tests/polling.py: a wait that ends as soon as it can and fails loudly when it cannot."""

import time

import pytest

from tests.polling import wait_until


def test_returns_as_soon_as_the_predicate_holds():
    calls = []
    started = time.monotonic()
    wait_until(lambda: calls.append(1) or len(calls) == 3, timeout=5)
    assert len(calls) == 3 and time.monotonic() - started < 1


def test_fails_after_the_timeout_saying_what_it_found():
    with pytest.raises(AssertionError, match="timed out waiting for the mail: 0 received"):
        wait_until(lambda: False, timeout=0.2, what=lambda: "the mail: 0 received")
