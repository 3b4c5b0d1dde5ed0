"""consent/0004 on a registry as migrations seeded it: the cookies of Google Analytics and the
networks are marked as theirs, Matomo's are added once, one integration of each kind is made,
switched off, and a revision's asks_again is evidence like the rest of it, on PostgreSQL and SQLite."""

import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings

from consent.models import Cookie, Integration, RegistryRevision
from tests.migrating import latest, migrate

BEFORE = [("consent", "0003_cookie_max_lifetime_and_audit")]


@pytest.mark.django_db(transaction=True)
def test_back_and_forth_over_0004_marks_the_cookies_and_makes_each_integration_once(registry_seeded):
    try:
        old = migrate(BEFORE)
        assert not old.get_model("consent", "Cookie").objects.filter(name__startswith="_pk_").exists()
    finally:
        migrate(latest())
    marked = dict(Cookie.objects.exclude(integration="").values_list("name", "integration"))
    assert marked == {
        "_ga": "ga4", "_ga_*": "ga4", "_gid": "ga4", "_gat*": "ga4", "_pk_id.*": "matomo", "_pk_ses.*": "matomo",
        "datr": "facebook", "fr": "facebook", "guest_id": "x", "personalization_id": "x",
        "bcookie": "linkedin", "lidc": "linkedin", "li_gc": "linkedin",
    }
    assert set(Cookie.objects.filter(integration="").values_list("name", flat=True)) == {
        "csrftoken", "django_language", "ilumen_consent", "sessionid", "ilumen_mydata",
    }, "the site's own cookies stay the site's"
    integrations = {i.kind: (i.enabled, i.category.key) for i in Integration.objects.select_related("category")}
    assert integrations == {
        "ga4": (False, "analytics"), "matomo": (False, "analytics"),
        "facebook": (False, "social"), "x": (False, "social"), "linkedin": (False, "social"),
    }
    assert RegistryRevision.objects.get().asks_again, "the first revision asked"


def test_sqlite_keeps_the_revision_trigger_through_0004_and_back(tmp_path):
    """SQLite rebuilds the revisions' table to add asks_again and drops its trigger on the way: 0004
    makes it again, covering the new column, and puts the old one back when migrating back."""
    database = tmp_path / "migrated.sqlite3"
    env = {**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{database}"}

    def manage(*args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args, "--no-input", "-v", "0"], cwd=settings.BASE_DIR,
                       env=env, check=True, capture_output=True, timeout=300)

    def refused(statement: str) -> bool:
        db = sqlite3.connect(database)
        try:
            db.execute(statement)
        except sqlite3.DatabaseError as error:
            return "cookie policy revisions cannot be changed" in str(error)
        finally:
            db.close()
        return False

    manage("migrate")
    assert refused("UPDATE privacy_registryrevision SET asks_again = 0")
    assert refused("UPDATE privacy_registryrevision SET number = number + 100")
    manage("migrate", "consent", "0003")
    assert refused("UPDATE privacy_registryrevision SET number = number + 100")
    manage("migrate")
    assert refused("UPDATE privacy_registryrevision SET asks_again = 0")
