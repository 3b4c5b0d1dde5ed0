"""Mail in the admin: the outbox (read-only, never a message's context: it may hold a personal link), the
suppression list (only what a hash leaves: reason, date, source; a typed address can be checked) and the
messages read from the bounce mailbox (read-only: what each was and applied; the message is in the mailbox)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdminMixin
from mail.hashing import address_hash
from mail.models import BounceMail, OutboxMessage, Suppression


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    can_delete = True  # as in the newsletter app before: the delete right (no staff role has it) may remove rows
    list_display = ["template", "to_email", "status", "tries", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to_email"]
    exclude = ["context"]


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    can_delete = True  # whoever holds the delete right (no staff role does) may lift one by hand
    list_display = ["reason", "created_at", "source", "address_hash"]
    list_filter = ["reason", "source"]
    date_hierarchy = "created_at"
    search_fields = ["address_hash"]
    search_help_text = _("Type a whole e-mail address to see whether it is on the list.")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # Only hashes are stored: a typed address is found by its hash, never by a part of it.
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(address_hash=address_hash(term)), False


@admin.register(BounceMail)
class BounceMailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["read_at", "kind", "applied", "note", "mailbox", "uidvalidity", "uid"]
    list_filter = ["kind"]
    date_hierarchy = "read_at"
