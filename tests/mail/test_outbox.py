"""The outbox hands a message to a worker once the writing transaction commits, never before."""

import pytest

from mail.models import OutboxMessage
from mail.services import outbox_enqueue

pytestmark = pytest.mark.django_db

CONTEXT = {"link_url": "https://www.ilumen.be/en/privacy/my-data/open/x/", "valid_hours": 24}


def test_a_queued_message_is_sent_once_its_transaction_commits(smtp_mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        row = outbox_enqueue(
            template="datarights/email/access_link", to_email="ann@example.com", language="en", context=CONTEXT
        )
    assert not smtp_mail.received  # nothing leaves before the transaction that wrote it commits
    for callback in pending:
        callback()  # the commit: the task runs (eagerly here, on a worker in production)
    row.refresh_from_db()
    assert (row.status, row.context) == (OutboxMessage.Status.SENT, {})
    [received] = smtp_mail.to("ann@example.com")
    assert CONTEXT["link_url"] in received.message.get_body(preferencelist=("plain",)).get_content()
