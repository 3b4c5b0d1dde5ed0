"""Newsletter sending benchmark: N confirmed subscribers, one campaign, real Celery workers,
a local SMTP sink; against a bare smtplib loop sending the same messages to the same sink.

    .venv/bin/python bench/newsletter_send.py                 # 10,000 subscribers, 1 worker process
    .venv/bin/python bench/newsletter_send.py --sizes 10000,100000   # also the memory ratio
    .venv/bin/python bench/newsletter_send.py --workers 2

Prints messages per second (workers and bare loop, and their ratio), database queries per
message, and the peak resident memory (VmHWM) of the worker processes. Uses its own
PostgreSQL database (BENCH_DATABASE_URL, recreated) and Redis db (BENCH_REDIS_URL, flushed).
Targets (issue 4): ratio >= 0.5 with one worker; peak memory at 100,000 <= 1.2 x at 10,000.
"""

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loopback import PRODUCTION_ON_LOOPBACK, free_port  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench_news")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
STALL_SECONDS = 60  # no delivery finished for this long: the run is broken, not slow


def recreate_database() -> None:
    parts = urlsplit(DATABASE_URL)
    name = parts.path.strip("/")
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listening on {port}")


def start_sink(port: int) -> subprocess.Popen:
    """aiosmtpd's own Sink handler in its own process: accepts and discards every message."""
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_port(port)
    return process


def base_env(smtp_port: int) -> dict:
    return {
        **os.environ,
        # Sending checks the data-rights hash list, whose key production mode requires.
        **PRODUCTION_ON_LOOPBACK,
        "DATABASE_URL": DATABASE_URL, "CELERY_BROKER_URL": REDIS_URL, "REDIS_URL": REDIS_URL,
        "BENCH_COUNTER_URL": REDIS_URL, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SITE_URL": "https://www.ilumen.be", "MAIL_SEND_RATE": "0", "LOG_LEVEL": "WARNING",
        "NEWSLETTER_TASK_SECONDS": "30", "DJANGO_SETTINGS_MODULE": "ilumen_site.settings",
    }


def setup_django(smtp_port: int) -> None:
    os.environ.update(base_env(smtp_port))
    import django

    django.setup()


def create_subscribers(count: int) -> int:
    from django.db import connection
    from django.utils import timezone

    from newsletter.models import Topic

    topic, _created = Topic.objects.get_or_create(slug="bench", defaults={"name_nl": "Bench", "name_en": "Bench"})
    now = timezone.now()
    with connection.cursor() as cursor:
        # Plain SQL: 100,000 subscribers in seconds, as the services would have left them.
        cursor.execute(
            """
            INSERT INTO newsletter_subscriber (uuid, email, name, language, created_at)
            SELECT gen_random_uuid(), 'reader' || i || '@bench.example', CASE WHEN i %% 3 = 0 THEN 'Reader ' || i
                   ELSE '' END, CASE WHEN i %% 2 = 0 THEN 'nl' ELSE 'en' END, %s
            FROM generate_series(1, %s) AS i
            """,
            [now, count],
        )
        cursor.execute(
            """
            INSERT INTO newsletter_consentproof (subscriber_id, nonce, requested_name, language, consent_text,
                consent_version, source, ip_truncated, given_at, confirmed_at, origin, controller, original_location)
            SELECT id, gen_random_uuid(), '', language, 'bench', '1', '/bench/', '', %s, %s, 'form', '', ''
            FROM newsletter_subscriber
            """,
            [now, now],
        )
        cursor.execute(
            """
            INSERT INTO newsletter_subscription (subscriber_id, topic_id, status, proof_id, created_at, confirmed_at)
            SELECT subscriber_id, %s, 'confirmed', id, %s, %s FROM newsletter_consentproof
            """,
            [topic.pk, now, now],
        )
        cursor.execute("ANALYZE")
    return topic.pk


def make_campaign(topic_id: int):
    from newsletter.models import Campaign, CampaignContent

    campaign = Campaign.objects.create(name="Bench")
    campaign.topics.set([topic_id])
    body = (
        "## News from iLumen\n\nOur **new** home battery stores the sun for the evening. "
        "Read [more on our site](https://www.ilumen.be/en/battery).\n\n- Solar panels\n- Batteries\n- Smart energy\n"
    )
    CampaignContent.objects.create(campaign=campaign, language="en", subject="Spring news", body=body)
    CampaignContent.objects.create(campaign=campaign, language="nl", subject="Lentenieuws", body=body)
    return campaign


