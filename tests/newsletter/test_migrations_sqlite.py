"""`make run`'s SQLite gets its own versions of the newsletter's triggers (migrations 0009, 0011,
0016), and SQLite drops a table's triggers whenever Django rebuilds the table (0011 and 0017 put
them back): the whole migration history, run into a new SQLite database, must leave every one of
them in place, refusing what its PostgreSQL twin refuses and letting through what it allows."""

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

# PostgreSQL checks a started campaign's removed topics at commit; SQLite has no deferred triggers
# and leaves that to the admin (0011), so that deleting a whole campaign stays possible.
POSTGRES_ONLY = {("newsletter_campaign_topics_kept_deleted", "newsletter_campaign_topics")}


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    env = {**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return database


@pytest.fixture
def sqlite_db(migrated) -> Iterator[sqlite3.Connection]:
    """The migrated database, each test's rows rolled back after it so the next test starts from the migration."""
    db = sqlite3.connect(migrated)
    # The campaign's slug check uses REGEXP, which SQLite leaves to the application (Django adds its own).
    db.create_function("REGEXP", 2, lambda pattern, value: value is not None and re.search(pattern, value) is not None)
    yield db
    db.rollback()
    db.close()


def _refused(db: sqlite3.Connection, sql: str, params: tuple = ()) -> str | None:
    """The trigger's message when the statement is refused, None when it passes."""
    try:
        db.execute(sql, params)
    except sqlite3.DatabaseError as error:
        return str(error)
    return None


def _subscriber(db: sqlite3.Connection, email: str) -> int:
    return db.execute(
        "INSERT INTO newsletter_subscriber (uuid, email, name, language, created_at) "
        "VALUES (lower(hex(randomblob(16))), ?, '', 'en', '2026-01-01 10:00:00')",
        (email,),
    ).lastrowid


def _campaign(db: sqlite3.Connection, name: str) -> int:
    return db.execute(
        "INSERT INTO newsletter_campaign (name, status, populated, status_note, created_at, archive_published, "
        "audience_language, kind) VALUES (?, 'draft', 0, '', '2026-01-01 10:00:00', 0, '', 'regular')",
        (name,),
    ).lastrowid


@pytest.mark.django_db
def test_every_newsletter_trigger_of_postgresql_is_in_sqlite_after_every_migration(sqlite_db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text LIKE 'newsletter\\_%'"
        )
        in_postgresql = set(cursor.fetchall())
    in_sqlite = set(
        sqlite_db.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name LIKE 'newsletter\\_%' ESCAPE '\\'"
        )
    )
    assert ("newsletter_consent_proof_immutable", "newsletter_consentproof") in in_sqlite
    assert in_postgresql >= POSTGRES_ONLY
    assert in_sqlite == in_postgresql - POSTGRES_ONLY


def test_a_consent_proof_is_frozen_but_for_its_confirmation_and_a_merge(sqlite_db):
    db = sqlite_db
    subscriber, merged_into = _subscriber(db, "ann@example.com"), _subscriber(db, "ann.new@example.com")
    proof = db.execute(
        "INSERT INTO newsletter_consentproof (nonce, requested_name, language, consent_text, consent_version, source, "
        "ip_truncated, given_at, subscriber_id, controller, origin, original_location) VALUES "
        "(lower(hex(randomblob(16))), 'Ann', 'en', 'I agree', '1', '/en/newsletter/', '192.0.2.0', "
        "'2026-01-01 10:00:00', ?, '', 'form', '')",
        (subscriber,),
    ).lastrowid
    allowed = {"confirmed_at", "subscriber_id"}
    columns = {(name, kind) for _, name, kind, *_ in db.execute("PRAGMA table_info(newsletter_consentproof)")}
    # Every column, including any added after 0016, unless the trigger means to let it change.
    refused = {
        name
        for name, kind in columns
        if name not in allowed
        and _refused(
            db,
            f"UPDATE newsletter_consentproof SET {name} = "  # noqa: S608 - the table's own column names
            + (f"coalesce({name} + 1, 1)" if "int" in kind.lower() else f"coalesce({name} || '-changed', 'changed')")
            + " WHERE id = ?",
            (proof,),
        )
        == "consent proofs cannot be changed"
    }
    assert refused == {name for name, _ in columns} - allowed

    # The confirmation, once; a save() writing every column again with the same values passes.
    assert (
        _refused(
            db,
            "UPDATE newsletter_consentproof SET confirmed_at = '2026-01-02 10:00:00', "
            "consent_text = consent_text, given_at = given_at WHERE id = ?",
            (proof,),
        )
        is None
    )
    for again in ("'2026-01-03 10:00:00'", "NULL"):
        assert (
            _refused(
                db,
                f"UPDATE newsletter_consentproof SET confirmed_at = {again} WHERE id = ?",  # noqa: S608
                (proof,),
            )
            == "consent proofs cannot be changed"
        )
    # SQLite has no transaction setting to declare a merge (0016): the subscriber may change.
    assert (
        _refused(db, "UPDATE newsletter_consentproof SET subscriber_id = ? WHERE id = ?", (merged_into, proof)) is None
    )
    assert db.execute(
        "SELECT subscriber_id, confirmed_at, consent_text FROM newsletter_consentproof WHERE id = ?", (proof,)
    ).fetchone() == (merged_into, "2026-01-02 10:00:00", "I agree")
    assert _refused(db, "DELETE FROM newsletter_consentproof WHERE id = ?", (proof,)) is None  # erasure, retention


