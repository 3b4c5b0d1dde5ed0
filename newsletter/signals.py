"""What the newsletter's services announce; newsletter.tasks turns each into background work
once the announcing transaction commits (services never import tasks)."""

from django.dispatch import Signal

# Sent with `campaign_id` inside the transaction that made the campaign due now.
campaign_due = Signal()
# Sent with `campaign_id` inside the transaction that resumed a campaign that had started sending.
campaign_resumed = Signal()
# Sent with `welcome_id` inside the transaction that confirmed a request and recorded its welcome.
welcome_due = Signal()
# Sent with `import_id` inside the transaction that recorded an uploaded subscriber import.
subscriber_import_due = Signal()
