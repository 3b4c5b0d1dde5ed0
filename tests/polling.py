"""Waiting, in a test, for what another thread or process does (a worker, the log writer, a mail server)."""

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str | Callable[[], str] = "") -> None:
    """Returns as soon as predicate() holds; fails the test after `timeout` seconds, saying what it
    waited for (`what` may be a function, called only then, to describe the state it found)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {(what() if callable(what) else what) or predicate}")
