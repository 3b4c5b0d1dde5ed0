"""Switching forwards to mail's outbox loses nothing: a message the old pipeline had not
forwarded yet is queued in the outbox by the migration, and then sent like any other."""

import pytest
from django.core import mail as sent_mail

from mail.services import outbox_deliver
from tests.migrating import latest, migrate


@pytest.mark.django_db(transaction=True)
def test_a_message_not_yet_forwarded_is_queued_in_the_outbox_by_the_migration(settings):
    settings.CONTACT_FORWARD_TO = ["info@ilumen.be", "sales@ilumen.be"]
    old = migrate([("contact", "0001_initial")])
    try:
        contact_message = old.get_model("contact", "ContactMessage")
        waiting = contact_message.objects.create(
            name="Dirk", email="dirk@example.be", subject="Offerte", message="Graag een prijs.", language="nl"
        )
        contact_message.objects.create(
            name="Done", email="done@example.be", subject="s", message="m", language="nl",
            forwarded_at=waiting.created_at,
        )
    finally:
        migrate(latest())

    from contact.models import ContactMessage

    assert ContactMessage.objects.get(pk=waiting.pk).forwarded_at is not None
    assert outbox_deliver() == 2
    assert sorted(m.to[0] for m in sent_mail.outbox) == ["info@ilumen.be", "sales@ilumen.be"]
    assert {tuple(m.reply_to) for m in sent_mail.outbox} == {("dirk@example.be",)}
    assert all("Graag een prijs." in m.body and "Offerte" in m.subject for m in sent_mail.outbox)
