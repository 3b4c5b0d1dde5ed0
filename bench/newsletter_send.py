"""Newsletter sending benchmark: N confirmed subscribers, one campaign, real Celery workers,
a local SMTP sink; against a bare smtplib loop sending the same messages to the same sink.

    .venv/bin/python bench/newsletter_send.py                 # 10,000 subscribers, 1 worker process
    .venv/bin/python bench/newsletter_send.py --sizes 10000,100000   # also the memory ratio
    .venv/bin/python bench/newsletter_send.py --workers 2 --rounds 5 --signing signed

Each round sends one campaign DKIM-signed and one unsigned (`--signing` to choose), each
paired with its own bare loop, bare loop and workers in alternating order from round to round.
Signed, the workers sign with a 2048-bit key made for the run, and the bare loop signs every
message with the same key through OpenSSL (`cryptography`) before sending it: the signed
fields' canonical form taken once from the template, per message the body hash, the address
and one RSA signature. Prints messages per second (workers and bare loop, and their ratio,
with the median of the paired ratios), database queries per message, the peak resident memory
(VmHWM) of the worker processes and the load average beside each round. Uses its own
PostgreSQL database (BENCH_DATABASE_URL, recreated) and Redis db (BENCH_REDIS_URL, flushed).
Targets: ratio >= 0.8 signed and unsigned (issue 16); queries per message <= 1.1; peak memory
at 100,000 <= 1.2 x at 10,000 (issue 4).
"""

import argparse
import base64
import hashlib
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loopback import PRODUCTION_ON_LOOPBACK, free_port  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench_news")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
STALL_SECONDS = 60  # no delivery finished for this long: the run is broken, not slow
DKIM_SELECTOR, DKIM_DOMAIN = b"bench", b"ilumen.be"
PLACEHOLDER = b"TEMPLATE@bench.example"


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


def dkim_key_file() -> Path:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = Path(tempfile.mkdtemp(prefix="bench-dkim-")) / "dkim.pem"
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption()))
    return path


def bare_signer(template: bytes, key_pem: bytes) -> Callable[[bytes, bytes], bytes]:
    """The baseline's DKIM signature (relaxed/simple, the fields the site signs): what is the
    same for every message is prepared once, by dkimpy; per message only the body hash, the
    address in the signed fields and one RSA signature by OpenSSL."""
    import dkim
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from mail.transport import DKIM_HEADERS

    key = load_pem_private_key(key_pem, password=None)
    parsed = dkim.DKIM(template)
    fields = dkim.select_headers(dkim.canonicalization.Relaxed.canonicalize_headers(parsed.headers), DKIM_HEADERS)
    signed_fields = b"".join(name + b":" + value for name, value in fields)
    tags = b"v=1; a=rsa-sha256; c=relaxed/simple; d=%s; s=%s; h=%s; t=" % (
        DKIM_DOMAIN, DKIM_SELECTOR, b":".join(DKIM_HEADERS)
    )

    def sign(data: bytes, address: bytes) -> bytes:
        body = data[data.index(b"\r\n\r\n") + 4:]
        body_hash = base64.b64encode(hashlib.sha256(body.rstrip(b"\r\n") + b"\r\n").digest())
        value = tags + str(int(time.time())).encode() + b"; bh=" + body_hash + b"; b="
        header_input = signed_fields.replace(PLACEHOLDER, address) + b"dkim-signature:" + value
        signature = key.sign(header_input, padding.PKCS1v15(), hashes.SHA256())
        return b"DKIM-Signature: " + value + base64.b64encode(signature) + b"\r\n" + data

    return sign


def bare_loop(count: int, smtp_port: int, campaign, key_pem: bytes | None) -> dict:
    """The same message, addressed to each recipient in turn, over one reused connection;
    signed first when there is a key."""
    import uuid

    from newsletter.messages import Recipient, campaign_message, content_render, topic_list

    content = campaign.contents.get(language="en")
    rendered = content_render(language="en", subject=content.subject, body=content.body)
    template = campaign_message(
        content=rendered, recipient=Recipient(PLACEHOLDER.decode(), "", "en", uuid.uuid4()),
        topics=topic_list(campaign.topics.all()),
    ).data
    sign = bare_signer(template, key_pem) if key_pem else None
    if sign:
        first = b"reader0@bench.example"
        check_signature(sign(template.replace(PLACEHOLDER, first), first), key_pem)
    start, cpu = time.perf_counter(), time.process_time()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for i in range(count):
            address = f"reader{i}@bench.example".encode()
            data = template.replace(PLACEHOLDER, address)
            smtp.sendmail("info@ilumen.be", [address.decode()], sign(data, address) if sign else data)
    return {"rate": count / (time.perf_counter() - start), "cpu_us": (time.process_time() - cpu) / count * 1e6}


def check_signature(data: bytes, key_pem: bytes) -> None:
    """A baseline that signed wrongly would measure nothing: dkimpy must accept its signature."""
    import dkim
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    public = load_pem_private_key(key_pem, None).public_key()
    public = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    if not dkim.verify(data, dnsfunc=lambda name, timeout=5: record):
        raise SystemExit("the bare loop's DKIM signature does not verify")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_workers(count: int, workers: int, smtp_port: int, campaign, dkim_env: dict) -> dict:
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
            cwd=ROOT, env={**base_env(smtp_port), **dkim_env}, stdout=log, stderr=subprocess.STDOUT,
        ))
    time.sleep(3)  # let them connect
    cpu_before = sum(cpu_seconds(p.pid) for p in processes)
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
    cpu = sum(cpu_seconds(p.pid) for p in processes) - cpu_before
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
        # The worker processes' CPU per message sent, which the machine's other load moves least.
        "cpu_us": cpu / max(sent, 1) * 1e6,
    }


