"""HTTP load benchmark: gunicorn on 127.0.0.1 under wrk, against a bare view of the same server.

Run with `bench/http_load.sh` (or `make bench-http`). Prints, per scenario, requests per
second, p50 and p99 latency and errors, and the ratio to the bare view measured in the
same run. Then the comparison the target is about, measured so that load elsewhere on the
machine cancels out: ROUNDS rounds (default 9) of PAIRED_SECONDS each (default 4) for the
bare view, the English statement for a first visit (no cookies) and for a returning
visitor (the consent cookie, after "accept all" on the banner), in rotating order; each
round's statement figure is divided by the same round's bare figure, and the median of
those paired ratios is reported. The paired rounds also report the gunicorn processes' own
CPU time per request (from /proc), which the machine's other load barely moves: the bare
view's CPU per request divided by the statement's is the share of the bare view's request
rate the same server CPU gives the statement. The form posts get paired rounds of their own
against a bare write view (one row inserted in one transaction, through the same middleware,
posted with the same headers as the site's forms, and their CSRF cookie and token if they carry one):
a consent decision and a newsletter subscription, ROUNDS rounds of POST_SECONDS (default 8) at
POST_CONNECTIONS (default 8). The server runs as production does: a Redis broker, and a transactional Celery
worker that sends the confirmations from the outbox into a local SMTP sink, outside the request.
Bounded in time: DURATION seconds per scenario (default 10), the paired rounds, and a final
SOAK_SECONDS run (default 30) at 256 connections.
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
import urllib.parse
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
# Form posts: fewer connections and longer rounds, so the work still in flight when a round ends
# (counted in the server's CPU, not in its requests) stays small against the requests completed.
POST_CONNECTIONS = int(os.environ.get("POST_CONNECTIONS", "8"))
POST_SECONDS = int(os.environ.get("POST_SECONDS", "8"))
WORKERS = int(os.environ.get("WORKERS", str(2 * (os.cpu_count() or 1) + 1)))

BENCH_ENV = {
    **PRODUCTION_ON_LOOPBACK,
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ilumen_bench"),
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
    "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11"),
    "CONN_MAX_AGE": "60",
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
    """A wrk Lua script that POSTs a form as a browser does: CSRF cookie and token, Origin and
    Sec-Fetch-Site headers; an "email" field gets a new address per request (a new subscriber
    each time, as on the site, not one address over and over)."""
    with urllib.request.urlopen(base + "/en/") as response:  # noqa: S310 - loopback only
        cookie = re.search(r"csrftoken=([^;]+)", "\n".join(response.headers.get_all("Set-Cookie") or []))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    fields = {**form, **({"csrfmiddlewaretoken": token.group(1)} if token else {})}
    body = urllib.parse.urlencode(fields).replace("%40", "@")
    unique = (
        'local n = 0\nfunction request()\n  n = n + 1\n'
        '  return wrk.format(nil, nil, nil, (body:gsub("@", "-" .. os.time() .. "-" .. tid .. "-" .. n .. "@")))\nend\n'
    )
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        'local threads = 0\nfunction setup(thread)\n  threads = threads + 1\n  thread:set("tid", threads)\nend\n'
        'wrk.method = "POST"\n'
        f'wrk.path = "{path}"\n'
        f'body = "{body}"\n'
        'wrk.body = body\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        + (f'wrk.headers["Cookie"] = "csrftoken={cookie.group(1)}"\n' if cookie else "")
        + f'wrk.headers["Origin"] = "{base}"\n'
        'wrk.headers["Sec-Fetch-Site"] = "same-origin"\n'
        f'wrk.headers["Referer"] = "{base}/en/"\n'
        + (unique if "email" in form else "")
    )
    return script


def _prepare(env: dict[str, str]) -> None:
    import psycopg

    from bench.urls import WRITE_TABLE_SQL

    db_name = env["DATABASE_URL"].rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", db_name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db_name], check=True)
    for args in (["migrate", "--noinput", "-v0"], ["load_statements"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(WRITE_TABLE_SQL)
    import redis

    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()  # no tasks left from an earlier run


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    from bench.newsletter_send import start_sink

    smtp_port = free_port()
    env = {**os.environ, **BENCH_ENV, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
    _prepare(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sink = start_sink(smtp_port)
    # As deployed (docs/deploy.md): the transactional worker sends what the web requests queue.
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "ilumen_site", "worker", "-Q", "transactional", "-c", "1", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, start_new_session=True,
    )
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
        posts = [(name, path, _post_script(path, form, base)) for name, path, form in _posted_scenarios()]
        results = [_wrk(name, base + path, CONNECTIONS, DURATION, script) for name, path, script in scenarios + posts]
        paired = _paired_rounds(base, server.pid, _page_variants(base), CONNECTIONS, PAIRED_SECONDS)
        paired_posts = _paired_rounds(
            base, server.pid, [(name, path, None, script) for name, path, script in posts], POST_CONNECTIONS,
            POST_SECONDS,
        )
        soak = _wrk("privacy statement (en), 256 connections", base + "/en/privacy/", 256, SOAK_SECONDS)
        outbox = _outbox_counts(env)
    finally:
        for process in (server, worker):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (server, worker):
            process.wait(timeout=30)
        sink.terminate()
        sink.wait(timeout=10)
    baseline = results[0].rps
    print(f"\nworkers={WORKERS} (gthread x4), {CONNECTIONS} connections, {DURATION}s per scenario, "
          f"load average {os.getloadavg()[0]:.1f}\n")
    print(f"{'scenario':45} {'req/s':>9} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in [*results, soak]:
        print(f"{r.name:45} {r.rps:9.0f} {r.rps / baseline:7.2f} {r.p50_ms:8.1f} {r.p99_ms:8.1f} {r.errors:7d}")
    ratios, cpu_ratios = _paired_table(paired, CONNECTIONS, PAIRED_SECONDS)
    post_ratios, post_cpu_ratios = _paired_table(paired_posts, POST_CONNECTIONS, POST_SECONDS)
    print(f"\nprivacy statement at {ratios[FIRST_VISIT]:.0%} of the bare view's requests per second for a first"
          f" visit, {ratios[RETURNING]:.0%} for a returning visitor; by server CPU per request"
          f" {cpu_ratios[FIRST_VISIT]:.0%} and {cpu_ratios[RETURNING]:.0%}; "
          f"errors at 256 connections for {SOAK_SECONDS}s: {soak.errors} (target 0)")
    for name, target in ((CONSENT, 0.5), (SUBSCRIBE, 0.3)):
        if name in post_cpu_ratios:
            print(f"{name}: {post_cpu_ratios[name]:.2f} of the bare write by server CPU per request, "
                  f"{post_ratios[name]:.2f} by requests per second (target >= {target})")
    print(f"outbox after the run (confirmations, sent by the worker): {outbox}")
    return 0


FIRST_VISIT = "privacy statement (en), first visit"
RETURNING = "privacy statement (en), returning visitor"
BARE_WRITE = "bare write (one row, one transaction)"
CONSENT = "consent decision (reject all)"
SUBSCRIBE = "newsletter subscription"

Variant = tuple[str, str, str | None, Path | None]  # name, path, cookie, wrk script


def _page_variants(base: str) -> list[Variant]:
    from bench.visitors import returning_visitor_cookie

    cookie = returning_visitor_cookie(base, "/en/privacy/")
    return [
        ("bare view", "/bench/bare", None, None), (FIRST_VISIT, "/en/privacy/", None, None),
        (RETURNING, "/en/privacy/", cookie, None),
    ]


def _paired_rounds(
    base: str, server_group: int, variants: list[Variant], connections: int, seconds: int,
) -> dict[str, list[Result]]:
    """ROUNDS rounds of every variant in rotating order, so the machine's other load hits each alike."""
    results: dict[str, list[Result]] = {variant[0]: [] for variant in variants}
    for round_number in range(ROUNDS):
        shift = round_number % len(variants)
        for name, path, cookie, script in variants[shift:] + variants[:shift]:
            results[name].append(_wrk(
                name, base + path, connections, seconds, script=script, cookie=cookie, server_group=server_group,
            ))
    return results


