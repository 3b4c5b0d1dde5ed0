"""The browser half of the cookie audit: real Chromium (Debian's, through Playwright) visits the
pages once per consent state and writes down what it met, without judging any of it.

What it records, per state:
- every cookie in the browser's jar after each page (first party and third party), with the lifetime
  it was given when written (Chromium itself caps stored cookies at 400 days, so the jar alone would
  hide a longer lifetime), its attributes, the page, and the response (Set-Cookie) or script
  (`document.cookie`, `cookieStore.set`) that wrote it;
- every localStorage and sessionStorage key, per origin, in every frame, and the script that set it;
- every request to a host other than the site's own.

Playwright's sync API runs an event loop in its thread, so the run gets a thread of its own: the
caller (a management command, a test with its own browser running) is left as it was.
"""

import email.utils
import json
import re
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Runs in every frame before any of its scripts: reports each cookie or storage write with the
# call stack, whose first script address is the script that wrote it.
RECORDER = r"""
(() => {
  const report = (kind, value) => {
    const stack = new Error().stack || '';
    try { window.__cookieAuditRecord({kind, value: String(value), stack, href: location.href}); }
    catch (e) { /* the binding is missing only in frames the audit does not watch */ }
  };
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true, enumerable: cookie.enumerable,
    get() { return cookie.get.call(this); },
    set(value) { report('cookie', value); cookie.set.call(this, value); },
  });
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    let area = 'storage';
    try { area = this === window.localStorage ? 'localStorage' : 'sessionStorage'; } catch (e) {}
    report(area, key);
    return setItem.call(this, key, value);
  };
  if (window.cookieStore && window.cookieStore.set) {
    const set = window.cookieStore.set.bind(window.cookieStore);
    window.cookieStore.set = function (first, value) {
      const options = typeof first === 'object' ? first : {name: first, value: value};
      let text = options.name + '=' + options.value;
      if (options.expires) { text += '; expires=' + new Date(options.expires).toUTCString(); }
      if (options.domain) { text += '; domain=' + options.domain; }
      report('cookie', text);
      return set.apply(null, arguments);
    };
  }
})();
"""

GPC_SCRIPT = (
    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true, configurable: true});"
)

STORAGE_KEYS = """() => {
  const keys = (area) => { try { return Object.keys(window[area]); } catch (e) { return []; } };
  return [location.origin, keys('localStorage'), keys('sessionStorage')];
}"""

_STACK_URL = re.compile(r"(https?://[^\s()]+?)(?::\d+){1,2}\)?$", re.MULTILINE)


@dataclass(frozen=True)
class Step:
    """One page of the walk: a path to open, the language switcher to use on the current page, or the
    first link on the current page that matches a CSS selector (a page whose address the audit cannot
    know, such as a newsletter's web version; none there, nothing to walk)."""

    path: str = ""
    switch_to: str = ""  # a language code: submit the site's language switcher form for it
    follow: str = ""  # a CSS selector

    @property
    def label(self) -> str:
        if self.follow:
            return f"first link {self.follow}"
        return self.path or f"language switcher → {self.switch_to}"


@dataclass(frozen=True)
class Choice:
    """How a consent state is reached in the browser: nothing, the GPC signal, or a banner action."""

    key: str
    action: str = ""  # "", "accept", "reject" or "save"
    categories: frozenset[str] = frozenset()
    gpc: bool = False


@dataclass
class Write:
    """A cookie or storage write as it happened: which response or script, with which attributes."""

    name: str
    domain: str  # as the write asked for it, or the host that wrote it
    lifetime: int | None  # seconds; 0 = until the browser closes; negative = a deletion
    source: str
    attributes: dict = field(default_factory=dict)


@dataclass
class StateObservation:
    key: str
    cookies: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    storage: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    requests: dict[tuple[str, str], dict] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "cookies": sorted(
                ({k: v for k, v in c.items() if k != "written"} for c in self.cookies.values()),
                key=lambda c: (c["name"], c["domain"], c["path"]),
            ),
            "storage": sorted(self.storage.values(), key=lambda s: (s["origin"], s["area"], s["key"])),
            "requests": sorted(self.requests.values(), key=lambda r: (r["host"], r["url"])),
            "failures": self.failures,
        }


def parse_cookie_string(text: str, *, default_domain: str, now: float) -> Write | None:
    """A Set-Cookie header or a `document.cookie` assignment, as the browser reads it (RFC 6265 §5.2)."""
    pieces = text.split(";")
    name, sep, _value = pieces[0].partition("=")
    name = name.strip()
    if not sep or not name:
        return None
    attributes: dict[str, str] = {}
    for piece in pieces[1:]:
        key, _sep, value = piece.partition("=")
        attributes[key.strip().lower()] = value.strip()
    lifetime = 0  # neither a readable Max-Age nor Expires: until the browser closes
    max_age = attributes.get("max-age", "")
    if re.fullmatch(r"-?[0-9]+", max_age):
        lifetime = int(max_age) if int(max_age) > 0 else -1  # zero or less deletes it
    elif "expires" in attributes:
        try:
            seconds = email.utils.parsedate_to_datetime(attributes["expires"]).timestamp() - now
        except (TypeError, ValueError):
            seconds = None
        if seconds is not None:
            lifetime = int(seconds) if seconds >= 1 else -1  # a date past deletes it
    domain = attributes.get("domain", "").lstrip(".").lower() or default_domain
    return Write(name=name, domain=domain, lifetime=lifetime, source="", attributes=attributes)


