"""The outbox as staff see it: read-only, and never a message's context (it may hold a personal link)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from mail.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    can_delete = True  # as in the newsletter app before: the delete right (no staff role has it) may remove rows
    list_display = ["template", "to_email", "status", "tries", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to_email"]
    exclude = ["context"]
