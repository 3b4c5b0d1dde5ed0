"""Thin Celery wrappers around contact.services (idempotent: forwarding happens once)."""

from celery import shared_task

from contact import services


@shared_task(
    name="contact.message_forward", autoretry_for=(Exception,), retry_backoff=30, retry_backoff_max=1800,
    max_retries=8,
)
def contact_message_forward(message_id: int) -> bool:
    return services.message_forward(message_id)


@shared_task(name="contact.forward_pending")
def contact_forward_pending() -> int:
    return services.messages_forward_pending()
