"""Fixtures shared by every test: a clean cache, the seed statements, staff users."""

import os
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.test import Client


def real_services_missing() -> list[str]:
    """What stands in for the real PostgreSQL and Redis in this run's settings."""
    missing = []
    engine = django_settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        missing.append(f"the database is {engine}, not PostgreSQL (DATABASE_URL)")
    backend = django_settings.CACHES["default"]["BACKEND"]
    if not backend.endswith("RedisCache"):
        missing.append(f"the cache is {backend}, not Redis (REDIS_URL)")
    return missing


def pytest_configure(config: pytest.Config) -> None:
    """`make test` sets TEST_REQUIRE_REAL_SERVICES: a run that would silently fall back to SQLite
    or an in-process cache stops before the first test instead of passing on stand-ins."""
    if os.environ.get("TEST_REQUIRE_REAL_SERVICES") and (missing := real_services_missing()):
        raise pytest.UsageError("TEST_REQUIRE_REAL_SERVICES is set, but " + "; ".join(missing) + ".")


class BrowserClient(Client):
    """A test client that posts as a browser posts a page's own form: with `Sec-Fetch-Site: same-origin`.

    Public forms are checked by core.security.same_origin_form, which refuses a post that says
    nothing about where it comes from; Django's client sends no such header on its own.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**{**kwargs, "headers": {"Sec-Fetch-Site": "same-origin", **(kwargs.get("headers") or {})}})


@pytest.fixture
def client() -> Client:
    """pytest-django's `client`, as a browser: see BrowserClient."""
    return BrowserClient()


@pytest.fixture(autouse=True)
def _access_log_in_memory(settings, tmp_path_factory):
    """The access log's writer thread must not write behind a test's transaction: tests flush it.
    And erasures made by tests are logged in a temporary file, never in the checkout's var/."""
    settings.ACCESS_LOG_WRITER = "manual"
    settings.ERASURE_LOG_FILE = tmp_path_factory.getbasetemp() / "erasures.jsonl"


@pytest.fixture(autouse=True)
def _clean_cache():
    """An empty Redis cache and no per-process copies: a copy left by the previous test would
    stand in for a cache entry this test never wrote, until its few seconds run out."""
    from consent.selectors import registry_cache_clear
    from core.pagecache import page_cache_clear
    from newsletter.selectors import topics_cache_clear

    def clear() -> None:
        cache.clear()
        page_cache_clear()
        registry_cache_clear()
        topics_cache_clear()

    clear()
    yield
    clear()


@pytest.fixture(scope="session")
def dkim_key(tmp_path_factory) -> str:
    """A DKIM private key (PEM, RSA 2048), made once per run."""
    import subprocess

    key = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    return key.read_text()


@pytest.fixture
def seeded(db):
    """The customer's statements loaded as on a fresh `make run`."""
    from privacy.seeding import load_seed_statements

    return load_seed_statements()


def _staff(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, f"{username}@example.com", "a-long-test-password", is_staff=True)
    for codename in codenames:
        app_label, code = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=code))
    return User.objects.get(pk=user.pk)  # fresh instance: no stale permission cache


@pytest.fixture
def group_member(db) -> Callable[[str], User]:
    """Makes a staff user in one of the roles' admin groups (staff/roles.py)."""

    def make(group: str) -> User:
        name = group.lower().replace(" ", "-")
        user = User.objects.create_user(name, f"{name}@ilumen.be", "a-long-test-password", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return User.objects.get(pk=user.pk)  # fresh instance: no stale permission cache

    return make


@pytest.fixture
def legal_editor(db) -> User:
    """May write drafts but not publish them."""
    return _staff("editor", "privacy.view_version", "privacy.add_version", "privacy.change_version")


@pytest.fixture
def legal_publisher(db) -> User:
    return _staff(
        "publisher",
        "privacy.view_version", "privacy.add_version", "privacy.change_version", "privacy.publish_version",
    )


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(request, monkeypatch):
    """`force_login` skips the password; for staff it also skips the TOTP step (as a verified
    device in the session), so admin tests reach the admin. tests/site/test_second_factor.py
    proves the real sign-in; tests marked `real_second_factor` get the plain force_login."""
    if request.node.get_closest_marker("real_second_factor"):
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff:
            from django_otp import DEVICE_ID_SESSION_KEY
            from django_otp.plugins.otp_static.models import StaticDevice

            device, _ = StaticDevice.objects.get_or_create(user=user, name="tests")
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def integrations_on(db):
    """Google Analytics and the three networks' own buttons switched on in the admin, as a site that
    uses them: the registry then shows every category and cookie migration privacy/0004 seeded, so
    its revision 1 still holds (Matomo stays off, and its cookies unlisted)."""
    from consent.models import Integration
    from consent.selectors import registry_cache_clear

    social = {"facebook", "x", "linkedin"}
    for integration in Integration.objects.filter(kind__in={"ga4"} | social):
        integration.enabled = True
        integration.measurement_id = "G-TEST123" if integration.kind == "ga4" else ""
        integration.save()
    registry_cache_clear()


@pytest.fixture
def registry_seeded(transactional_db):
    """For transactional tests, whose tables are emptied after each one: the cookie registry again as
    the migrations seed it (privacy/0004 and 0007, consent/0003 and 0004), written with today's models
    so that every column added since has its value. Its revision 1 is the one privacy/0004 made."""
    import importlib

    from django.apps import apps

    from consent.selectors import registry_cache_clear

    class _Moved:
        """The privacy migrations name the consent models by their old app."""

        def get_model(self, app_label: str, model_name: str):
            return apps.get_model("consent" if app_label == "privacy" else app_label, model_name)

    steps = [
        ("privacy.migrations.0004_seed_cookie_registry", "seed", _Moved()),
        ("privacy.migrations.0007_registry_mydata_cookie", "add", _Moved()),
        ("consent.migrations.0003_cookie_max_lifetime_and_audit", "fill", apps),
        ("consent.migrations.0004_integrations", "seed", apps),
    ]
    for module, function, registry in steps:
        getattr(importlib.import_module(module), function)(registry, None)
    registry_cache_clear()  # ids are new after the flush: no process may keep the old ones
    yield
    registry_cache_clear()
