"""A consent record names the cookie policy revision in force when it is written.

The check used to be a query of its own before every insert (the latest revision, read
from the database in case another process had published one); as a trigger it runs inside
the insert, saves a decision a round trip, and holds every writer to it. The service turns the
refusal into StaleRegistry: the visitor is shown the new policy and chooses again.

SQLite drops a table's triggers when it rebuilds the table: a later migration that alters
privacy_consentrecord must create this one again (see newsletter 0017).
"""

from django.db import migrations

MESSAGE = "consent record: cookie policy revision not in force"
LATEST = "(SELECT id FROM privacy_registryrevision ORDER BY number DESC LIMIT 1)"

POSTGRES_FORWARD = f"""
CREATE FUNCTION consent_record_revision_in_force() RETURNS trigger AS $$
BEGIN
    IF NEW.registry_revision_id IS DISTINCT FROM {LATEST} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_record_revision_in_force
    BEFORE INSERT ON privacy_consentrecord
    FOR EACH ROW EXECUTE FUNCTION consent_record_revision_in_force();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS consent_record_revision_in_force ON privacy_consentrecord;
DROP FUNCTION IF EXISTS consent_record_revision_in_force();
"""
SQLITE_FORWARD = f"""
CREATE TRIGGER consent_record_revision_in_force BEFORE INSERT ON privacy_consentrecord
WHEN NEW.registry_revision_id IS NOT {LATEST}
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS consent_record_revision_in_force;"


def forward(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_FORWARD if postgres else SQLITE_FORWARD)


def reverse(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRES_REVERSE if postgres else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [("consent", "0005_cookie_max_lifetime_whole")]
    operations = [migrations.RunPython(forward, reverse)]
