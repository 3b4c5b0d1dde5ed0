"""OutboxMessage moves here from the newsletter app: state only, the table and its rows stay
(`newsletter_outboxmessage`); the content type and its permissions follow."""

import django.utils.timezone
from django.db import migrations, models

from core.model_moves import content_type_move


def forward(apps, schema_editor):
    content_type_move(apps, model="outboxmessage", old_app="newsletter", new_app="mail")


def backward(apps, schema_editor):
    content_type_move(apps, model="outboxmessage", old_app="mail", new_app="newsletter")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),  # content_type_move moves log entries
        ("contenttypes", "0002_remove_content_type_name"),
        ("newsletter", "0005_person_name_validated"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxMessage",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("template", models.CharField(
                            help_text="Template prefix: <prefix>_subject.txt, <prefix>.txt, <prefix>.html",
                            max_length=100)),
                        ("to_email", models.EmailField(max_length=254)),
                        ("language", models.CharField(choices=[("nl", "Dutch"), ("en", "English")], max_length=8)),
                        ("context", models.JSONField(blank=True, default=dict)),
                        ("status", models.CharField(
                            choices=[("pending", "Waiting"), ("sending", "Sending"), ("sent", "Sent"),
                                     ("failed", "Failed")], default="pending", max_length=8)),
                        ("tries", models.PositiveSmallIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("lease_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                    ],
                    options={
                        "verbose_name": "outgoing transactional e-mail",
                        "verbose_name_plural": "outgoing transactional e-mails",
                        "db_table": "newsletter_outboxmessage",
                        "indexes": [
                            models.Index(condition=models.Q(("status", "pending")), fields=["next_attempt_at", "id"],
                                         name="newsletter_outbox_due"),
                            models.Index(condition=models.Q(("status", "sending")), fields=["lease_expires_at"],
                                         name="newsletter_outbox_leased"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forward, backward),
    ]
