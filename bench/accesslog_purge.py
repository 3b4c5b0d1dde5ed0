"""Purging the access log: time and peak memory of the retention rule, by number of rows.

    .venv/bin/python bench/accesslog_purge.py                  # 100,000 and 1,000,000 rows
    .venv/bin/python bench/accesslog_purge.py --sizes 1000000

For each size, a fresh process (so its peak RSS is its own) fills a table in a database of
its own (BENCH_DATABASE_URL, default ilumen_bench_purge) with that many rows older than
ACCESS_LOG_KEEP_DAYS plus 10 % recent rows, server-side (generate_series: no Python memory),
then runs the `access_log_delete` rule exactly as `manage.py retention_run` does
(RETENTION_BATCH_SIZE rows per batch). It prints the time, rows per second, the Python heap
peak (tracemalloc) and the growth of the process' peak RSS during the purge, then the ratio
of the largest to the smallest size: memory should not grow with the number of rows.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench_purge")


def _prepare() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=os.environ, check=True)


def _measure(rows: int) -> dict:
    """In this (fresh) process: fill, purge, measure."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from accesslog.models import PageView
    from core import retention

    keep = settings.ACCESS_LOG_KEEP_DAYS
    recent = rows // 10
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE accesslog_pageview RESTART IDENTITY")
        cursor.execute(
            """INSERT INTO accesslog_pageview (time, path, status, language, ip)
               SELECT now() - make_interval(days => %s + 1) - (g %% 86400) * interval '1 second',
                      '/nl/page-' || (g %% 50) || '/', 200, CASE WHEN g %% 3 = 0 THEN 'en' ELSE 'nl' END,
                      ('192.0.' || (g %% 250) || '.0')::inet
               FROM generate_series(1, %s) AS g""",
            [keep, rows],
        )
        cursor.execute(
            """INSERT INTO accesslog_pageview (time, path, status, language, ip)
               SELECT now() - (g %% 86400) * interval '1 second', '/en/', 200, 'en', '192.0.2.0'::inet
               FROM generate_series(1, %s) AS g""",
            [recent],
        )
        cursor.execute("VACUUM ANALYZE accesslog_pageview")
    [rule] = [r for r in retention.rules() if r.key == "access_log_delete"]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    result = retention.rule_run(rule)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    left_old = PageView.objects.filter(path__startswith="/nl/page-").count()
    left_recent = PageView.objects.count()
    return {
        "rows": rows, "deleted": result["page views"], "seconds": seconds, "heap_peak_kib": peak / 1024,
        "rss_growth_kib": rss_after - rss_before, "rss_peak_kib": rss_after, "left_old": left_old,
        "left_recent": left_recent, "expected_recent": recent, "batch": settings.RETENTION_BATCH_SIZE,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure in this process
    args = parser.parse_args()
    # Production mode: with DEBUG on, Django keeps the SQL of the last 9,000 queries in memory.
    os.environ.update({
        "DATABASE_URL": DATABASE_URL, "DEBUG": "False", "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1", "ERASURE_HMAC_KEY": "bench-only-erasure-key-" + "y" * 30,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    })
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")
    sys.path.insert(0, str(ROOT))
    if args.one:
        print(json.dumps(_measure(args.one)))
        return 0
    _prepare()
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], cwd=ROOT, capture_output=True, text=True,
                             timeout=3600)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            return 1
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"\naccess_log_delete, batches of {results[0]['batch']} rows, PostgreSQL 127.0.0.1\n")
    print(f"{'rows':>10} {'seconds':>8} {'rows/s':>9} {'heap peak':>10} {'RSS growth':>11} {'RSS peak':>9} "
          f"{'old left':>9} {'recent kept':>12}")
    for r in results:
        print(f"{r['rows']:>10,} {r['seconds']:8.1f} {r['deleted'] / r['seconds']:9,.0f} "
              f"{r['heap_peak_kib'] / 1024:8.2f} MiB {r['rss_growth_kib'] / 1024:8.1f} MiB "
              f"{r['rss_peak_kib'] / 1024:6.1f} MiB {r['left_old']:>9} {r['left_recent']:>6}/{r['expected_recent']}")
    if len(results) > 1:
        small, large = results[0], results[-1]
        heap = large["heap_peak_kib"] / small["heap_peak_kib"]
        print(f"\nrows x{large['rows'] / small['rows']:.0f}: heap peak x{heap:.2f}, "
              f"time x{large['seconds'] / small['seconds']:.1f} (target: memory flat, time linear)")
    ok = all(r["left_old"] == 0 and r["left_recent"] == r["expected_recent"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
