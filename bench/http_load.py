"""HTTP load benchmark: gunicorn on 127.0.0.1 under wrk, against a bare view of the same server.

Run with `bench/http_load.sh` (or `make bench-http`). Prints, per scenario, requests per
second, p50 and p99 latency and errors, and the ratio to the bare view measured in the
same run. Then the comparison the target is about, measured so that load elsewhere on the
machine cancels out: ROUNDS rounds (default 5) of PAIRED_SECONDS each (default 4) for the
bare view, the English statement for a first visit (no cookies: a new CSRF secret per
request) and for a returning visitor (CSRF and consent cookies), in rotating order; each
round's statement figure is divided by the same round's bare figure, and the median of
those paired ratios is reported. Bounded in time: DURATION seconds per scenario (default
10), the paired rounds, and a final SOAK_SECONDS run (default 30) at 256 connections.
"""

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DURATION = int(os.environ.get("DURATION", "10"))
SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "30"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "64"))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
PAIRED_SECONDS = int(os.environ.get("PAIRED_SECONDS", "4"))
WORKERS = int(os.environ.get("WORKERS", str(2 * (os.cpu_count() or 1) + 1)))

BENCH_ENV = {
    "DEBUG": "False",
    "ERASURE_HMAC_KEY": "bench-only-erasure-key-" + "y" * 30,
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "ROOT_URLCONF": "bench.urls",
    # Plain HTTP on loopback: no TLS redirect, no secure-only cookies.
    "SECURE_SSL_REDIRECT": "False",
    "SECURE_COOKIES": "False",
    "SECURE_HSTS_SECONDS": "0",
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(
    name: str, url: str, connections: int, seconds: int, script: Path | None = None, cookie: str | None = None
) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return Result(name, rps, _ms(*p50.groups()), _ms(*p99.groups()), errors)


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
    port = _free_port()
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
        paired = _paired_rounds(base)
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
    print(f"{'scenario':45} {'req/s':>9} {'ratio':>7} {'quartiles':>13} {'errors':>7}")
    ratios: dict[str, float] = {}
    for name, rounds in paired.items():
        each = sorted(r.rps / b.rps for r, b in zip(rounds, bare, strict=True))
        q1, _median, q3 = statistics.quantiles(each, n=4) if len(each) > 1 else (each[0],) * 3
        ratios[name] = statistics.median(each)
        print(f"{name:45} {statistics.median(r.rps for r in rounds):9.0f} {ratios[name]:7.2f}"
              f" {q1:6.2f}-{q3:5.2f} {sum(r.errors for r in rounds):7d}")
    print(f"\nprivacy statement at {ratios[FIRST_VISIT]:.0%} of the bare view for a first visit, "
          f"{ratios[RETURNING]:.0%} for a returning visitor (target >= 70%); "
          f"errors at 256 connections for {SOAK_SECONDS}s: {soak.errors} (target 0)")
    return 0


FIRST_VISIT = "privacy statement (en), first visit"
RETURNING = "privacy statement (en), returning visitor"


def _paired_rounds(base: str) -> dict[str, list[Result]]:
    from bench.visitors import returning_visitor_cookie

    cookie = returning_visitor_cookie(base, "/en/privacy/")
    variants: list[tuple[str, str, str | None]] = [
        ("bare view", "/bench/bare", None), (FIRST_VISIT, "/en/privacy/", None), (RETURNING, "/en/privacy/", cookie),
    ]
    results: dict[str, list[Result]] = {name: [] for name, _path, _cookie in variants}
    for round_number in range(ROUNDS):
        shift = round_number % len(variants)
        for name, path, with_cookie in variants[shift:] + variants[:shift]:
            results[name].append(_wrk(name, base + path, CONNECTIONS, PAIRED_SECONDS, cookie=with_cookie))
    return results


def _posted_scenarios() -> list[tuple[str, str, dict[str, str]]]:
    """Form posts, when the apps that answer them are installed."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    found = []
    with translation.override("en"):
        for name, url_name, form in (
            ("consent decision (reject all)", "privacy:consent", {"action": "reject", "next": "/en/"}),
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

    sys.path.insert(0, str(ROOT))
    os.environ.update(BENCH_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")
    django.setup()
    sys.exit(main())
