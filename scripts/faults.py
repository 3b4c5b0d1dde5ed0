"""Fault suite (`make faults`): the site against private PostgreSQL, Redis and SMTP
instances started on free loopback ports, so the shared services are never touched.

Each scenario breaks one part while the site works, repairs it, and reports what was
lost (target: nothing). Run: `.venv/bin/python scripts/faults.py [scenario ...]`.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PrivatePostgres:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.datadir = workdir / "pg"
        self.datadir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(self.datadir), "-A", "trust", "-U", "postgres"]),
            check=True, stdout=subprocess.DEVNULL,
        )
        self.start()
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "ilumen"], check=True
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/ilumen"

    def start(self) -> None:
        subprocess.run(
            _as_postgres([
                str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-l", str(self.datadir / "log"),
                "-o", f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1", "start",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "stop"]),
            check=False, stdout=subprocess.DEVNULL,
        )


class PrivateRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Site:
    """gunicorn (and optionally Celery processes) configured for the private services."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> None:
        subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def spawn(self, *cmd: str) -> subprocess.Popen:
        process = subprocess.Popen(list(cmd), cwd=ROOT, env=self.env, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def start_web(self) -> None:
        self.spawn(PYTHON, "-m", "gunicorn", "ilumen_site.wsgi", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--timeout", "30")
        wait_for_port(self.port)

    def stop_all(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        self.processes.clear()

    def get(self, path: str, timeout: float = 5.0) -> int:
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0


@dataclass
class Report:
    scenario: str
    lost: int
    details: str


def site_env(pg: PrivatePostgres, redis: PrivateRedis, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "fault-suite-secret-key-" + "f" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "SECURE_COOKIES": "False",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": pg.url,
        "REDIS_URL": redis.url(1),
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "ERROR",
        **extra,
    }


def scenario_redis_down_pages(pg: PrivatePostgres, redis: PrivateRedis, site: Site) -> Report:
    """Redis stopped: every public page still serves (the cache degrades)."""
    pages = ["/nl/", "/en/", "/nl/privacy/", "/en/privacy/history/", "/en/legal-notice/", "/healthz"]
    redis.stop()
    try:
        failures = [p for p in pages if p != "/healthz" and site.get(p) != 200]
    finally:
        redis.start()
    return Report("Redis stopped: pages still serve", len(failures), f"failed: {failures or 'none'}")


def scenario_postgres_restart_under_load(pg: PrivatePostgres, redis: PrivateRedis, site: Site) -> Report:
    """PostgreSQL restarted under load: failures only while it is down, then recovery by itself."""
    results: list[tuple[float, float, int]] = []  # (started, finished, status)
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            started = time.monotonic()
            # A path that needs the database on every request (a new query string each time).
            status = site.get("/en/privacy/history/?n=" + str(len(results)))
            results.append((started, time.monotonic(), status))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    down_at = time.monotonic()
    pg.stop(mode="immediate")
    time.sleep(3)
    pg.start()
    up_at = time.monotonic()
    time.sleep(5)
    stop.set()
    for thread in threads:
        thread.join()
    before = [s for start, end, s in results if end < down_at]
    after = [s for start, end, s in results if start > up_at + 1]  # a second for workers to reconnect
    lost = sum(s != 200 for s in before) + sum(s != 200 for s in after)
    during = [s for start, end, s in results if end >= down_at and start <= up_at + 1]
    return Report(
        "PostgreSQL restarted under load", lost,
        f"{len(results)} requests; before: {len(before)} ok={before.count(200)}; "
        f"while down: {len(during)} failed={sum(s != 200 for s in during)}; "
        f"after recovery: {len(after)} ok={after.count(200)}",
    )


SCENARIOS: dict[str, Callable[[PrivatePostgres, PrivateRedis, Site], Report]] = {
    "redis-pages": scenario_redis_down_pages,
    "postgres-restart": scenario_postgres_restart_under_load,
}


@contextlib.contextmanager
def environment() -> Iterator[tuple[PrivatePostgres, PrivateRedis, Site]]:
    workdir = Path(tempfile.mkdtemp(prefix="ilumen-faults-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    pg = PrivatePostgres(workdir)
    redis = PrivateRedis()
    site = Site(site_env(pg, redis))
    try:
        site.manage("migrate", "--noinput", "-v0")
        site.manage("load_statements")
        site.manage("collectstatic", "--noinput", "-v0")
        site.start_web()
        yield pg, redis, site
    finally:
        site.stop_all()
        redis.stop()
        pg.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main(names: list[str]) -> int:
    if PG_BIN is None or not shutil.which("redis-server"):
        print("PostgreSQL server binaries and redis-server are needed for the fault suite.", file=sys.stderr)
        return 1
    selected = names or list(SCENARIOS)
    reports = []
    with environment() as (pg, redis, site):
        for name in selected:
            print(f"running {name} …", flush=True)
            reports.append(SCENARIOS[name](pg, redis, site))
    print(f"\n{'scenario':45} {'lost':>5}  details")
    for report in reports:
        print(f"{report.scenario:45} {report.lost:5d}  {report.details}")
    total = sum(r.lost for r in reports)
    print(f"\nlost in total: {total} (target: 0)")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
