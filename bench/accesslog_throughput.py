"""What the access log costs a page: throughput with the log on and off, in the same run.

    .venv/bin/python bench/accesslog_throughput.py          # 6 rounds x 2 x 2 paths x 4 s: ~2 minutes
    ROUNDS=5 DURATION=10 PATHS=/en/privacy/,/nl/ .venv/bin/python bench/accesslog_throughput.py

Two gunicorn servers on 127.0.0.1 run the same code and settings against the same
PostgreSQL database, one with ACCESS_LOG_ENABLED=True and one with False. wrk loads one
server at a time, alternating which goes first each round (ABBA) so that drift on a shared
machine hits both alike. The result is the median requests per second of each, the median
of the per-round paired ratios (on/off), and a check that the log-on server really wrote a
row for every request it served (its buffer is flushed when gunicorn stops its workers).
Bounded in time: 2 x ROUNDS x DURATION seconds of load per path, plus start-up.
"""

import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import BENCH_ENV, _prepare  # noqa: E402
from bench.loopback import free_port  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "6"))
DURATION = int(os.environ.get("DURATION", "4"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
WORKERS = int(os.environ.get("WORKERS", "2"))
# A real page, and the cheapest response the site has (where the log's share is largest).
PATHS = os.environ.get("PATHS", "/en/privacy/,/robots.txt").split(",")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench_accesslog")


def _server(env: dict[str, str], port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "ilumen_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(WORKERS), "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )


def _wait_up(base: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/en/", timeout=1)  # noqa: S310 - loopback only
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {base} did not start")


def _wrk(url: str) -> tuple[float, int]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "5s", url],
        capture_output=True, text=True, timeout=DURATION + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} non-2xx answers\n{out}")
    return rps, requests


def _cpu_seconds(pgid: int) -> float:
    """User + system CPU of every process in the server's process group (master and workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[2] is the process group (field 5 of stat)
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _pageviews(env: dict[str, str]) -> int:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from accesslog.models import PageView; print(PageView.objects.count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout
    return int(out.strip().splitlines()[-1])


def _inprocess_cost(env: dict[str, str], requests: int = 20_000) -> tuple[float, float]:
    """Microseconds per request spent by the middleware itself, and per row by the writer (COPY)."""
    os.environ.update(env)
    os.environ["ACCESS_LOG_WRITER"] = "manual"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")
    import django

    django.setup()
    from django.http import HttpResponse
    from django.test import RequestFactory

    from accesslog.buffer import buffer
    from accesslog.middleware import AccessLogMiddleware

    response = HttpResponse("ok")
    middleware = AccessLogMiddleware(lambda request: response)
    request = RequestFactory().get("/en/privacy/", REMOTE_ADDR="192.0.2.10")
    buffer.flush()  # opens the database connection outside the measurement
    started = time.process_time()
    for _ in range(requests):
        middleware(request)
    per_request = (time.process_time() - started) / requests * 1e6
    started = time.process_time()
    while len(buffer):
        buffer.flush()
    per_row = (time.process_time() - started) / requests * 1e6
    return per_request, per_row


def main() -> int:
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": DATABASE_URL, "DJANGO_SETTINGS_MODULE": "ilumen_site.settings",
           "ERASURE_HMAC_KEY": "bench-only-erasure-key-" + "y" * 30, "ACCESS_LOG_WRITER": "thread"}
    _prepare(env)
    ports = {"on": free_port(), "off": free_port()}
    servers = {
        name: _server({**env, "ACCESS_LOG_ENABLED": str(name == "on")}, port) for name, port in ports.items()
    }
    rps: dict[tuple[str, str], list[float]] = {(name, path): [] for name in ports for path in PATHS}
    # CPU per request hardly depends on what else the machine is doing, unlike throughput.
    cpu: dict[tuple[str, str], list[float]] = {(name, path): [] for name in ports for path in PATHS}
    served_on = 0
    try:
        for port in ports.values():
            _wait_up(f"http://127.0.0.1:{port}")
        for path in PATHS:  # warm-up: caches, connections, first-request imports
            for port in ports.values():
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()
        rows_before = _pageviews(env)
        for round_number in range(ROUNDS):
            order = ("off", "on") if round_number % 2 == 0 else ("on", "off")
            for name in order:
                for path in PATHS:
                    before = _cpu_seconds(servers[name].pid)
                    value, requests = _wrk(f"http://127.0.0.1:{ports[name]}{path}")
                    cpu[name, path].append((_cpu_seconds(servers[name].pid) - before) / requests * 1e6)
                    rps[name, path].append(value)
                    if name == "on":
                        served_on += requests
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)  # gunicorn stops its workers; they flush at exit
        for server in servers.values():
            server.wait(timeout=60)
    written = _pageviews(env) - rows_before
    print(f"\n{WORKERS} gunicorn workers (gthread x4) per server, wrk {CONNECTIONS} connections, "
          f"{ROUNDS} rounds x {DURATION}s per path and setting\n")
    print(f"{'path':16} {'req/s off':>10} {'req/s on':>9} {'on/off':>7} {'CPU us/req off':>15} {'on':>6} "
          f"{'off/on':>7}   per-round req/s on/off")
    worst = None
    for path in PATHS:
        off, on = statistics.median(rps["off", path]), statistics.median(rps["on", path])
        # Each round's on-run next to its off-run: the median of these paired ratios is what
        # drift on a shared machine disturbs least.
        paired = [a / b for a, b in zip(rps["on", path], rps["off", path], strict=True)]
        ratio = statistics.median(paired)
        cpu_off, cpu_on = statistics.median(cpu["off", path]), statistics.median(cpu["on", path])
        worst = min(ratio, cpu_off / cpu_on) if worst is None else min(worst, ratio, cpu_off / cpu_on)
        print(f"{path:16} {off:10.0f} {on:9.0f} {ratio:7.3f} {cpu_off:15.0f} {cpu_on:6.0f} {cpu_off / cpu_on:7.3f}   "
              f"{' '.join(f'{v:.2f}' for v in paired)}")
    print("\nthroughput ratio = median of paired req/s ratios; CPU ratio = server CPU per request off/on, the")
    print("throughput a CPU-bound server would keep with the log on (the database's COPY work is not in it).")
    print(f"lowest of the two ratios: {worst:.3f} ({1 - worst:+.1%} slower; target under 10%)")
    per_request, per_row = _inprocess_cost(env)
    print(f"in-process: the middleware adds {per_request:.1f} us of CPU per request; the writer {per_row:.1f} us "
          f"per row (Python side of COPY, in the worker's own thread)")
    print(f"rows written by the log-on server: {written} for {served_on} requests served (wrk's count; "
          f"it stops mid-request, so a few more may have been served)")
    return 0 if written >= served_on else 1


if __name__ == "__main__":
    sys.exit(main())
