"""The move of the consent models from privacy/ to consent/ (consent 0001-0002, privacy 0008)
on a database that already holds them: every row, content type and staff right survives,
and the triggers that keep consent records unchanged stay on their tables."""

import os
import sqlite3
import subprocess
import sys
import uuid

import pytest
from django.apps import apps as current_apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from consent.models import Category, ConsentRecord, Cookie, GpcRefusalDay, RegistryRevision
from tests.migrating import group_rights, latest, migrate

BEFORE_THE_MOVE = [("privacy", "0007_registry_mydata_cookie"), ("consent", None)]
MOVED = ("category", "cookie", "registryrevision", "consentrecord", "gpcrefusalday")


@pytest.mark.django_db
def test_a_database_at_the_old_schema_keeps_every_consent_row_and_right():
    old = migrate(BEFORE_THE_MOVE)
    content_type_ids = dict(
        ContentType.objects.filter(app_label="privacy", model__in=MOVED).values_list("model", "id")
    )
    rights_before = group_rights(old)
    assert ("privacy", "consentrecord", "view_consentrecord") in rights_before["Legal"]
    # What post_migrate leaves after a partial migrate: the new label's own content type and permission.
    early = ContentType.objects.create(app_label="consent", model="consentrecord")
    Permission.objects.create(content_type=early, codename="view_consentrecord", name="Can view consent record")
    consent_id = uuid.uuid4()
    try:
        category = old.get_model("privacy", "Category").objects.create(
            key="test_moved", position=9, name_nl="Verhuisd", name_en="Moved",
            description_nl="Voor de test.", description_en="For the test.",
        )
        old.get_model("privacy", "Cookie").objects.create(
            category=category, name="moved_*", provider="Test", purpose_nl="Test", purpose_en="Test",
            lifetime_nl="1 dag", lifetime_en="1 day",
        )
        revision = old.get_model("privacy", "RegistryRevision").objects.create(
            number=RegistryRevision.objects.order_by("-number").values_list("number", flat=True).first() + 1,
            snapshot={"categories": []},
        )
        old.get_model("privacy", "ConsentRecord").objects.create(
            consent_id=consent_id, method="settings", granted=["test_moved"], refused=[],
            registry_revision=revision, language="nl", ip_prefix="192.0.2.0", user_agent_hash="ab" * 32,
        )
        old.get_model("privacy", "GpcRefusalDay").objects.create(day=timezone.localdate(), language="en", count=7)
    finally:
        migrate(latest())
    ContentType.objects.clear_cache()

    cookie = Cookie.objects.get(name="moved_*")
    assert (cookie.category.key, cookie.category.name_en) == ("test_moved", "Moved")
    record = ConsentRecord.objects.get(consent_id=consent_id)
    assert (record.registry_revision_id, record.granted, record.ip_prefix) == (revision.pk, ["test_moved"], "192.0.2.0")
    assert RegistryRevision.objects.get(pk=revision.pk).number == revision.number
    assert GpcRefusalDay.objects.get(day=timezone.localdate(), language="en").count == 7
    assert Category.objects.filter(key="necessary", necessary=True).exists()  # the seeded registry too

    moved = dict(ContentType.objects.filter(app_label="consent", model__in=MOVED).values_list("model", "id"))
    assert moved == {**content_type_ids, "consentrecord": early.pk}
    assert not ContentType.objects.filter(app_label="privacy", model__in=MOVED).exists()
    relabelled = {
        group: {("consent" if label == "privacy" and model in MOVED else label, model, code)
                for label, model, code in rights}
        for group, rights in rights_before.items()
    }
    assert group_rights(current_apps) == relabelled
    assert ("consent", "consentrecord", "view_consentrecord") in group_rights(current_apps)["Legal"]

    with pytest.raises(DatabaseError, match="consent records cannot be changed"), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(method="banner")


@pytest.mark.django_db
def test_the_immutability_triggers_stay_on_their_tables_in_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid IN ('privacy_consentrecord'::regclass, 'privacy_registryrevision'::regclass)"
        )
        triggers = set(cursor.fetchall())
    assert triggers == {
        ("privacy_consent_record_immutable", "privacy_consentrecord"),
        ("consent_record_revision_in_force", "privacy_consentrecord"),
        ("privacy_registry_revision_immutable", "privacy_registryrevision"),
    }
    assert ConsentRecord._meta.db_table == "privacy_consentrecord"


def test_the_immutability_triggers_survive_every_migration_in_sqlite(tmp_path):
    """SQLite rebuilds a table for some schema changes and drops its triggers on the way: the whole
    migration history, run into a new SQLite database, must still leave them in place and working."""
    database = tmp_path / "migrated.sqlite3"
    env = {**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR, env=env, check=True, capture_output=True, timeout=300,
    )
    db = sqlite3.connect(database)
    triggers = set(db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"))
    assert {
        ("privacy_consent_record_immutable", "privacy_consentrecord"),
        ("consent_record_revision_in_force", "privacy_consentrecord"),
        ("privacy_registry_revision_immutable", "privacy_registryrevision"),
    } <= triggers
    revision_id = db.execute("SELECT id FROM privacy_registryrevision ORDER BY number DESC LIMIT 1").fetchone()[0]
    db.execute(
        "INSERT INTO privacy_consentrecord (consent_id, created_at, method, granted, refused, registry_revision_id, "
        "language, gpc, ip_prefix, user_agent_hash) VALUES (?, '2026-12-01 10:00:00', 'banner', '[]', '[]', ?, 'nl', "
        "0, '', '')",
        (uuid.uuid4().hex, revision_id),
    )
    with pytest.raises(sqlite3.DatabaseError, match="cookie policy revision not in force"):
        db.execute(
            "INSERT INTO privacy_consentrecord (consent_id, created_at, method, granted, refused, "
            "registry_revision_id, language, gpc, ip_prefix, user_agent_hash) VALUES (?, '2026-12-01 10:00:00', "
            "'banner', '[]', '[]', ?, 'nl', 0, '', '')",
            (uuid.uuid4().hex, revision_id + 1000),
        )
    with pytest.raises(sqlite3.DatabaseError, match="consent records cannot be changed"):
        db.execute("UPDATE privacy_consentrecord SET method = 'settings'")
    with pytest.raises(sqlite3.DatabaseError, match="cookie policy revisions cannot be changed"):
        db.execute("UPDATE privacy_registryrevision SET number = number + 100")
    db.close()
