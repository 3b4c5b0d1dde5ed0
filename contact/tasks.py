"""Task names of the contact form's former forwarding pipeline, kept so that messages still
queued in Redis during a deploy do no harm: forwards now go through mail's outbox, and
contact/0002 queued every message that was not forwarded yet."""

from celery import shared_task


@shared_task(name="contact.message_forward", ignore_result=True)
def contact_message_forward(message_id: int) -> None:
    """Nothing left to do: the message was queued in the outbox when it was stored."""


@shared_task(name="contact.forward_pending", ignore_result=True)
def contact_forward_pending() -> None:
    """Nothing left to do: the outbox sweep (newsletter.tasks.outbox_sweep) retries forwards."""
