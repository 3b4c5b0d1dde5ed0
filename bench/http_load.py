"""HTTP load benchmark: gunicorn on 127.0.0.1 under wrk, against a bare view of the same server.

Run with `bench/http_load.sh` (or `make bench-http`). Prints, per scenario, requests per
second, p50 and p99 latency and errors, and the ratio to the bare view measured in the
same run. Then the comparison the target is about, measured so that load elsewhere on the
machine cancels out: ROUNDS rounds (default 9) of PAIRED_SECONDS each (default 4) for the
bare view, the English statement for a first visit (no cookies: a new CSRF secret per
request) and for a returning visitor (CSRF and consent cookies), in rotating order; each
round's statement figure is divided by the same round's bare figure, and the median of
those paired ratios is reported. The paired rounds also report the gunicorn processes' own
CPU time per request (from /proc), which the machine's other load barely moves: the bare
view's CPU per request divided by the statement's is the share of the bare view's request
rate the same server CPU gives the statement. Bounded in time: DURATION seconds per scenario (default
10), the paired rounds, and a final SOAK_SECONDS run (default 30) at 256 connections.
"""

import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loopback import PRODUCTION_ON_LOOPBACK, free_port  # noqa: E402

PYTHON = sys.executable
DURATION = int(os.environ.get("DURATION", "10"))
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
ROUNDS = int(os.environ.get("ROUNDS", "9"))
PAIRED_SECONDS = int(os.environ.get("PAIRED_SECONDS", "4"))
WORKERS = int(os.environ.get("WORKERS", str(2 * (os.cpu_count() or 1) + 1)))

