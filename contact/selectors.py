"""Reads for the contact form's messages."""

from contact.models import ContactMessage


def messages_unhandled_count() -> int:
    """Messages nobody has marked handled yet (the admin index links to the list filtered the same way)."""
    return ContactMessage.objects.filter(handled=False).count()