def _paired_table(
    paired: dict[str, list[Result]], connections: int, seconds: int,
) -> tuple[dict[str, float], dict[str, float]]:
    """Print each variant against the first (the baseline) round by round; return the median ratios
    by requests per second and by the baseline's server CPU per request divided by the variant's.
    A round in which either side completed no request has no CPU per request and is left out."""
    (base_name, all_bare), *others = paired.items()
    bare = [b for b in all_bare if b.server_cpu_us]
    print(f"\n{ROUNDS} rotating rounds of {seconds}s, {connections} connections, load average "
          f"{os.getloadavg()[0]:.1f}: median paired ratio to the {base_name}"
          f" (median {statistics.median(r.rps for r in all_bare):.0f} req/s)\n")
    print(f"{'scenario':45} {'req/s':>9} {'ratio':>7} {'quartiles':>13} {'errors':>7}"
          f" {'server CPU µs/req':>18} {'CPU ratio':>10} {'quartiles':>13}")
    print(f"{base_name:45} {statistics.median(b.rps for b in bare):9.0f} {1:7.2f} {'':13} "
          f"{sum(b.errors for b in bare):7d} {statistics.median(b.server_cpu_us for b in bare):18.0f} {1:10.2f}")
    ratios: dict[str, float] = {}
    cpu_ratios: dict[str, float] = {}
    for name, rounds in others:
        pairs = [(r, b) for r, b in zip(rounds, all_bare, strict=True) if r.server_cpu_us and b.server_cpu_us]
        each = [r.rps / b.rps for r, b in pairs]
        each_cpu = [b.server_cpu_us / r.server_cpu_us for r, b in pairs]
        ratios[name], cpu_ratios[name] = statistics.median(each), statistics.median(each_cpu)
        print(f"{name:45} {statistics.median(r.rps for r in rounds):9.0f} {ratios[name]:7.2f} {_quartiles(each):>13}"
              f" {sum(r.errors for r in rounds):7d} {statistics.median(r.server_cpu_us for r, _b in pairs):18.0f}"
              f" {cpu_ratios[name]:10.2f} {_quartiles(each_cpu):>13} ({len(pairs)} rounds)")
    return ratios, cpu_ratios


def _quartiles(values: list[float]) -> str:
    q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else (values[0],) * 3
    return f"{q1:.2f}-{q3:.2f}"


def _outbox_counts(env: dict[str, str]) -> dict[str, int]:
    import psycopg

    time.sleep(2)  # the worker's last confirmations
    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM newsletter_outboxmessage GROUP BY status").fetchall())


def _posted_scenarios() -> list[tuple[str, str, dict[str, str]]]:
    """Form posts, the bare write first (their baseline), when the apps that answer them are installed."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    found = [(BARE_WRITE, "/bench/write", {"note": "bench"})]
    with translation.override("en"):
        for name, url_name, form in (
            (CONSENT, "consent:decide", {"action": "reject", "next": "/en/"}),
            (SUBSCRIBE, "newsletter:subscribe", {
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
