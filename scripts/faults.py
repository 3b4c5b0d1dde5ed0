"""Fault suite (`make faults`): the site against private PostgreSQL, Redis and SMTP
instances started on free loopback ports, so the shared services are never touched.

Each scenario breaks one part while the site works, repairs it, and reports what was
lost (target: nothing). Run: `.venv/bin/python scripts/faults.py [scenario ...]`; the
newsletter scenarios run real Celery workers and call the site's own services.
"""

import contextlib
import email
import email.policy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the newsletter scenarios use the site's own models and services

from bench.loopback import PRODUCTION_ON_LOOPBACK, free_port  # noqa: E402

PYTHON = sys.executable
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PrivatePostgres:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.datadir = workdir / "pg"
        self.datadir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.datadir), "-A", "trust", "-U", "postgres"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        self.start()
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ilumen"], check=True
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/ilumen"

    def start(self) -> None:
        subprocess.run(
            _as_postgres([
                str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-l", str(self.datadir / "log"),
                "-o", f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1", "start",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"]),
            check=False, stdout=subprocess.DEVNULL,
        )


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() when accepted
    rcpt: str
    subject: str
    body: str


class SmtpSink:
    """An SMTP server on a free loopback port that accepts every message and records it.

    `silence()` makes it stop answering the way a stuck relay does: the port still completes
    TCP handshakes, but no greeting comes, and sessions already open get no reply.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self._black_hole: socket.socket | None = None
        self.start()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        plain = message.get_body(("plain",))
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.received.append(Received(
                    time.monotonic(), rcpt.lower(), str(message["Subject"]), plain.get_content() if plain else "",
                ))
        return "250 2.0.0 OK"

    def start(self) -> None:
        if self._black_hole is not None:
            self._black_hole.close()  # handshakes queued in its backlog are reset
            self._black_hole = None
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            # Stops the server's event loop: open sessions stay connected but never answer again.
            self._controller.stop()
            self._controller = None
        if self._black_hole is not None:
            self._black_hole.close()
            self._black_hole = None

    def silence(self) -> None:
        self.stop()
        self._black_hole = socket.socket()
        self._black_hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._black_hole.bind(("127.0.0.1", self.port))
        self._black_hole.listen(128)  # never accept(): clients connect, then wait for a greeting

    def to(self, suffix: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.rcpt.endswith(suffix)]


@dataclass
class Site:
    """gunicorn (and optionally Celery processes) configured for the private services."""

    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def spawn(self, *cmd: str) -> subprocess.Popen:
        process = subprocess.Popen(list(cmd), cwd=ROOT, env=self.env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        self.spawn(PYTHON, "-m", "gunicorn", "ilumen_site.wsgi", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--timeout", "30")
        wait_for_port(self.port)

    def start_worker(self, name: str, **extra_env: str) -> subprocess.Popen:
        """A Celery worker with embedded beat, as deployed but on one process (solo pool)."""
        log = self.workdir / f"{name}.log"
        command = [
            PYTHON, "-m", "celery", "-A", "ilumen_site", "worker", "-P", "solo", "-Q", "celery,transactional",
            "-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
            "-B", "--schedule-filename", str(self.workdir / f"{name}-beat"),
        ]
        env = {**self.env, **WORKER_ENV, **extra_env}
        with open(log, "wb") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.processes.append(process)
        deadline = time.monotonic() + 60
        while b"ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.1)
        return process

    def stop(self, process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> None:
        """Signal a process and everything it started (a worker's embedded beat)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        self.processes.remove(process)

    def stop_all(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        self.processes.clear()

    def get(self, path: str, timeout: float = 5.0) -> int:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0


@dataclass
class Report:
    scenario: str
    lost: int
    details: str


# Worker settings for scenarios that last seconds, not hours: leases, ticks, retry delays and the
# SMTP timeout shrunk (production defaults: 120 s lease, 30 s tick, 300 s first retry, 30 s timeout).
WORKER_ENV = {
    "LOG_LEVEL": "INFO",  # the worker's "ready." line is how start_worker knows it is up
    "NEWSLETTER_TICK_SECONDS": "1",
    "NEWSLETTER_LEASE_SECONDS": "4",
    "NEWSLETTER_RETRY_BASE_SECONDS": "1",
    "NEWSLETTER_TASK_SECONDS": "5",
    "NEWSLETTER_BATCH_SIZE": "40",
    "MAIL_SEND_RATE": "100",
    "NEWSLETTER_MAX_TRIES": "6",
    "NEWSLETTER_SENDERS": "2",
    "EMAIL_TIMEOUT": "2",
}


def site_env(pg: PrivatePostgres, redis: PrivateRedis, smtp: SmtpSink, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **PRODUCTION_ON_LOOPBACK,
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url(1),
        "CELERY_BROKER_URL": redis.url(2),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def scenario_redis_down_pages(pg: PrivatePostgres, redis: PrivateRedis, smtp: SmtpSink, site: Site) -> Report:
    """Redis stopped: every public page still serves (the cache degrades)."""
    pages = ["/nl/", "/en/", "/nl/privacy/", "/en/privacy/history/", "/en/legal-notice/", "/healthz"]
    redis.stop()
    try:
        failures = [p for p in pages if p != "/healthz" and site.get(p) != 200]
    finally:
        redis.start()
    return Report("Redis stopped: pages still serve", len(failures), f"failed: {failures or 'none'}")


def scenario_postgres_restart_under_load(
    pg: PrivatePostgres, redis: PrivateRedis, smtp: SmtpSink, site: Site
) -> Report:
    """PostgreSQL restarted under load: failures only while it is down, then recovery by itself."""
    results: list[tuple[float, float, int]] = []  # (started, finished, status)
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            started = time.monotonic()
            # A path that needs the database on every request (a new query string each time).
            status = site.get("/en/privacy/history/?n=" + str(len(results)))
            results.append((started, time.monotonic(), status))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    down_at = time.monotonic()
    pg.stop(mode="immediate")
    time.sleep(3)
    pg.start()
    up_at = time.monotonic()
    time.sleep(5)
    stop.set()
    for thread in threads:
        thread.join()
    before = [s for start, end, s in results if end < down_at]
    after = [s for start, end, s in results if start > up_at + 1]  # a second for workers to reconnect
    lost = sum(s != 200 for s in before) + sum(s != 200 for s in after)
    during = [s for start, end, s in results if end >= down_at and start <= up_at + 1]
    return Report(
        "PostgreSQL restarted under load", lost,
        f"{len(results)} requests; before: {len(before)} ok={before.count(200)}; "
        f"while down: {len(during)} failed={sum(s != 200 for s in during)}; "
        f"after recovery: {len(after)} ok={after.count(200)}",
    )


# --- Newsletter scenarios: real Celery workers, the site's own services -------------------


def django_client(site: Site) -> None:
    """Make this process one more client of the private services, as a management shell is."""
    import django
    from django.apps import apps
    from django.db import close_old_connections

    if not apps.ready:
        os.environ.update(site.env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")
        django.setup()
    close_old_connections()  # an earlier scenario may have restarted PostgreSQL under it


def wait_until(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def newsletter_audience(name: str, count: int) -> tuple[int, str, set[str]]:
    """A topic of its own with `count` confirmed subscribers, in bulk, as a confirmed opt-in leaves
    them; returns the topic's id, the addresses' domain (new on each run of a scenario) and the
    addresses."""
    from django.utils import timezone

    from newsletter.models import ConsentProof, Subscriber, Subscription, Topic

    run = Topic.objects.filter(slug__startswith=f"faults-{name}-").count()
    slug, domain = f"faults-{name}-{run}", f"@{name}{run}.faults.example"
    topic = Topic.objects.create(slug=slug, name_nl=slug, name_en=slug, is_public=False)
    now = timezone.now()
    subscribers = Subscriber.objects.bulk_create(
        [Subscriber(email=f"reader{i}{domain}", language="nl" if i % 2 else "en") for i in range(count)]
    )
    proofs = ConsentProof.objects.bulk_create([
        ConsentProof(subscriber=s, language=s.language, consent_text="fault suite", consent_version="1",
                     source="/faults/", given_at=now, confirmed_at=now)
        for s in subscribers
    ])
    Subscription.objects.bulk_create([
        Subscription(subscriber=s, topic=topic, status=Subscription.Status.CONFIRMED, proof=p, confirmed_at=now)
        for s, p in zip(subscribers, proofs, strict=True)
    ])
    return topic.pk, domain, {s.email for s in subscribers}


def campaign_send_now(topic_id: int) -> int:
    from newsletter.models import Campaign, CampaignContent
    from newsletter.services import campaign_status

    campaign = Campaign.objects.create(name=f"Fault suite {topic_id}", topic_id=topic_id)
    for language, subject, body in (
        ("nl", "Nieuws", "## Nieuws\n\nOnze **nieuwe** batterij."),
        ("en", "News", "## News\n\nOur **new** battery."),
    ):
        CampaignContent.objects.create(campaign=campaign, language=language, subject=subject, body=body)
    campaign_status.campaign_schedule(campaign_id=campaign.pk)  # "send now": the start task is enqueued on commit
    return campaign.pk


def campaign_status(campaign_id: int) -> str:
    from newsletter.models import Campaign

    return Campaign.objects.values_list("status", flat=True).get(pk=campaign_id)


def delivery_statuses(campaign_id: int) -> dict[str, int]:
    from django.db.models import Count

    from newsletter.models import Delivery

    rows = Delivery.objects.filter(campaign_id=campaign_id).values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


IN_FLIGHT = int(WORKER_ENV["NEWSLETTER_SENDERS"])  # messages a killed worker may have sent but not marked


def campaign_outcome(expected: set[str], received: list[Received], allowed_duplicates: int) -> tuple[int, str]:
    """What was lost: subscribers who got nothing, plus duplicates beyond the in-flight bound."""
    recipients = [r.rcpt for r in received]
    missing = len(expected - set(recipients))
    duplicates = len(recipients) - len(set(recipients))
    over = max(0, duplicates - allowed_duplicates)
    return missing + over, (
        f"{len(expected)} subscribers: {missing} got nothing, {duplicates} duplicate(s) "
        f"(bound {allowed_duplicates})"
    )


def scenario_worker_killed_mid_campaign(pg: PrivatePostgres, redis: PrivateRedis, smtp: SmtpSink, site: Site) -> Report:
    """SIGKILL the worker while it sends a campaign; a new worker finishes it. Everyone gets the
    message; only what each sender had accepted but not yet marked (one message each) may go twice."""
    django_client(site)  # before importing models
    from newsletter.models import Delivery

    topic_id, domain, expected = newsletter_audience("kill", 300)
    first = site.start_worker("kill-1")
    campaign_id = campaign_send_now(topic_id)
    wait_until(lambda: len(smtp.to(domain)) >= 60, timeout=60)
    site.stop(first, signal.SIGKILL)
    at_kill = len(smtp.to(domain))
    leased = Delivery.objects.filter(campaign_id=campaign_id, status=Delivery.Status.SENDING).count()
    killed_at = time.monotonic()
    second = site.start_worker("kill-2")
    finished = wait_until(lambda: campaign_status(campaign_id) == "sent", timeout=90)
    took = time.monotonic() - killed_at
    site.stop(second)
    lost, outcome = campaign_outcome(expected, smtp.to(domain), allowed_duplicates=IN_FLIGHT)
    return Report(
        "Worker SIGKILLed mid-campaign", lost,
        f"killed after {at_kill} sent, {leased} rows leased to it; new worker finished "
        f"{'in ' + format(took, '.0f') + ' s' if finished else 'NOT within 90 s'}; {outcome}; "
        f"deliveries {delivery_statuses(campaign_id)}",
    )


def scenario_smtp_stops_answering(pg: PrivatePostgres, redis: PrivateRedis, smtp: SmtpSink, site: Site) -> Report:
    """The mail server stops answering mid-campaign, first hanging (connections get no greeting),
    then gone (connections refused), for 48 retry base periods (4 h in production), then
    returns: sending stalls, resumes by itself, and everyone gets exactly one message."""
    django_client(site)  # before importing models
    from django.db.models import Max

    from newsletter.models import Delivery

    hang_seconds, refused_seconds = 8, 40
    topic_id, domain, expected = newsletter_audience("smtp", 300)
    worker = site.start_worker("smtp", MAIL_SEND_RATE="50")
    campaign_id = campaign_send_now(topic_id)
    wait_until(lambda: len(smtp.to(domain)) >= 80, timeout=60)
    smtp.silence()
    silenced_at = time.monotonic()
    time.sleep(hang_seconds)
    smtp.stop()
    time.sleep(refused_seconds)
    deliveries = Delivery.objects.filter(campaign_id=campaign_id)
    errors = sorted({e.split(":")[0] for e in deliveries.exclude(last_error="").values_list("last_error", flat=True)})
    tries_used = deliveries.exclude(status=Delivery.Status.SENT).aggregate(n=Max("tries"))["n"]
    smtp.start()
    back_at = time.monotonic()
    finished = wait_until(lambda: campaign_status(campaign_id) != "sending", timeout=60)
    site.stop(worker)
    received = smtp.to(domain)
    during = [r for r in received if silenced_at <= r.at < back_at]
    after = [r for r in received if r.at >= back_at]
    resumed = f"{min(r.at for r in after) - back_at:.1f} s" if after else "never"
    lost, outcome = campaign_outcome(expected, received, allowed_duplicates=IN_FLIGHT)
    return Report(
        "SMTP server stops answering mid-campaign", lost,
        f"{len(received) - len(during) - len(after)} sent before; hanging {hang_seconds} s then refusing "
        f"{refused_seconds} s: {len(during)} accepted, errors {errors or 'none'}, tries used by an unsent row: "
        f"at most {tries_used} of {WORKER_ENV['NEWSLETTER_MAX_TRIES']}; back: first message after {resumed}, "
        f"{len(after)} more, "
        f"campaign {campaign_status(campaign_id) if finished else 'still sending after 60 s'}; {outcome}; "
        f"deliveries {delivery_statuses(campaign_id)}",
    )


def scenario_subscribe_during_broker_outage(
    pg: PrivatePostgres, redis: PrivateRedis, smtp: SmtpSink, site: Site
) -> Report:
    """Redis (broker and cache) stopped: a subscription still succeeds and is stored; its confirmation
    e-mail waits in the outbox and is sent once Redis is back."""
    django_client(site)  # before importing models
    from mail.models import OutboxMessage
    from newsletter.models import Subscription

    address = f"outage{time.time_ns()}@broker.faults.example"
    worker = site.start_worker("broker")
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with browser.open(site.base + "/en/newsletter/", timeout=10) as response:
        form = response.read().decode()
    fields = {
        "topics": re.search(r'name="topics" value="(\d+)"', form).group(1),
        "email": address, "name": "Outage", "language": "en", "consent": "on",
    }
    redis.stop()
    down_at = time.monotonic()
    try:
        request = urllib.request.Request(  # noqa: S310 - loopback
            site.base + "/en/newsletter/", data=urllib.parse.urlencode(fields).encode(),
            headers={"Origin": site.base, "Sec-Fetch-Site": "same-origin"},  # as a browser posts the site's form
        )
        started = time.monotonic()
        try:
            with browser.open(request, timeout=30) as response:
                accepted = response.status == 200 and response.url.endswith("/newsletter/thanks/")
        except OSError:
            accepted = False
        took = time.monotonic() - started
        stored = Subscription.objects.filter(subscriber__email=address, status=Subscription.Status.PENDING).exists()
        waiting = list(OutboxMessage.objects.filter(to_email=address).values_list("status", flat=True))
        time.sleep(3)  # the outage goes on a little: nothing can reach the worker meanwhile
        mailed_while_down = len(smtp.to(address))
    finally:
        redis.start()
    up_at = time.monotonic()
    arrived = wait_until(lambda: len(smtp.to(address)) >= 1, timeout=60)
    delay = time.monotonic() - up_at
    time.sleep(3)  # a late duplicate would show up now
    mails = smtp.to(address)
    link = re.search(re.escape(site.base) + r"/en/newsletter/confirm/[^/\s]+/", mails[0].body) if mails else None
    confirmed = False
    if link:
        with browser.open(urllib.request.Request(link.group(0), data=b""), timeout=10):  # noqa: S310 - loopback
            pass
        confirmed = Subscription.objects.filter(
            subscriber__email=address, status=Subscription.Status.CONFIRMED
        ).exists()
    site.stop(worker)
    lost = (not accepted) + (not stored) + (not arrived) + max(0, len(mails) - 1) + (arrived and not confirmed)
    return Report(
        "Subscription while Redis (broker) is down", lost,
        f"POST {'accepted' if accepted else 'FAILED'} in {took:.2f} s with Redis down; subscription "
        f"{'stored (pending)' if stored else 'NOT stored'}, outbox {waiting}; {mailed_while_down} mail while down "
        f"({up_at - down_at:.0f} s); Redis back: {len(mails)} confirmation mail(s) "
        f"{'after ' + format(delay, '.1f') + ' s' if arrived else 'NOT within 60 s'}; link "
        f"{'confirmed the subscription' if confirmed else 'did NOT confirm'}",
    )


SCENARIOS: dict[str, Callable[[PrivatePostgres, PrivateRedis, SmtpSink, Site], Report]] = {
    "redis-pages": scenario_redis_down_pages,
    "postgres-restart": scenario_postgres_restart_under_load,
    "worker-kill": scenario_worker_killed_mid_campaign,
    "smtp-silent": scenario_smtp_stops_answering,
    "broker-subscribe": scenario_subscribe_during_broker_outage,
}


@contextlib.contextmanager
def environment() -> Iterator[tuple[PrivatePostgres, PrivateRedis, SmtpSink, Site]]:
    workdir = Path(tempfile.mkdtemp(prefix="ilumen-faults-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    pg = PrivatePostgres(workdir)
    redis = PrivateRedis()
    smtp = SmtpSink()
    site = Site(site_env(pg, redis, smtp), workdir)
    site.env["SITE_URL"] = site.base  # links in the mails lead to this site
    try:
        site.manage("migrate", "--noinput", "-v0")
        site.manage("load_statements")
        site.manage("collectstatic", "--noinput", "-v0")
        site.start_web()
        yield pg, redis, smtp, site
    finally:
        site.stop_all()
        smtp.stop()
        redis.stop()
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(names: list[str]) -> int:
    if PG_BIN is None or not shutil.which("redis-server"):
        print("PostgreSQL server binaries and redis-server are needed for the fault suite.", file=sys.stderr)
        return 1
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        print(f"usage: scripts/faults.py [{' '.join(SCENARIOS)}] (all when none is named); "
              f"unknown: {' '.join(unknown)}", file=sys.stderr)
        return 2
    selected = names or list(SCENARIOS)
    reports = []
    with environment() as (pg, redis, smtp, site):
        for name in selected:
            print(f"running {name} …", flush=True)
            reports.append(SCENARIOS[name](pg, redis, smtp, site))
    print(f"\n{'scenario':45} {'lost':>5}  details")
    for report in reports:
        print(f"{report.scenario:45} {report.lost:5d}  {report.details}")
    total = sum(r.lost for r in reports)
    print(f"\nlost in total: {total} (target: 0)")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
