"""What the cookie-consent system costs: the privacy page with it on, as a ratio to the page with it off.

Two gunicorn servers on 127.0.0.1 run the same code, settings and database, differing only
in CONSENT_ENABLED. They are measured one at a time with wrk (never both under load at
once, so they do not share the CPU), in many short rounds whose order rotates, and each
round's "on" figure is divided by the same round's "off" figure: the ratio printed is the
median of those paired ratios, so load from elsewhere on the machine, which drifts over
seconds, cancels out as far as it can. Each round also measures the serving gunicorn's own CPU
time per request (from /proc), which that load moves least: "off" CPU per request divided by
"on" CPU per request is the CPU ratio, the figure the target is about. Scenarios:

  off                 CONSENT_ENABLED=False: no middleware, no banner, no gating (baseline)
  on, valid consent   a returning visitor: signed consent cookie, banner hidden (the common case)
  on, first visit     no consent cookie: the banner with its settings layer is rendered

Bounded in time: ROUNDS x 3 x DURATION seconds of load (default 12 x 3 x 2 s) plus start-up.

    .venv/bin/python bench/consent_overhead.py
    DURATION=3 ROUNDS=20 CONNECTIONS=32 .venv/bin/python bench/consent_overhead.py
"""

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import _cpu_seconds  # noqa: E402
from bench.loopback import PRODUCTION_ON_LOOPBACK, free_port  # noqa: E402

PYTHON = sys.executable
DURATION = int(os.environ.get("DURATION", "2"))
ROUNDS = int(os.environ.get("ROUNDS", "12"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "16"))
WORKERS = int(os.environ.get("WORKERS", "2"))
PAGE = "/en/privacy/"

ENV = {
    **PRODUCTION_ON_LOOPBACK,
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_consent_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"),
    "CACHE_KEY_PREFIX": "consent-bench",
    "CONN_MAX_AGE": "60",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
    "RATE_LIMIT_MULTIPLIER": "100000",
}


def _prepare(env: dict[str, str]) -> None:
    url = urllib.parse.urlsplit(env["DATABASE_URL"])
    if url.scheme.startswith("postgres"):
        name, host, user = url.path.lstrip("/"), url.hostname or "127.0.0.1", url.username or "postgres"
        subprocess.run(["dropdb", "-h", host, "-U", user, "--if-exists", name], check=True)
        subprocess.run(["createdb", "-h", host, "-U", user, name], check=True)
    for args in (["migrate", "--noinput", "-v0"], ["load_statements"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                       timeout=300)


def _start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "ilumen_site.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + PAGE, timeout=2)  # noqa: S310 - loopback only
            return server, base
        except OSError:
            time.sleep(0.2)
    _stop(server)
    raise RuntimeError(f"the server on {base} did not start")


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def _wrk(url: str, cookie: str | None, server_group: int, seconds: int = DURATION) -> tuple[float, int, float]:
    """Requests per second, failed requests, and the server's CPU µs per request."""
    cmd = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cpu_before = _cpu_seconds(server_group)
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    cpu_used = _cpu_seconds(server_group) - cpu_before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, errors + (int(non_2xx.group(1)) if non_2xx else 0), cpu_used / max(requests, 1) * 1e6


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    env = {**os.environ, **ENV}
    _prepare(env)
    off_server, off_base = _start({**env, "CONSENT_ENABLED": "False"})
    try:
        on_server, on_base = _start({**env, "CONSENT_ENABLED": "True"})
    except RuntimeError:
        _stop(off_server)
        raise
    try:
        from bench.visitors import returning_visitor_cookie

        cookie = returning_visitor_cookie(on_base, PAGE)
        scenarios = {
            "off (baseline)": (off_base, cookie, off_server.pid),
            "on, valid consent": (on_base, cookie, on_server.pid),
            "on, first visit": (on_base, None, on_server.pid),
        }
        results: dict[str, list[float]] = {name: [] for name in scenarios}
        cpu: dict[str, list[float]] = {name: [] for name in scenarios}
        errors = 0
        for base, header, group in scenarios.values():  # warm-up: caches, database connections, every worker
            _wrk(base + PAGE, header, group, seconds=2)
        names = list(scenarios)
        for round_number in range(ROUNDS):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                base, header, group = scenarios[name]
                rps, failed, cpu_us = _wrk(base + PAGE, header, group)
                results[name].append(rps)
                cpu[name].append(cpu_us)
                errors += failed
    finally:
        _stop(off_server)
        _stop(on_server)
    off, off_cpu = results["off (baseline)"], cpu["off (baseline)"]
    print(f"\nprivacy page {PAGE}: gunicorn {WORKERS} workers (gthread x4) per server, wrk {CONNECTIONS} connections,"
          f" {ROUNDS} rotating rounds of {DURATION}s per scenario")
    print(f"{'scenario':22} {'median req/s':>13} {'paired ratio':>13} {'ratio quartiles':>17}"
          f" {'server CPU µs/req':>18} {'CPU ratio':>10}")
    cpu_ratios: dict[str, float] = {}
    for name, values in results.items():
        ratios = sorted(on / base for on, base in zip(values, off, strict=True))
        q1, _median, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
        cpu_ratios[name] = statistics.median(base / on for on, base in zip(cpu[name], off_cpu, strict=True))
        print(f"{name:22} {statistics.median(values):13.0f} {statistics.median(ratios):13.2f}"
              f" {q1:8.2f} - {q3:5.2f} {statistics.median(cpu[name]):18.0f} {cpu_ratios[name]:10.2f}")
    ratio = statistics.median(on / base for on, base in zip(results["on, valid consent"], off, strict=True))
    print(f"\nconsent on (valid consent cookie) / off = {ratio:.2f} by requests per second,"
          f" {cpu_ratios['on, valid consent']:.2f} by server CPU per request; errors: {errors}")
    return 0 if errors == 0 else 2


if __name__ == "__main__":
    sys.exit(main())