BENCH_ENV = {
    **PRODUCTION_ON_LOOPBACK,
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
    "CONN_MAX_AGE": "60",
    "EMAIL_URL": "dummymail://",
    "LOG_LEVEL": "WARNING",
    # Rate limits raised for the run: the load comes from one address.
    "RATE_LIMIT_MULTIPLIER": "100000",
}


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    server_cpu_us: float | None = None  # the server's CPU time per request, when measured


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _cpu_seconds(process_group: int) -> float:
    """User and system CPU time used so far by the processes of a process group (Linux /proc)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == process_group:  # fields from the state on: state, ppid, pgrp, …
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _wrk(
    name: str, url: str, connections: int, seconds: int, script: Path | None = None, cookie: str | None = None,
    server_group: int | None = None,
) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    cpu_before = _cpu_seconds(server_group) if server_group else 0.0
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    cpu_used = _cpu_seconds(server_group) - cpu_before if server_group else 0.0
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    server_cpu_us = cpu_used / requests * 1e6 if server_group and requests else None
    return Result(name, rps, _ms(*p50.groups()), _ms(*p99.groups()), errors, requests, server_cpu_us)


def _post_script(path: str, form: dict[str, str], base: str) -> Path:
    """A wrk Lua script that POSTs a form with a valid CSRF cookie and token."""
    with urllib.request.urlopen(base + "/en/") as response:  # noqa: S310 - loopback only
        cookie = response.headers.get("Set-Cookie", "")
        html = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    body = "&".join(f"{k}={v}" for k, v in {**form, "csrfmiddlewaretoken": token}.items())
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.path = "{path}"\n'
        f'wrk.body = "{body}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = "csrftoken={csrf_cookie}"\n'
        f'wrk.headers["Referer"] = "{base}/en/"\n'
    )
    return script


def _prepare(env: dict[str, str]) -> None:
    db_name = env["DATABASE_URL"].rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db_name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)
    for args in (["migrate", "--noinput", "-v0"], ["load_statements"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    env = {**os.environ, **BENCH_ENV}
    _prepare(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "bench.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
         "--worker-class", "gthread", "--threads", "4", "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/bench/bare", timeout=1)  # noqa: S310 - loopback only
                break
            except OSError:
                time.sleep(0.2)
        scenarios: list[tuple[str, str, Path | None]] = [
            ("bare view (baseline)", "/bench/bare", None),
            ("home page", "/en/", None),
            ("privacy statement (nl)", "/nl/privacy/", None),
            ("privacy statement (en)", "/en/privacy/", None),
        ]
        for name, path, form in _posted_scenarios():
            scenarios.append((name, path, _post_script(path, form, base)))
        results = [_wrk(name, base + path, CONNECTIONS, DURATION, script) for name, path, script in scenarios]
        paired = _paired_rounds(base, server.pid)
        soak = _wrk("privacy statement (en), 256 connections", base + "/en/privacy/", 256, SOAK_SECONDS)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    baseline = results[0].rps
    print(f"\nworkers={WORKERS} (gthread x4), {CONNECTIONS} connections, {DURATION}s per scenario\n")
    print(f"{'scenario':45} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in [*results, soak]:
        print(f"{r.name:45} {r.rps:9.0f} {r.rps / baseline:7.2f} {r.p50_ms:8.1f} {r.p99_ms:8.1f} {r.errors:7d}")
    bare = paired.pop("bare view")
    print(f"\n{ROUNDS} rotating rounds of {PAIRED_SECONDS}s, {CONNECTIONS} connections: median paired ratio to the"
          f" bare view (median {statistics.median(r.rps for r in bare):.0f} req/s)\n")
    print(f"{'scenario':45} {'req/s':>9} {'ratio':>7} {'quartiles':>13} {'errors':>7}"
          f" {'server CPU µs/req':>18} {'CPU ratio':>10}")
    bare_cpu = statistics.median(b.server_cpu_us for b in bare)
    print(f"{'bare view':45} {statistics.median(b.rps for b in bare):9.0f} {1:7.2f} {'':13} "
          f"{sum(b.errors for b in bare):7d} {bare_cpu:18.0f} {1:10.2f}")
    ratios: dict[str, float] = {}
    cpu_ratios: dict[str, float] = {}
    for name, rounds in paired.items():
        pairs = list(zip(rounds, bare, strict=True))
        each = sorted(r.rps / b.rps for r, b in pairs)
        q1, _median, q3 = statistics.quantiles(each, n=4) if len(each) > 1 else (each[0],) * 3
        ratios[name] = statistics.median(each)
        cpu = statistics.median(r.server_cpu_us for r in rounds)
        cpu_ratios[name] = statistics.median(b.server_cpu_us / r.server_cpu_us for r, b in pairs)
        print(f"{name:45} {statistics.median(r.rps for r in rounds):9.0f} {ratios[name]:7.2f}"
              f" {q1:6.2f}-{q3:5.2f} {sum(r.errors for r in rounds):7d} {cpu:18.0f} {cpu_ratios[name]:10.2f}")
    print(f"\nprivacy statement at {ratios[FIRST_VISIT]:.0%} of the bare view's requests per second for a first"
          f" visit, {ratios[RETURNING]:.0%} for a returning visitor (target >= 70%); by server CPU per request"
          f" {cpu_ratios[FIRST_VISIT]:.0%} and {cpu_ratios[RETURNING]:.0%}; "
          f"errors at 256 connections for {SOAK_SECONDS}s: {soak.errors} (target 0)")
    return 0


FIRST_VISIT = "privacy statement (en), first visit"
RETURNING = "privacy statement (en), returning visitor"


def _paired_rounds(base: str, server_group: int) -> dict[str, list[Result]]:
    from bench.visitors import returning_visitor_cookie

    cookie = returning_visitor_cookie(base, "/en/privacy/")
    variants: list[tuple[str, str, str | None]] = [
        ("bare view", "/bench/bare", None), (FIRST_VISIT, "/en/privacy/", None), (RETURNING, "/en/privacy/", cookie),
    ]
    results: dict[str, list[Result]] = {name: [] for name, _path, _cookie in variants}
    for round_number in range(ROUNDS):
        shift = round_number % len(variants)
        for name, path, with_cookie in variants[shift:] + variants[:shift]:
            results[name].append(
                _wrk(name, base + path, CONNECTIONS, PAIRED_SECONDS, cookie=with_cookie, server_group=server_group)
            )
    return results


def _posted_scenarios() -> list[tuple[str, str, dict[str, str]]]:
    """Form posts, when the apps that answer them are installed."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    found = []
    with translation.override("en"):
        for name, url_name, form in (
            ("consent decision (reject all)", "consent:decide", {"action": "reject", "next": "/en/"}),
            ("newsletter subscription", "newsletter:subscribe", {
                "email": "bench@example.com", "language": "en", "topics": "1", "consent": "on",
            }),
        ):
            try:
                found.append((name, reverse(url_name), form))
            except NoReverseMatch:
                print(f"skipping {name}: no URL named {url_name}")
    return found


if __name__ == "__main__":
    import django

    os.environ.update(BENCH_ENV)
    django.setup()
    sys.exit(main())
