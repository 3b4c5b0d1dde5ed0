"""An in-memory buffer of page views, written to the database in batches.

A request only appends a tuple to a list (under a lock, no I/O). A daemon thread per process
writes the list with one COPY (PostgreSQL; bulk_create elsewhere) when it reaches ACCESS_LOG_BATCH_SIZE rows or every
ACCESS_LOG_FLUSH_SECONDS, and once more at process exit. If the database is unreachable the
rows are kept, up to ACCESS_LOG_MAX_BUFFER; beyond that new rows are dropped and counted,
so a database outage can never grow a worker's memory without bound.

With ACCESS_LOG_WRITER = "manual" no thread is started and rows are written only by
`flush()` (the test suite uses this: a background thread must not write into the test
database behind a test's transaction).

The thread is started lazily and again after a fork (pre-forking servers such as
gunicorn copy the parent's memory but not its threads).
"""

import atexit
import datetime
import logging
import os
import threading
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.db import close_old_connections, connection

from core.ipaddress import client_ip, truncate_ip

logger = logging.getLogger(__name__)


class Row(NamedTuple):
    """One page view as the middleware saw it; the client address is resolved when written."""

    time: datetime.datetime
    path: str
    status: int
    language: str
    remote_addr: str
    forwarded_for: str


_IP_MEMO: dict[tuple[str, str], str | None] = {}


def _ip(row: Row) -> str | None:
    """The client's network (truncate_ip) for the row's headers, memoised: the same visitors come
    back page after page. The full address is never stored: the log serves security and
    statistics, for which the network is enough."""
    key = (row.remote_addr, row.forwarded_for)
    if key not in _IP_MEMO:
        if len(_IP_MEMO) > 10_000:
            _IP_MEMO.clear()
        meta = {"REMOTE_ADDR": row.remote_addr, "HTTP_X_FORWARDED_FOR": row.forwarded_for}
        _IP_MEMO[key] = truncate_ip(client_ip(SimpleNamespace(META=meta)))
    return _IP_MEMO[key]


COLUMNS = ("time", "path", "status", "language", "ip")


def write_rows(rows: list[Row]) -> None:
    """COPY on PostgreSQL (a fraction of bulk_create's cost per row), bulk_create elsewhere."""
    from accesslog.models import PageView

    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(PageView._meta.db_table)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((row.time, row.path, row.status, row.language, _ip(row)))
        return
    PageView.objects.bulk_create(
        [PageView(time=r.time, path=r.path, status=r.status, language=r.language, ip=_ip(r)) for r in rows],
        batch_size=500,
    )


class PageViewBuffer:
    def __init__(self) -> None:
        self._rows: list = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.dropped = 0
        self.written = 0

    # --- called by requests ---------------------------------------------------------

    def add(self, row) -> None:
        with self._lock:
            if len(self._rows) >= settings.ACCESS_LOG_MAX_BUFFER:
                self.dropped += 1
                return
            self._rows.append(row)
            size = len(self._rows)
        if settings.ACCESS_LOG_WRITER == "thread":
            self._ensure_thread()
            if size >= settings.ACCESS_LOG_BATCH_SIZE:
                self._wake.set()

    def __len__(self) -> int:
        return len(self._rows)

    # --- writing --------------------------------------------------------------------

    def _take(self) -> list:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def _put_back(self, rows: list) -> None:
        with self._lock:
            room = max(settings.ACCESS_LOG_MAX_BUFFER - len(self._rows), 0)
            self.dropped += max(len(rows) - room, 0)
            self._rows[:0] = rows[:room]

    def flush(self) -> int:
        """Write everything buffered now, in this thread. Returns the number of rows written."""
        rows = self._take()
        if not rows:
            return 0
        try:
            write_rows(rows)
        except Exception:
            logger.warning("Access log: could not write %d rows; keeping them for the next try", len(rows),
                           exc_info=True)
            self._put_back(rows)
            return 0
        self.written += len(rows)
        return len(rows)

    def clear(self) -> None:
        self._take()

    # --- the writer thread ----------------------------------------------------------

    def _ensure_thread(self) -> None:
        pid = os.getpid()
        if self._pid == pid and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == pid and self._thread is not None and self._thread.is_alive():
                return
            self._pid = pid
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="accesslog-writer", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(settings.ACCESS_LOG_FLUSH_SECONDS)
            self._wake.clear()
            self._flush_in_thread()
        self._flush_in_thread()
        from django.db import connections

        connections.close_all()  # this thread's connections only

    def _flush_in_thread(self) -> None:
        close_old_connections()
        try:
            self.flush()
        finally:
            close_old_connections()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the writer thread after a last flush (tests, and process exit)."""
        thread = self._thread
        if thread is None or not thread.is_alive() or self._pid != os.getpid():
            return
        self._stop.set()
        self._wake.set()
        thread.join(timeout)
        self._thread = None


buffer = PageViewBuffer()


@atexit.register
def _flush_at_exit() -> None:
    # Only a process whose writer thread ran owns its buffer: in "manual" mode (the tests)
    # rows are never written behind the caller's back, not even at exit.
    if buffer._pid != os.getpid():
        return
    try:
        if buffer._thread is not None and buffer._thread.is_alive():
            buffer.stop()
        else:
            buffer.flush()
    except Exception:  # noqa: S110  the interpreter is going away (logging may be, too); never crash the exit
        pass
