"""Kept as a step in the history only: the Legal, Marketing and Support groups are kept to
staff/roles.py after every migrate by staff.services.roles_sync (connected in StaffConfig.ready),
so that a right added later, for a model migrated after this one, reaches its group too."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("privacy", "0005_consent_evidence_immutable"),
        ("newsletter", "0003_consent_proof_ip_permission"),
        ("datarights", "0001_initial"),
        ("contact", "0001_initial"),
        ("accesslog", "0002_marketing_sees_statistics"),
    ]

    operations = []
