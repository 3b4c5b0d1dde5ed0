"""Marketing sees what each message read from the bounce mailbox was and applied, and changes nothing."""

import pytest
from django.contrib.auth.models import Group, User

from mail.models import BounceMail

pytestmark = pytest.mark.django_db


def test_marketing_sees_the_messages_read_and_changes_nothing(client, seeded):
    BounceMail.objects.create(mailbox="INBOX", uidvalidity=7, uid=1, kind="hard", applied=1)
    unreadable = BounceMail.objects.create(mailbox="INBOX", uidvalidity=7, uid=2, kind="unreadable",
                                           note="neither a bounce, a complaint nor an auto-reply")
    marketer = User.objects.create_user("marketer", "m@ilumen.be", "a-long-test-password", is_staff=True)
    marketer.groups.add(Group.objects.get(name="Marketing"))
    client.force_login(marketer)

    page = client.get("/nl/admin/mail/bouncemail/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 berichten in de bounce-mailbox" in text
    assert "Niet begrepen: blijft in de mailbox voor een mens" in text and "Harde bounce" in text
    assert client.get("/en/admin/mail/bouncemail/add/").status_code == 403
    assert client.post(f"/en/admin/mail/bouncemail/{unreadable.pk}/delete/", {"post": "yes"}).status_code == 403
    assert BounceMail.objects.count() == 2