def script_from_stack(stack: str, fallback: str) -> str:
    """The first script address in a JavaScript call stack; an inline script is its page's."""
    match = _STACK_URL.search(stack)
    return match.group(1) if match else f"{fallback} (inline script)"


def _same_domain(a: str, b: str) -> bool:
    return a.lstrip(".").lower() == b.lstrip(".").lower()


class _Walk:
    """One browser context walking the steps in one consent state."""

    def __init__(self, playwright, launch: dict, base_url: str, choice: Choice, steps: list[Step],
                 settle_ms: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.site_host = urlsplit(base_url).hostname or ""
        self.choice = choice
        self.steps = steps
        self.settle_ms = settle_ms
        self.observation = StateObservation(choice.key)
        self.writes: list[Write] = []
        self.responses: list = []
        self.page_label = ""
        options = {"locale": "nl-BE", "ignore_https_errors": True}
        if choice.gpc:
            options["extra_http_headers"] = {"Sec-GPC": "1"}
        # A fresh profile of its own that takes third-party cookies, as many visitors' browsers still do
        # (headless Chromium refuses them by default): the audit must see what a third party would set.
        self.profile = tempfile.TemporaryDirectory(prefix="cookie-audit-")
        preferences = Path(self.profile.name) / "Default" / "Preferences"
        preferences.parent.mkdir()
        preferences.write_text(json.dumps({"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}))
        self.context = playwright.chromium.launch_persistent_context(self.profile.name, **launch, **options)
        if choice.gpc:
            self.context.add_init_script(GPC_SCRIPT)
        self.context.add_init_script(RECORDER)
        self.context.expose_binding("__cookieAuditRecord", self._script_write)
        self.context.on("request", self._request)
        self.context.on("response", self._response)
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.set_default_timeout(15_000)

    # --- event handlers: they only write down, never call back into the browser ---

    def _script_write(self, _source, record: dict) -> None:
        now = time.time()
        href = record.get("href", "")
        source = script_from_stack(record.get("stack", ""), href)
        if record.get("kind") == "cookie":
            write = parse_cookie_string(record.get("value", ""), default_domain=urlsplit(href).hostname or "", now=now)
            if write is not None:
                write.source = source
                self.writes.append(write)
        else:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(href))
            self.writes.append(Write(name=f"{record['kind']}:{origin}:{record.get('value', '')}", domain="",
                                     lifetime=None, source=source))

    def _response(self, response) -> None:
        self.responses.append(response)

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https", "ws", "wss") or parts.hostname == self.site_host:
            return
        url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        try:
            frame_host = urlsplit(request.frame.url).hostname or ""
        except Exception:  # a service worker's request has no frame
            frame_host = ""
        entry = self.observation.requests.setdefault((parts.hostname or "", url), {
            "host": parts.hostname or "", "url": url, "type": request.resource_type, "page": self.page_label,
            "pages": [], "frame_hosts": [],
        })
        if self.page_label not in entry["pages"]:
            entry["pages"].append(self.page_label)
        # A third party's frame loads what it likes: its requests count as that party's.
        if frame_host and frame_host != self.site_host and frame_host not in entry["frame_hosts"]:
            entry["frame_hosts"].append(frame_host)

    # --- the walk ---

    def run(self) -> StateObservation:
        try:
            if self.choice.action:
                try:
                    self._choose()
                except Exception as problem:  # without the choice, the state's pages would be mislabelled
                    self._failed(f"{self.page_label}: the choice could not be made", problem)
                    return self.observation
            for step in self.steps:
                self.page_label = step.label
                try:
                    self._visit(step)
                except Exception as problem:  # one page failing must not lose the others
                    self._failed(step.label, problem)
                self._collect()
        finally:
            self.context.close()
            self.profile.cleanup()
        return self.observation

    def _failed(self, where: str, problem: Exception) -> None:
        self.observation.failures.append(f"{where}: {type(problem).__name__}: {problem}"[:500])

    def _visit(self, step: Step) -> None:
        if step.switch_to:
            button = self.page.locator(f"form.language-switcher button[name=language][value={step.switch_to}]")
            if not button.count():
                raise LookupError("no language switcher on the page before")
            with self.page.expect_navigation(wait_until="load"):
                button.click()
            self.page_label = self.page.url.removeprefix(self.base_url) + " (language switcher)"
        elif step.follow:
            links = self.page.locator(step.follow)
            href = links.first.get_attribute("href") if links.count() else None
            if href is None:
                return  # nothing to follow: no page to walk
            self.page.goto(urljoin(self.page.url, href), wait_until="load")
            self.page_label = self.page.url.removeprefix(self.base_url)
        else:
            self.page.goto(self.base_url + step.path, wait_until="load")
        self.page.wait_for_timeout(self.settle_ms)

    def _choose(self) -> None:
        """Make the state's choice through the banner, as a visitor would; what happened before the
        click belongs to "no choice", which has a walk of its own."""
        first = self.steps[0]
        self.page_label = f"{first.label} (choice)"
        self.page.goto(self.base_url + first.path, wait_until="load")
        banner = self.page.locator("#consent-banner")
        if not banner.count():
            raise LookupError("no cookie banner on the page")
        banner.wait_for(state="visible")
        self.writes.clear()
        self.responses.clear()
        self.observation.requests.clear()
        if self.choice.action == "save":
            banner.locator("[data-consent-open-settings]").click()
            for box in banner.locator("#consent-settings input[name=category]").all():
                box.set_checked(box.get_attribute("value") in self.choice.categories)
            banner.locator("#consent-settings button[name=action][value=save]").click()
        else:
            banner.locator(f"form[data-consent-form] button[name=action][value={self.choice.action}]").first.click()
        banner.wait_for(state="hidden")
        self.page.wait_for_timeout(self.settle_ms)
        self._collect()

    def _collect(self) -> None:
        """What the page left: the cookie jar, each frame's storage, and the writes that explain them."""
        now = time.time()
        for response in self.responses:
            try:
                headers = response.headers_array()
            except Exception:  # noqa: S112 - a response whose frame is gone keeps no headers
                continue
            host = urlsplit(response.url).hostname or ""
            for header in headers:
                if header["name"].lower() != "set-cookie":
                    continue
                for line in header["value"].split("\n"):  # Playwright joins repeated headers with newlines
                    write = parse_cookie_string(line, default_domain=host, now=now)
                    if write is not None:
                        write.source = response.url
                        self.writes.append(write)
        self.responses.clear()
        for cookie in self.context.cookies():
            self._cookie_seen(cookie, now)
        for frame in self.page.frames:
            try:
                origin, local, session = frame.evaluate(STORAGE_KEYS)
            except Exception:  # noqa: S112 - a frame that went away or has no document
                continue
            if origin in ("null", ""):
                continue
            for area, keys in (("localStorage", local), ("sessionStorage", session)):
                for key in keys:
                    self._storage_seen(area, origin, key)
        self.writes = [w for w in self.writes if w.lifetime is None][-200:]  # storage writes stay for the next page

    def _cookie_seen(self, cookie: dict, now: float) -> None:
        name, domain, path = cookie["name"], cookie["domain"], cookie["path"]
        writes = [w for w in self.writes if w.lifetime is not None and w.lifetime >= 0 and w.name == name]
        matching = [w for w in writes if _same_domain(w.domain, domain)] or writes
        entry = self.observation.cookies.setdefault((name, domain, path), {
            "name": name, "domain": domain, "path": path, "lifetime": 0, "written": False,
            "http_only": cookie.get("httpOnly", False), "secure": cookie.get("secure", False),
            "same_site": cookie.get("sameSite", ""), "page": self.page_label, "source": "", "pages": [],
        })
        if matching:
            # The lifetime the writer asked for: the longest of every write seen.
            lifetimes = [w.lifetime for w in matching] + ([entry["lifetime"]] if entry["written"] else [])
            entry.update(lifetime=max(lifetimes), written=True, source=entry["source"] or matching[-1].source)
        elif not entry["written"]:
            # Written before the audit could see it: what the jar holds (at most Chromium's cap).
            expires = cookie.get("expires", -1)
            entry["lifetime"] = 0 if expires is None or expires < 0 else max(int(expires - now), 1)
        if self.page_label not in entry["pages"]:
            entry["pages"].append(self.page_label)

    def _storage_seen(self, area: str, origin: str, key: str) -> None:
        entry = self.observation.storage.get((area, origin, key))
        if entry is None:
            marker = f"{area}:{origin}:{key}"
            source = next((w.source for w in reversed(self.writes) if w.name == marker), "")
            entry = self.observation.storage[(area, origin, key)] = {
                "area": area, "origin": origin, "host": urlsplit(origin).hostname or "", "key": key,
                "page": self.page_label, "source": source, "pages": [],
            }
        if self.page_label not in entry["pages"]:
            entry["pages"].append(self.page_label)


def observe(
    *, base_url: str, choices: Iterable[Choice], steps: list[Step], host_rules: str = "", settle_ms: int = 400,
    executable_path: str = "/usr/bin/chromium",
) -> list[StateObservation]:
    """Walk the steps once per choice, each in a fresh browser with a fresh profile; in a thread of its own."""
    result: list[StateObservation] = []
    failure: list[BaseException] = []

    def work() -> None:
        from playwright.sync_api import sync_playwright

        args = [*CHROMIUM_ARGS, *([f"--host-resolver-rules={host_rules}"] if host_rules else [])]
        launch = {"executable_path": executable_path, "args": args, "headless": True}
        try:
            with sync_playwright() as playwright:
                for choice in choices:
                    result.append(_Walk(playwright, launch, base_url, choice, steps, settle_ms).run())
        except BaseException as problem:  # handed to the caller's thread
            failure.append(problem)

    thread = threading.Thread(target=work, name="cookie-audit-browser")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result
