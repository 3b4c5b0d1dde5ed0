"""Cookie policy revisions and consent records are evidence: no UPDATE may change them.

As with published statement versions (0002), a trigger rather than model code, so that
the admin, `QuerySet.update()` and raw SQL are all held to it. Records can still be
deleted (retention periods, erasure requests); a revision cannot while a record points
at it (PROTECT). Forgetting which staff member made a revision (account deleted) stays
possible.
"""

from django.db import migrations

REVISION_COLUMNS = ("number", "created_at", "snapshot")

POSTGRES_FORWARD = f"""
CREATE FUNCTION privacy_consent_record_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent records cannot be changed' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_consent_record_immutable
    BEFORE UPDATE ON privacy_consentrecord
    FOR EACH ROW EXECUTE FUNCTION privacy_consent_record_immutable();

CREATE FUNCTION privacy_registry_revision_immutable() RETURNS trigger AS $$
BEGIN
    IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in REVISION_COLUMNS)} THEN
        RAISE EXCEPTION 'cookie policy revisions cannot be changed' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_registry_revision_immutable
    BEFORE UPDATE ON privacy_registryrevision
    FOR EACH ROW EXECUTE FUNCTION privacy_registry_revision_immutable();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS privacy_consent_record_immutable ON privacy_consentrecord;
DROP FUNCTION IF EXISTS privacy_consent_record_immutable();
DROP TRIGGER IF EXISTS privacy_registry_revision_immutable ON privacy_registryrevision;
DROP FUNCTION IF EXISTS privacy_registry_revision_immutable();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER privacy_consent_record_immutable BEFORE UPDATE ON privacy_consentrecord
    BEGIN SELECT RAISE(ABORT, 'consent records cannot be changed'); END;""",
    f"""CREATE TRIGGER privacy_registry_revision_immutable BEFORE UPDATE ON privacy_registryrevision
    WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in REVISION_COLUMNS)}
    BEGIN SELECT RAISE(ABORT, 'cookie policy revisions cannot be changed'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS privacy_consent_record_immutable;",
    "DROP TRIGGER IF EXISTS privacy_registry_revision_immutable;",
]


def forward(apps, schema_editor):
    statements = [POSTGRES_FORWARD] if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def reverse(apps, schema_editor):
    statements = [POSTGRES_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0004_seed_cookie_registry")]
    operations = [migrations.RunPython(forward, reverse)]
