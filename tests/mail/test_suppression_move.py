"""One suppression list: an existing database's plain-address newsletter suppressions are hashed
into mail's list beside the data-rights hashes, and Marketing keeps its right to see the list."""

import pytest
from django.db import connection

from mail.hashing import address_hash
from tests.migrating import latest, migrate

BEFORE = [("mail", "0002_outboxmessage_reply_to"), ("newsletter", "0006_outbox_moves_to_mail"),
          ("datarights", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_plain_suppressions_are_hashed_into_the_one_list_and_rights_follow():
    old = migrate(BEFORE)
    try:
        plain = old.get_model("newsletter", "Suppression")
        plain.objects.create(email="bounced@example.com", reason="bounce", source="webhook", detail="550 user unknown")
        plain.objects.create(email="erased@example.com", reason="complaint", source="csv")
        old.get_model("datarights", "SuppressedAddress").objects.create(
            address_hash=address_hash("erased@example.com"), reason="erasure"
        )
        content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="newsletter", model="suppression"
        )[0]
        permission = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=content_type, codename="view_suppression", defaults={"name": "Can view"}
        )[0]
        old.get_model("auth", "Group").objects.create(name="List readers").permissions.add(permission)
    finally:
        migrate(latest())

    from django.contrib.auth.models import Group

    from mail.models import Suppression
    from mail.selectors import addresses_suppressed

    rows = set(Suppression.objects.values_list("address_hash", "reason", "source"))
    assert rows == {(address_hash("bounced@example.com"), "bounce", "webhook"),
                    (address_hash("erased@example.com"), "erasure", "")}  # a hash already there keeps its row
    assert addresses_suppressed(["Bounced@Example.com", "erased@example.com", "ok@example.com"]) == {
        "Bounced@Example.com", "erased@example.com"
    }
    granted = Group.objects.get(name="List readers").permissions.get()
    assert (granted.content_type.app_label, granted.content_type.model, granted.codename) == (
        "mail", "suppression", "view_suppression"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('newsletter_suppression')")
        assert cursor.fetchone() == (None,)  # no plain address is left behind
