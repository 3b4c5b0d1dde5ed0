"""What mail's services announce; mail.tasks turns it into background work (services never import tasks)."""

from django.dispatch import Signal

# Sent with `message_id` inside the transaction that wrote the outbox row.
outbox_message_queued = Signal()
