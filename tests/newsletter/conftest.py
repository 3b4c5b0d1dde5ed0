"""Real parts for the newsletter tests: an aiosmtpd server on loopback, Celery workers as
subprocesses on a Redis broker, seeing pytest-django's PostgreSQL test database."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings

from newsletter.models import Delivery, Topic
from tests.polling import wait_until

from .factories import campaign_sending, campaign_with_content, confirmed_subscriber, send_all

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt: str
    raw: bytes
    at: float  # time.monotonic() when the server accepted it (send-rate tests)

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class SmtpServer:
    """What an SMTP server on 127.0.0.1 received, and how it should answer whom."""

    port: int
    received: list[Received] = field(default_factory=list)
    temporary: dict[str, int] = field(default_factory=dict)  # address -> how many 451 answers left
    permanent: set[str] = field(default_factory=set)  # addresses answered 550
    attempts: dict[str, int] = field(default_factory=dict)
    connections: int = 0  # SMTP sessions: connections that greeted with HELO or EHLO
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _greeted(self, session: Session, hostname: str) -> None:
        """Count a connection at its first greeting (aiosmtpd's start-up probe never greets),
        and record the client's name as aiosmtpd does when there is no hook."""
        with self.lock:
            if session.host_name is None:
                self.connections += 1
        session.host_name = hostname

    async def handle_HELO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str) -> str:
        self._greeted(session, hostname)
        return f"250 {server.hostname}"

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        self._greeted(session, hostname)
        return responses

    async def handle_DATA(self, server, session, envelope) -> str:
        rcpt = envelope.rcpt_tos[0].lower()
        with self.lock:
            self.attempts[rcpt] = self.attempts.get(rcpt, 0) + 1
            if rcpt in self.permanent:
                return "550 5.1.1 No such user here"
            if self.temporary.get(rcpt, 0) > 0:
                self.temporary[rcpt] -= 1
                return "451 4.3.0 Try again later"
            self.received.append(Received(envelope.mail_from, rcpt, envelope.original_content, time.monotonic()))
        return "250 2.0.0 OK"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.rcpt == address]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30, what: str = "") -> None:
        wait_until(predicate, timeout=timeout, what=lambda: f"{what or predicate}; received {len(self.received)}")


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
def smtp_mail(settings, smtp_server: SmtpServer) -> SmtpServer:
    """Mail sent by this process goes to the test SMTP server."""
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 10},
        }
    }
    return smtp_server


@pytest.fixture
def topic(db) -> Topic:
    topic, _created = Topic.objects.get_or_create(
        slug="newsletter", defaults={"name_nl": "Nieuwsbrief", "name_en": "Newsletter"}
    )
    return topic


@pytest.fixture
def sent(smtp_mail: SmtpServer, topic: Topic) -> dict[str, Delivery]:
    """Ann and Bob each got one message of a campaign through the test SMTP server: their
    deliveries by address."""
    confirmed_subscriber("ann@example.com", topic)
    confirmed_subscriber("bob@example.com", topic)
    campaign = campaign_sending(campaign_with_content(topic))
    send_all(campaign)
    return {d.subscriber.email: d for d in Delivery.objects.filter(campaign=campaign).select_related("subscriber")}


# --- Celery workers ------------------------------------------------------------------------


def _redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def broker_url() -> str:
    """TEST_CELERY_BROKER_URL, else the next Redis db after the cache's (TEAM.md assigns each of us a few)."""
    explicit = os.environ.get("TEST_CELERY_BROKER_URL")
    if explicit:
        return explicit
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1"
    db = int(urlsplit(base).path.strip("/") or 0)
    return _redis_url_with_db(base, db + 1)


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (pool, embedded beat): no clean-up at all."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def reset_celery_connections(app) -> None:
    """Drop the app's broker connections so that the next task uses the current broker_url."""
    from kombu import pools

    pools.reset()  # closes and forgets kombu's process-wide pools, keyed by broker URL
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_broker() -> Iterator[str]:
    """This process sends tasks to a real Redis broker (not eagerly) for the test's duration."""
    from ilumen_site.celery import app

    url = broker_url()
    redis.Redis.from_url(url).flushdb()
    old = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    reset_celery_connections(app)
    yield url
    app.conf.broker_url = old["broker_url"]
    app.conf.task_always_eager = old["task_always_eager"]
    reset_celery_connections(app)


@pytest.fixture
def start_worker(celery_broker: str, smtp_server: SmtpServer, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(*, beat: bool = True, site_url: str = "http://127.0.0.1:8000", **extra_env: str) -> Worker:
        n = len(workers)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))},
            "DJANGO_SETTINGS_MODULE": "ilumen_site.settings",
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": celery_broker,
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
            "SITE_URL": site_url,
            "SECRET_KEY": settings.SECRET_KEY,
            "NEWSLETTER_TICK_SECONDS": "1",
            "NEWSLETTER_LEASE_SECONDS": "4",
            "NEWSLETTER_RETRY_BASE_SECONDS": "1",
            "MAIL_SEND_RATE": "0",
            "NEWSLETTER_TASK_SECONDS": "5",
            **extra_env,
        }
        log = tmp_path / f"worker{n}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "ilumen_site", "worker", "-P", "solo", "-Q", "celery,transactional",
            "-n", f"test{n}-{os.getpid()}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "info",
        ]
        if beat:
            # In-memory schedule: beat's default shelve file (dbm.sqlite3 on Python 3.13) sometimes
            # fails with "locking protocol" and takes the embedded beat down.
            command += ["-B", "-S", "celery.beat:Scheduler"]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process, log)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        return worker

    yield start
    for worker in workers:
        worker.stop()
