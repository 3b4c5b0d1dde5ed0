"""The outbox moved from the newsletter app to mail: an existing database keeps its rows, and
the content type with its permissions (and the groups holding them) follows the model."""

import pytest

from tests.migrating import latest, migrate

BEFORE = [("mail", None), ("newsletter", "0005_person_name_validated")]


@pytest.mark.django_db(transaction=True)
def test_rows_and_granted_permissions_follow_the_model_to_mail():
    old = migrate(BEFORE)
    try:
        _check_after_moving(old)
    finally:
        migrate(latest())


def _check_after_moving(old):
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="newsletter", model="outboxmessage"
    )[0]
    permission = old.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type, codename="view_outboxmessage", defaults={"name": "Can view"}
    )[0]
    group = old.get_model("auth", "Group").objects.create(name="Mail readers")
    group.permissions.add(permission)
    old.get_model("newsletter", "OutboxMessage").objects.create(
        template="newsletter/email/confirm", to_email="ann@example.com", language="en", context={"k": "v"}
    )

    new = migrate(latest())

    from django.contrib.auth.models import Group

    from mail.models import OutboxMessage

    [row] = OutboxMessage.objects.all()
    assert (row.to_email, row.context, row.status) == ("ann@example.com", {"k": "v"}, "pending")
    assert OutboxMessage._meta.db_table == "newsletter_outboxmessage"
    granted = Group.objects.get(name="Mail readers").permissions.get()
    assert (granted.content_type.app_label, granted.codename) == ("mail", "view_outboxmessage")
    assert not new.get_model("contenttypes", "ContentType").objects.filter(
        app_label="newsletter", model="outboxmessage"
    ).exists()

