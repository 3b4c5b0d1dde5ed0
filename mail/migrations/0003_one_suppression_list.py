"""One suppression list, by keyed hash, in mail.

- datarights' SuppressedAddress becomes mail.Suppression: state only, the table
  `datarights_suppressedaddress` and its rows stay; a `source` column is added.
- The newsletter's plain-address suppressions are hashed into it (an address already there
  keeps its row); newsletter/0007 then drops their table.
- The newsletter's "suppression" content type becomes mail's, so its permissions (Marketing's
  view right) follow; datarights' old content type, which no group holds, goes.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

from core.model_moves import content_type_move


def _hash(address: str) -> str:
    # Frozen copy of mail.hashing.address_hash at the time of this migration.
    return hmac.new(settings.ERASURE_HMAC_KEY.encode(), address.strip().lower().encode(), hashlib.sha256).hexdigest()


def forward(apps, schema_editor):
    content_type_move(apps, model="suppression", old_app="newsletter", new_app="mail")
    apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="datarights", model="suppressedaddress"
    ).delete()
    suppression = apps.get_model("mail", "Suppression")
    plain = apps.get_model("newsletter", "Suppression")
    for row in plain.objects.order_by("created_at").iterator(chunk_size=2000):
        suppression.objects.get_or_create(
            address_hash=_hash(row.email),
            defaults={"reason": row.reason, "source": row.source[:32], "created_at": row.created_at},
        )


def backward(apps, schema_editor):
    # The rights go back with the model, so a rolled-back site keeps Marketing's view of the list;
    # the hashes stay in their table (an address cannot be recovered from its hash).
    content_type_move(apps, model="suppression", old_app="mail", new_app="newsletter")


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0002_outboxmessage_reply_to"),
        ("datarights", "0001_initial"),
        ("newsletter", "0006_outbox_moves_to_mail"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),  # content_type_move moves log entries
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Suppression",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("address_hash", models.CharField(max_length=64, unique=True,
                                                          verbose_name="keyed hash of the address")),
                        ("reason", models.CharField(
                            choices=[("bounce", "Bounce"), ("complaint", "Complaint"), ("manual", "Manual"),
                                     ("erasure", "Erased at the person's request"),
                                     ("unsubscribed", "Unsubscribed; details deleted"),
                                     ("inactive", "Inactive profile deleted")],
                            max_length=16, verbose_name="reason")),
                        ("created_at", models.DateTimeField(default=timezone.now, verbose_name="created at")),
                    ],
                    options={
                        "verbose_name": "suppression",
                        "verbose_name_plural": "suppressions",
                        "db_table": "datarights_suppressedaddress",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="suppression", name="source",
            field=models.CharField(blank=True, max_length=32, verbose_name="source"),
        ),
        migrations.RunPython(forward, backward),
    ]