def test_a_campaigns_web_address_is_kept_once_set(sqlite_db):
    db = sqlite_db
    campaign = _campaign(db, "Spring")
    refusal = "a campaign's web address cannot be changed once set"
    assert _refused(db, "UPDATE newsletter_campaign SET archive_slug = 'spring' WHERE id = ?", (campaign,)) is None
    assert _refused(db, "UPDATE newsletter_campaign SET archive_slug = 'summer' WHERE id = ?", (campaign,)) == refusal
    assert _refused(db, "UPDATE newsletter_campaign SET archive_slug = NULL WHERE id = ?", (campaign,)) == refusal
    assert (
        _refused(
            db, "UPDATE newsletter_campaign SET name = 'Spring news', archive_slug = 'spring' WHERE id = ?", (campaign,)
        )
        is None
    )
    assert db.execute("SELECT archive_slug FROM newsletter_campaign WHERE id = ?", (campaign,)).fetchone() == (
        "spring",
    )


def test_a_campaigns_segment_is_kept_once_sending_started(sqlite_db):
    db = sqlite_db
    campaign, other = _campaign(db, "Spring"), _campaign(db, "Summer")
    newsletter, surveys = (
        db.execute("SELECT id FROM newsletter_topic WHERE slug = ?", (slug,)).fetchone()[0]
        for slug in ("newsletter", "surveys")
    )
    insert_topic = "INSERT INTO newsletter_campaign_topics (campaign_id, topic_id) VALUES (?, ?)"
    # Before sending: everything may change.
    assert _refused(db, insert_topic, (campaign, newsletter)) is None
    assert (
        _refused(
            db,
            "UPDATE newsletter_campaign SET audience_language = 'nl', subscribed_since = '2026-01-01', "
            "subscribed_before = '2026-02-01' WHERE id = ?",
            (campaign,),
        )
        is None
    )
    assert (
        _refused(
            db,
            "UPDATE newsletter_campaign SET started_at = '2026-03-01 10:00:00', status = 'sending' WHERE id = ?",
            (campaign,),
        )
        is None
    )

    audience = "a campaign's audience cannot change once sending started"
    for change in (
        "started_at = NULL",
        "started_at = '2026-03-02 10:00:00'",
        "audience_language = ''",
        "subscribed_since = NULL",
        "subscribed_since = '2025-12-01'",
        "subscribed_before = NULL",
        "subscribed_before = '2026-03-01'",
    ):
        assert _refused(db, f"UPDATE newsletter_campaign SET {change} WHERE id = ?", (campaign,)) == audience, change  # noqa: S608
    assert _refused(db, insert_topic, (campaign, surveys)) == "a campaign's topics cannot change once sending started"
    assert _refused(db, insert_topic, (other, surveys)) is None  # only the started campaign's
    assert (
        _refused(
            db,
            "UPDATE newsletter_campaign SET name = 'Renamed', status = 'sent', "
            "finished_at = '2026-03-03 10:00:00' WHERE id = ?",
            (campaign,),
        )
        is None
    )
    assert db.execute(
        "SELECT topic_id FROM newsletter_campaign_topics WHERE campaign_id = ?", (campaign,)
    ).fetchall() == [(newsletter,)]

    # A whole started campaign may still go, its topics first (as Django deletes it).
    assert _refused(db, "DELETE FROM newsletter_campaign_topics WHERE campaign_id = ?", (campaign,)) is None
    assert _refused(db, "DELETE FROM newsletter_campaign WHERE id = ?", (campaign,)) is None
