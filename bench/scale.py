"""Newsletter sending at scale: 100,000 and 300,000 subscribers, two worker processes, a local sink.

    .venv/bin/python bench/scale.py                          # = make bench-scale
    .venv/bin/python bench/scale.py --sizes 2000 --workers 2 # a smoke run

The machinery is bench/newsletter_send.py's (its database, subscribers, campaign, workers and
query counter); this adds what a larger list could make worse, and leaves out the bare smtplib
loop (the ratio is bench-newsletter's figure, and at these sizes the loop alone would take as
long as the workers) and DKIM signing (a fixed CPU cost per message, measured there too; what
grows with the list is claiming, marking and memory). Prints per size: time per message from
"send now" to done, the workers' CPU per message, each worker process's peak resident memory
(VmHWM), claim contention, database queries per message.

Claim contention: while the campaign is sending, pg_stat_activity of the bench database is
sampled every SAMPLE_SECONDS by a connection of our own; per sample, the sessions waiting on
a lock (`wait_event_type = 'Lock'`, row locks included) are counted, and their maximum and
mean over the samples reported, beside the mean number of active sessions.
"""

import argparse
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import newsletter_send as news  # noqa: E402
from bench.loopback import free_port  # noqa: E402

SAMPLE_SECONDS = 0.25


class Sampler(threading.Thread):
    """Samples lock waits in the bench database and the workers' peak memory until stopped."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(daemon=True)
        self.campaign_id = campaign_id
        self.stop = threading.Event()
        self.lock_waits: list[int] = []
        self.active: list[int] = []
        self.peaks_kb: dict[int, int] = {}

    def run(self) -> None:
        import psycopg

        url = news.DATABASE_URL.replace("postgres://", "postgresql://")
        with psycopg.connect(url, autocommit=True) as conn:
            while not self.stop.wait(SAMPLE_SECONDS):
                waiting, active, status = conn.execute(
                    """
                    SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'),
                           count(*) FILTER (WHERE state = 'active'),
                           (SELECT status FROM newsletter_campaign WHERE id = %s)
                    FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                    """,
                    [self.campaign_id],
                ).fetchone()
                if status == "sending":
                    self.lock_waits.append(waiting)
                    self.active.append(active)
                self._read_worker_peaks()

    def _read_worker_peaks(self) -> None:
        """VmHWM of our celery children, read while they live (it only grows)."""
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                status = (proc / "status").read_text()
                if f"\nPPid:\t{os.getpid()}\n" in status and b"celery" in (proc / "cmdline").read_bytes():
                    self.peaks_kb[int(proc.name)] = news.peak_memory_kb(int(proc.name))
            except OSError:  # ended meanwhile
                continue


def run(count: int, workers: int, smtp_port: int) -> dict:
    sink = news.start_sink(smtp_port)
    try:
        news.recreate_database()
        from django.core.management import call_command
        from django.db import connections

        connections.close_all()
        call_command("migrate", verbosity=0)
        campaign = news.make_campaign(news.create_subscribers(count))
        sampler = Sampler(campaign.pk)
        sampler.start()
        try:
            result = news.run_workers(count, workers, smtp_port, campaign, {})  # unsigned: see the docstring
        finally:
            sampler.stop.set()
            sampler.join()
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    waits = sampler.lock_waits or [0]
    return {
        **result, "peaks_kb": sorted(sampler.peaks_kb.values()), "samples": len(sampler.lock_waits),
        "lock_max": max(waits), "lock_mean": sum(waits) / len(waits),
        "active_mean": sum(sampler.active) / max(len(sampler.active), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000", help="comma-separated subscriber counts")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # each size's figures as soon as they are known
    # Before the first message the campaign's delivery rows are written, a page of subscribers at a
    # time (tens of seconds at these sizes on a loaded machine): no delivery finishes meanwhile.
    news.STALL_SECONDS = 300
    smtp_port = free_port()
    news.setup_django(smtp_port)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        load = os.getloadavg()[0]
        r = run(size, args.workers, smtp_port)
        rows.append((size, r, load, os.getloadavg()[0]))
        print(f"\n== {size:,} subscribers, {args.workers} worker processes (load average {load:.1f} → "
              f"{os.getloadavg()[0]:.1f})")
        print(f"sent:                 {r['sent']:,} of {size:,} in {r['wall']:.1f} s")
        print(f"time per message:     {r['wall'] / max(r['sent'], 1) * 1e3:.2f} ms from 'send now' to done "
              f"({r['rate_wall']:,.0f} msg/s); "
              f"{1e3 / r['rate_sending']:.2f} ms while sending ({r['rate_sending']:,.0f} msg/s, first to last mark)")
        print(f"worker CPU:           {r['cpu_us']:,.0f} µs per message (both processes together)")
        print(f"worker peak memory:   {', '.join(f'{kb / 1024:.1f}' for kb in r['peaks_kb'])} MiB (VmHWM each)")
        print(f"lock waits:           max {r['lock_max']}, mean {r['lock_mean']:.3f} sessions per sample "
              f"({r['samples']} samples, {r['active_mean']:.2f} active sessions on average)")
        print(f"queries per message:  {r['queries'] / max(r['sent'], 1):.3f}")
    if len(rows) > 1:
        (small, first, *_), (large, last, *_) = rows[0], rows[-1]
        per_message = (last["wall"] / last["sent"]) / (first["wall"] / first["sent"])
        while_sending = first["rate_sending"] / last["rate_sending"]
        memory = max(last["peaks_kb"]) / max(first["peaks_kb"])
        print(f"\n{large:,} / {small:,}: time per message x{per_message:.2f} from 'send now' to done, "
              f"x{while_sending:.2f} while sending (flat or better: <= 1), peak memory x{memory:.2f} (flat: about 1)")


if __name__ == "__main__":
    main()
