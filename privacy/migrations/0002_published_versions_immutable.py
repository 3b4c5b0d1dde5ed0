"""A published statement version can be neither changed nor deleted, whatever the caller.

A trigger, rather than model code, so that `QuerySet.update()`, raw SQL and the admin
are all held to it. Clearing who created or published a version (when a staff account
is deleted) stays possible: it does not change what visitors were shown.
"""

from django.db import migrations

FROZEN_COLUMNS = (
    "document_id", "language", "number", "title", "body", "last_amended",
    "change_summary", "status", "published_at", "created_at",
)

POSTGRES_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)
SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)

POSTGRES_FORWARD = f"""
CREATE FUNCTION privacy_version_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'published' THEN
            RAISE EXCEPTION 'published statement versions cannot be deleted'
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'published' AND ({POSTGRES_CHANGED}) THEN
        RAISE EXCEPTION 'published statement versions cannot be changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_version_immutable
    BEFORE UPDATE OR DELETE ON privacy_version
    FOR EACH ROW EXECUTE FUNCTION privacy_version_immutable();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS privacy_version_immutable ON privacy_version;
DROP FUNCTION IF EXISTS privacy_version_immutable();
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER privacy_version_immutable_update BEFORE UPDATE ON privacy_version
    WHEN OLD.status = 'published' AND ({SQLITE_CHANGED})
    BEGIN SELECT RAISE(ABORT, 'published statement versions cannot be changed'); END;""",
    """CREATE TRIGGER privacy_version_immutable_delete BEFORE DELETE ON privacy_version
    WHEN OLD.status = 'published'
    BEGIN SELECT RAISE(ABORT, 'published statement versions cannot be deleted'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS privacy_version_immutable_update;",
    "DROP TRIGGER IF EXISTS privacy_version_immutable_delete;",
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
    dependencies = [("privacy", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
