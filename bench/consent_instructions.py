"""What the cookie-consent system costs, counted in CPU instructions: the privacy page with consent on,
as a ratio to the same page with it off, each served in-process under valgrind's callgrind.

bench/consent_overhead.py measures the same ratio in time, through gunicorn and wrk; on a shared
machine its rounds move with the other load. An instruction count does not: the same code,
requests and data give the same count whatever else the machine runs, so this is the figure to
compare one change against another. It leaves out what a real server adds to both sides (HTTP
parsing, sockets), which makes the ratio a little lower than by time.

Each side is a fresh Python process running Django's WSGI handler against the benchmark database
(the settings of bench/consent_overhead.py), serving the privacy page to a returning visitor (the
consent cookie after "accept all", the same cookie sent to both sides) from the page cache. Each
side runs twice, with SMALL and LARGE requests; the difference divided by LARGE - SMALL is the
count per request, without start-up. About two minutes.

    .venv/bin/python bench/consent_instructions.py
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.consent_overhead import ENV, PAGE, _prepare  # noqa: E402

SMALL, LARGE = 100, 500
WARM_UP = 50


def _child() -> None:
    """One side: serve the page SMALL or LARGE times after a warm-up (run under callgrind)."""
    import django

    django.setup()
    from io import BytesIO

    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    cookie = os.environ.get("BENCH_COOKIE", "")

    def serve(method: str = "GET", path: str = PAGE, body: bytes = b"", headers: dict | None = None):
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            **({"HTTP_COOKIE": cookie} if cookie else {}), **(headers or {}),
        }
        answer: list = []
        content = handler(environ, lambda status, response_headers: answer.append((status, response_headers)))
        data = b"".join(content)
        content.close()
        return answer[0][0], dict(answer[0][1]), data

    if os.environ.get("BENCH_MAKE_COOKIE"):
        revision = re.search(rb'name="revision" value="(\d+)"', serve()[2]).group(1).decode()
        form = f"action=accept&source=banner&revision={revision}&next={PAGE}".encode()
        _status, headers, _data = serve("POST", "/en/privacy/consent/", form, {
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_ORIGIN": "http://127.0.0.1",
            "HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_REFERER": "http://127.0.0.1" + PAGE,
        })
        print(re.search(r"ilumen_consent=[^;]+", headers["Set-Cookie"]).group(0))
        return
    for _ in range(WARM_UP):
        status, headers, _data = serve()
    assert status.startswith("200") and headers.get("X-Page-Cache") == "hit", (status, headers)
    for _ in range(int(os.environ["BENCH_REQUESTS"])):
        serve()


def _instructions(env: dict[str, str], requests: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--child"],
        cwd=ROOT, env={**env, "BENCH_REQUESTS": str(requests), "PYTHONHASHSEED": "0"},
        capture_output=True, text=True, timeout=1800, check=True,
    )
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def main() -> int:
    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    env = {
        **os.environ, **ENV, "DJANGO_SETTINGS_MODULE": "ilumen_site.settings",
        # Under callgrind a request takes some fifty times as long: the per-process copies of the
        # page and the registry would expire every few dozen requests instead of every few
        # thousand, and their refetches would count as part of every request.
        "PAGE_CACHE_LOCAL_SECONDS": "600", "CONSENT_REGISTRY_LOCAL_SECONDS": "600",
    }
    _prepare(env)
    made = subprocess.run([sys.executable, __file__, "--child"], cwd=ROOT, env={**env, "BENCH_MAKE_COOKIE": "1"},
                          capture_output=True, text=True, timeout=300, check=True)
    env["BENCH_COOKIE"] = made.stdout.strip().splitlines()[-1]
    per_request = {}
    for side, enabled in (("on", "True"), ("off", "False")):
        side_env = {**env, "CONSENT_ENABLED": enabled}
        # Once without counting: the page is rendered and cached in Redis before either count,
        # so that neither count holds the rendering.
        subprocess.run([sys.executable, __file__, "--child"], cwd=ROOT, env={**side_env, "BENCH_REQUESTS": "1"},
                       check=True, timeout=300, capture_output=True)
        small, large = _instructions(side_env, SMALL), _instructions(side_env, LARGE)
        per_request[side] = (large - small) / (LARGE - SMALL)
    on, off = per_request["on"], per_request["off"]
    print(f"privacy page {PAGE}, returning visitor, page cache hit, in-process under callgrind:")
    print(f"  consent off: {off:,.0f} instructions per request")
    print(f"  consent on:  {on:,.0f} instructions per request ({on - off:+,.0f})")
    print(f"consent on / off = {off / on:.3f} by instructions per request (target >= 0.95)")
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        sys.exit(main())
