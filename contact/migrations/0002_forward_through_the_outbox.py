"""Forwards now go through mail's outbox: queue there every message the old pipeline had not
forwarded yet, so none is lost in the switch (the old sweep's task no longer does anything)."""

from django.conf import settings
from django.db import migrations
from django.utils import formats, timezone, translation


def forward(apps, schema_editor):
    contact_message = apps.get_model("contact", "ContactMessage")
    outbox_message = apps.get_model("mail", "OutboxMessage")
    now = timezone.now()
    for message in contact_message.objects.filter(forwarded_at__isnull=True).order_by("created_at"):
        with translation.override(settings.LANGUAGE_CODE):
            received = formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
        context = {"message": {
            "number": message.pk, "name": message.name, "email": message.email, "language": message.language,
            "received": received, "subject": message.subject, "message": message.message,
        }}
        outbox_message.objects.bulk_create([
            outbox_message(template="contact/email/forward", to_email=address, language=settings.LANGUAGE_CODE,
                           context=context, reply_to=message.email)
            for address in settings.CONTACT_FORWARD_TO
        ])
        message.forwarded_at = now
        message.save(update_fields=["forwarded_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("contact", "0001_initial"),
        ("mail", "0002_outboxmessage_reply_to"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