def bare_loop(count: int, smtp_port: int, campaign) -> float:
    """The same message, addressed to each recipient in turn, over one reused connection."""
    import uuid

    from newsletter.messages import Recipient, campaign_message, content_render, topic_list

    content = campaign.contents.get(language="en")
    rendered = content_render(language="en", subject=content.subject, body=content.body)
    template = campaign_message(
        content=rendered, recipient=Recipient("TEMPLATE@bench.example", "", "en", uuid.uuid4()),
        topics=topic_list(campaign.topics.all()),
    ).data
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for i in range(count):
            address = f"reader{i}@bench.example"
            smtp.sendmail("info@ilumen.be", [address], template.replace(b"TEMPLATE@bench.example", address.encode()))
    return count / (time.perf_counter() - start)


def peak_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_workers(count: int, workers: int, smtp_port: int, campaign) -> dict:
    import redis
    from django.db.models import Max, Min

    from newsletter.models import Campaign, Delivery
    from newsletter.services.campaign_status import campaign_schedule

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    logdir = Path(tempfile.mkdtemp(prefix="bench-news-"))
    processes = []
    for n in range(workers):
        log = open(logdir / f"worker{n}.log", "wb")  # noqa: SIM115 - closed with the process
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "bench.newsletter_worker_app", "worker", "-P", "solo",
             "-Q", "celery,transactional", "-n", f"bench{n}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-l", "warning"],
            cwd=ROOT, env=base_env(smtp_port), stdout=log, stderr=subprocess.STDOUT,
        ))
    time.sleep(3)  # let them connect
    client.delete("bench:queries")
    started = time.perf_counter()
    campaign_schedule(campaign_id=campaign.pk)  # the admin's "send now"
    progress, checked_at = -1, time.monotonic()
    while Campaign.objects.get(pk=campaign.pk).status != "sent":
        if any(p.poll() is not None for p in processes):
            raise SystemExit(f"a worker died; logs in {logdir}")
        if time.monotonic() - checked_at > STALL_SECONDS:  # rarely: counting is work for the database too
            done = Delivery.objects.filter(campaign=campaign).exclude(status__in=("pending", "sending")).count()
            if done == progress:
                for p in processes:
                    p.kill()
                raise SystemExit(f"no delivery finished in {STALL_SECONDS}s ({done} of {count} done); logs in {logdir}")
            progress, checked_at = done, time.monotonic()
        time.sleep(0.2)
    wall = time.perf_counter() - started
    time.sleep(0.5)  # the last task's query count
    peaks = [peak_memory_kb(p.pid) for p in processes]
    for p in processes:
        p.terminate()
    for p in processes:
        p.wait(timeout=30)
    span = Delivery.objects.filter(campaign=campaign).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    sent = Delivery.objects.filter(campaign=campaign, status="sent").count()
    sending_seconds = max((span["last"] - span["first"]).total_seconds(), 1e-6)
    return {
        "sent": sent, "wall": wall, "rate_wall": sent / wall, "rate_sending": sent / sending_seconds,
        # Counted in the workers' Django connection, plus the one UPDATE per sent message that
        # marks it, which runs on the sender's second connection (see _SentMarks).
        "queries": int(client.get("bench:queries") or 0) + sent, "peak_kb": max(peaks), "peak_sum_kb": sum(peaks),
    }


def run(count: int, workers: int) -> dict:
    smtp_port = free_port()
    sink = start_sink(smtp_port)
    try:
        recreate_database()
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        call_command("migrate", verbosity=0)
        topic_id = create_subscribers(count)
        campaign = make_campaign(topic_id)
        bare = bare_loop(count, smtp_port, campaign)
        result = run_workers(count, workers, smtp_port, campaign)
        result["bare"] = bare
        return result
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000", help="comma-separated subscriber counts (default 10000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    setup_django(free_port())
    results = {}
    for size in sizes:
        r = run(size, args.workers)
        results[size] = r
        print(f"\n== {size:,} subscribers, {args.workers} worker process(es)")
        print(f"sent:                   {r['sent']:,} of {size:,}")
        print(f"workers:                {r['rate_sending']:,.0f} msg/s while sending, "
              f"{r['rate_wall']:,.0f} msg/s from 'send now' to done ({r['wall']:.1f} s)")
        print(f"bare smtplib loop:      {r['bare']:,.0f} msg/s (one connection, same sink)")
        print(f"ratio workers / bare:   {r['rate_wall'] / r['bare']:.2f} (target >= 0.50; "
              f"while sending {r['rate_sending'] / r['bare']:.2f})")
        print(f"queries per message:    {r['queries'] / max(r['sent'], 1):.2f}")
        print(f"worker peak memory:     {r['peak_kb'] / 1024:.1f} MiB (VmHWM, largest worker process)")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        ratio = results[large]["peak_kb"] / results[small]["peak_kb"]
        print(f"\npeak memory {large:,} / {small:,}: {ratio:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
