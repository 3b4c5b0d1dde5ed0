"""Forwards go through mail's outbox (contact/0002), which keeps its own errors: the message's
last forwarding error and the index of unforwarded messages have nothing left to do."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contact", "0002_forward_through_the_outbox")]

    operations = [
        migrations.RemoveIndex(model_name="contactmessage", name="contact_unforwarded"),
        migrations.RemoveField(model_name="contactmessage", name="forward_error"),
    ]
