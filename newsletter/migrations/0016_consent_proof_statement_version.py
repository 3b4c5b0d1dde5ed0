"""A consent proof names the privacy statement version the person was shown, and proofs become
evidence that cannot be rewritten, like consent records (privacy/0005): a trigger rather than
model code, so the admin, `QuerySet.update()` and raw SQL are all held to it.

Allowed: `confirmed_at` set once (from NULL, by the confirmation); `subscriber_id` changed when
two subscribers merge (a self-service address change to an address that already has one). On
PostgreSQL only inside a transaction that said so (`SET LOCAL newsletter.proofs_merge = 'on'`,
newsletter.services.address_change); SQLite, for `make run` only, has no such setting and lets
the subscriber change. DELETE stays possible: erasure and the retention rules remove proofs.
"""

import django.db.models.deletion
from django.db import migrations, models

FROZEN_COLUMNS = (
    "id", "origin", "nonce", "requested_name", "language", "consent_text", "consent_version", "source",
    "ip_truncated", "given_at", "controller", "original_location", "statement_version_id",
)

POSTGRES_FORWARD = f"""
CREATE FUNCTION newsletter_consent_proof_immutable() RETURNS trigger AS $$
BEGIN
    IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN_COLUMNS)}
        OR (OLD.confirmed_at IS NOT NULL AND NEW.confirmed_at IS DISTINCT FROM OLD.confirmed_at)
        OR (NEW.subscriber_id IS DISTINCT FROM OLD.subscriber_id
            AND coalesce(current_setting('newsletter.proofs_merge', true), '') <> 'on') THEN
        RAISE EXCEPTION 'consent proofs cannot be changed' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER newsletter_consent_proof_immutable
    BEFORE UPDATE ON newsletter_consentproof
    FOR EACH ROW EXECUTE FUNCTION newsletter_consent_proof_immutable();
"""
POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS newsletter_consent_proof_immutable ON newsletter_consentproof;
DROP FUNCTION IF EXISTS newsletter_consent_proof_immutable();
"""
SQLITE_FORWARD = f"""CREATE TRIGGER newsletter_consent_proof_immutable BEFORE UPDATE ON newsletter_consentproof
    WHEN {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN_COLUMNS)}
        OR (OLD.confirmed_at IS NOT NULL AND NEW.confirmed_at IS NOT OLD.confirmed_at)
    BEGIN SELECT RAISE(ABORT, 'consent proofs cannot be changed'); END;"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS newsletter_consent_proof_immutable;"


def forward(apps, schema_editor):
    schema_editor.execute(POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD)


def reverse(apps, schema_editor):
    schema_editor.execute(POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0015_subscriber_import"),
        ("privacy", "0009_four_eyes"),
    ]

    operations = [
        migrations.AddField(
            model_name="consentproof",
            name="statement_version",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="privacy.version", verbose_name="privacy statement version shown",
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