def measure(count: int, workers: int, smtp_port: int, topic_id: int, key_file: Path | None, bare_first: bool) -> dict:
    """One pair: a new campaign sent by the workers, and the bare loop, in the order given."""
    campaign = make_campaign(topic_id)
    key_pem = key_file.read_bytes() if key_file else None
    dkim_env = {
        "DKIM_PRIVATE_KEY_FILE": str(key_file), "DKIM_SELECTOR": DKIM_SELECTOR.decode(),
        "DKIM_DOMAIN": DKIM_DOMAIN.decode(),
    } if key_file else {}
    load = os.getloadavg()[0]
    if bare_first:
        bare = bare_loop(count, smtp_port, campaign, key_pem)
    result = run_workers(count, workers, smtp_port, campaign, dkim_env)
    if not bare_first:
        bare = bare_loop(count, smtp_port, campaign, key_pem)
    return {**result, "bare": bare["rate"], "bare_cpu_us": bare["cpu_us"], "load": (load + os.getloadavg()[0]) / 2}


def run(count: int, workers: int, rounds: int, modes: list[str]) -> dict[str, list[dict]]:
    smtp_port = free_port()
    sink = start_sink(smtp_port)
    key_file = dkim_key_file()
    results: dict[str, list[dict]] = {mode: [] for mode in modes}
    try:
        recreate_database()
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        call_command("migrate", verbosity=0)
        topic_id = create_subscribers(count)
        for n in range(rounds):
            for mode in modes if n % 2 == 0 else modes[::-1]:
                r = measure(count, workers, smtp_port, topic_id, key_file if mode == "signed" else None, n % 2 == 1)
                results[mode].append(r)
                print(f"  round {n + 1} {mode:8}: workers {r['rate_wall']:,.0f} msg/s, bare {r['bare']:,.0f} msg/s, "
                      f"ratio {r['rate_wall'] / r['bare']:.2f}, CPU µs/msg workers {r['cpu_us']:,.0f} bare "
                      f"{r['bare_cpu_us']:,.0f} (ratio {r['bare_cpu_us'] / r['cpu_us']:.2f}), "
                      f"{r['queries'] / max(r['sent'], 1):.2f} queries/msg, "
                      f"load average {r['load']:.1f}", flush=True)
        return results
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def report(size: int, workers: int, mode: str, runs: list[dict]) -> None:
    ratios = sorted(r["rate_wall"] / r["bare"] for r in runs)
    sent = sum(r["sent"] for r in runs)
    print(f"\n== {size:,} subscribers, {workers} worker process(es), {mode}, {len(runs)} round(s)")
    print(f"sent:                   {sent:,} of {size * len(runs):,}")
    print(f"workers msg/s:          {', '.join(f'{r['rate_wall']:,.0f}' for r in runs)} from 'send now' to done "
          f"({', '.join(f'{r['rate_sending']:,.0f}' for r in runs)} while sending)")
    print(f"bare loop msg/s:        {', '.join(f'{r['bare']:,.0f}' for r in runs)} (one connection, same sink)")
    print(f"ratio workers / bare:   {', '.join(f'{r['rate_wall'] / r['bare']:.2f}' for r in runs)}; "
          f"median {statistics.median(ratios):.2f} (target >= 0.80)")
    cpu_ratios = [r["bare_cpu_us"] / r["cpu_us"] for r in runs]
    print(f"CPU µs per message:     workers {', '.join(f'{r['cpu_us']:,.0f}' for r in runs)}; bare loop "
          f"{', '.join(f'{r['bare_cpu_us']:,.0f}' for r in runs)}; bare / workers "
          f"{', '.join(f'{c:.2f}' for c in cpu_ratios)}, median {statistics.median(cpu_ratios):.2f}")
    print(f"load average:           {', '.join(f'{r['load']:.1f}' for r in runs)}")
    print(f"queries per message:    {sum(r['queries'] for r in runs) / max(sent, 1):.2f} (target <= 1.10)")
    print(f"worker peak memory:     {max(r['peak_kb'] for r in runs) / 1024:.1f} MiB (VmHWM, largest worker process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000", help="comma-separated subscriber counts (default 10000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="paired rounds per size and mode (default 3)")
    parser.add_argument("--signing", choices=("both", "signed", "unsigned"), default="both")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = ["signed", "unsigned"] if args.signing == "both" else [args.signing]
    setup_django(free_port())
    peaks = {}
    for size in sizes:
        print(f"\n{size:,} subscribers:", flush=True)
        results = run(size, args.workers, args.rounds, modes)
        for mode in modes:
            report(size, args.workers, mode, results[mode])
        peaks[size] = max(r["peak_kb"] for runs in results.values() for r in runs)
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(f"\npeak memory {large:,} / {small:,}: {peaks[large] / peaks[small]:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
