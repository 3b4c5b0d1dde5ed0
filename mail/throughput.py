"""What makes bulk sending fast. Each piece stays because a measurement showed it: the figures
are in docs/benchmarks.md, section "Newsletter sending (issue 4)", and are named at each piece.
Nothing here changes what is sent or recorded; only how quickly.
"""

import contextlib
import functools
import logging
import re
import smtplib
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from email.utils import formatdate, parseaddr

import psycopg
from django.db import connection, connections

logger = logging.getLogger(__name__)

# Benchmarks, "Smaller": smtplib's own `mail` and `rcpt` run every address through
# email.utils.parseaddr (the benchmarks' share of a worker's CPU). A bare envelope address (as
# messages are built with) is written directly; anything else still takes the careful path.
_BARE_ADDRESS = re.compile(r"[!-;=?-~]+@[!-;=?-~]+")  # printable ASCII without space, < and >


def mail_from(smtp: smtplib.SMTP, sender: str, options: list[str]) -> tuple[int, bytes]:
    if not _BARE_ADDRESS.fullmatch(sender):
        return smtp.mail(sender, options)
    return smtp.docmd("mail", f"FROM:<{sender}>" + "".join(f" {option}" for option in options))


def rcpt_to(smtp: smtplib.SMTP, recipient: str) -> tuple[int, bytes]:
    if not _BARE_ADDRESS.fullmatch(recipient):
        return smtp.rcpt(recipient)
    return smtp.docmd("rcpt", f"TO:<{recipient}>")


# Benchmarks, "Smaller": the Message-ID domain parsed per message.
@functools.lru_cache(maxsize=8)
def domain_of(address: str) -> str:
    """The domain of a From address such as "iLumen <info@ilumen.be>"."""
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


# Benchmarks, "The pre-rendered campaign builder moved to mail/": formatting the Date header
# was one of a message's largest costs. It has whole seconds, so it is formatted once a second.
_date: tuple[int, str] = (0, "")


def date_header() -> str:
    """The Date header's value now, in local time (as email.utils.formatdate(localtime=True))."""
    global _date
    second = int(time.time())
    cached = _date
    if cached[0] != second:
        cached = _date = (second, formatdate(second, localtime=True))
    return cached[1]


@contextlib.contextmanager
def asynchronous_commit() -> Iterator[None]:
    """While a batch is sent, its row updates do not wait for the WAL flush to disk.

    Part of the step-table row "one SMTP and mark connection per task" in the benchmarks.
    A worker crash loses nothing by it (PostgreSQL has the commit); only a crash of
    the database server itself can forget the last fraction of a second of "sent" marks, and
    those messages are then sent again. The database stays consistent either way.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class SentMarks:
    """Runs `statement` (one UPDATE marking a row sent) for each message the server accepted.

    Benchmarks, "Smaller": a new database connection for the "sent" marks per batch; this is
    the one mark connection per task of the step table. In a worker (no transaction open)
    the update runs on a second connection in a helper thread, while the next message's MAIL
    FROM and RCPT TO go out. The next message's DATA, the only moment a server can accept it,
    waits (`wait`, passed as the transport's `before_accept`) until the previous mark is
    committed: so at most one accepted message is ever unmarked. Inside a transaction (tests)
    the marks run inline on the same connection.
    """

    def __init__(self, statement: str) -> None:
        self.statement = statement
        self.inline = connection.in_atomic_block or connection.vendor != "postgresql"
        self._pending: tuple[int, Future] | None = None
        if not self.inline:
            self._conn = connection.get_new_connection(connection.get_connection_params())
            # Server-side binding: the same UPDATE for every message becomes a prepared statement,
            # instead of Django's client-side quoting of each argument (held the GIL from the sender).
            self._conn.cursor_factory = psycopg.Cursor
            self._conn.autocommit = True
            self._conn.execute("SET synchronous_commit TO off")
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-marks")

    def mark(self, row_id: int, args: list) -> None:
        if self.inline:
            with connection.cursor() as cursor:
                cursor.execute(self.statement, args)
                self._check(cursor.rowcount, row_id)
            return
        self.wait()
        self._pending = (row_id, self._thread.submit(self._run, args))

    def _run(self, args: list) -> int:
        return self._conn.execute(self.statement, args).rowcount

    def wait(self) -> None:
        if self._pending is not None:
            row_id, future = self._pending
            self._pending = None
            self._check(future.result(), row_id)

    @staticmethod
    def _check(updated: int, row_id: int) -> None:
        if not updated:
            logger.warning("row %s was sent after its lease had been taken back", row_id)

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if not self.inline:
                self._thread.shutdown()
                self._conn.close()


def senders_run(work: Callable[[], bool], count: int) -> bool:
    """Run `work` on `count` sender threads side by side; True when any says there is more to do.

    Benchmarks, "A single SMTP connection waits": SMTP is one question and one answer at a
    time, so one connection leaves the worker idle while the server reads each command: the
    step-table row "two senders per worker process" is the gain.
    Each sender has its own batches, SMTP connection and database connections, exactly as a
    worker of its own would: a crash costs at most the one message each had in flight.
    In a test's transaction (or on SQLite) other connections could not see the rows, so the
    work runs on this thread.
    """
    if count <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return work()

    def _sender() -> bool:
        try:
            return work()
        finally:
            connections.close_all()  # this thread's own connections

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="mail-sender") as pool:
        futures = [pool.submit(_sender) for _n in range(count)]
        return any([future.result() for future in futures])
