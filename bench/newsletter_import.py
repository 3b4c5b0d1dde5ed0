"""Subscriber import benchmark: generated CSV files of 10,000 and 100,000 rows with consent
evidence, imported into PostgreSQL through `manage.py newsletter_import`'s service.

    .venv/bin/python bench/newsletter_import.py                   # 10,000 and 100,000 rows
    .venv/bin/python bench/newsletter_import.py --sizes 10000

Each size runs twice in a fresh child process against an emptied database: once timed (rows per
second, peak resident memory from getrusage), once under tracemalloc (the peak of Python
allocations during the import alone, which the resident size hides under Django's own).
Prints the ratio of both memory figures between the largest and smallest size.
Uses its own PostgreSQL database (BENCH_DATABASE_URL, recreated). Target (issue 14, point 8):
memory at 100,000 rows <= 1.2 x that at 10,000.
"""

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench_import")
HEADER = ("email;name;language;topics;consent_controller;consent_topics;consent_source;consent_date;"
          "consent_text;consent_original\r\n")


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.strip("/")
    admin_url = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def child_env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "DEBUG": "True",
            "DJANGO_SETTINGS_MODULE": "ilumen_site.settings"}


def write_csv(path: Path, rows: int) -> None:
    """As a spreadsheet exports it: BOM, ';', Belgian dates; a few rows of every kind of skip."""
    day = (datetime.date.today() - datetime.timedelta(days=200)).strftime("%d/%m/%Y")
    evidence = f"iLumen NV;newsletter events;Intersolar 2025;{day};Ja, ik wil de nieuwsbrief ontvangen.;Binder 3"
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER)
        for i in range(rows):
            language = "nl" if i % 2 else "en"
            controller_ok = i % 100 != 99  # one row in a hundred names another company
            line = f"reader{i}@example.com;Reader {i};{language};newsletter events;{evidence}"
            if not controller_ok:
                line = line.replace("iLumen NV", "Other BV")
            out.write(line + "\r\n")


def child(path: Path, traced: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import tracemalloc

    from django.conf import settings
    from django.db import connection

    from newsletter.services.import_runs import subscriber_import_file

    settings.DEBUG = False  # no query log (a production run has none)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE newsletter_subscriber, newsletter_subscriberimport CASCADE")
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    record = subscriber_import_file(path=path, dry_run=False)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "report": record.report, "status": record.status,
              "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
    if traced:
        result["traced_peak"] = tracemalloc.get_traced_memory()[1]
    print(json.dumps(result))


def run_child(path: Path, traced: bool) -> dict:
    command = [sys.executable, __file__, "--child", str(path)] + (["--traced"] if traced else [])
    out = subprocess.run(command, cwd=ROOT, env=child_env(), check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--child")
    parser.add_argument("--traced", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.traced)
        return
    recreate_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=child_env(), check=True)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", (
        "from newsletter.models import Topic\n"
        "for slug in ('newsletter', 'events'):\n"
        "    Topic.objects.get_or_create(slug=slug, defaults={'name_nl': slug, 'name_en': slug})"
    )], cwd=ROOT, env=child_env(), check=True)
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        for size in (int(size) for size in args.sizes.split(",")):
            path = Path(directory) / f"{size}.csv"
            write_csv(path, size)
            timed, traced = run_child(path, traced=False), run_child(path, traced=True)
            assert timed["status"] == "done" and timed["report"]["created"] == size - size // 100, timed
            results[size] = (timed, traced)
            print(f"{size:>7} rows: {size / timed['seconds']:8.0f} rows/s ({timed['seconds']:.1f} s), "
                  f"peak RSS {timed['maxrss_kib'] / 1024:.1f} MiB, "
                  f"peak Python allocations {traced['traced_peak'] / 2**20:.1f} MiB "
                  f"(created {timed['report']['created']}, skipped {size // 100})", flush=True)
    if len(results) > 1:
        small, large = results[min(results)], results[max(results)]
        print(f"memory {max(results)} / {min(results)}: "
              f"RSS {large[0]['maxrss_kib'] / small[0]['maxrss_kib']:.2f}, "
              f"Python allocations {large[1]['traced_peak'] / small[1]['traced_peak']:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
