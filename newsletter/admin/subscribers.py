"""Subscribers with their subscriptions and consent proofs, and the deliveries: read-only."""

import datetime

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdminMixin
from newsletter import selectors
from newsletter.admin.bounces import BounceInline
from newsletter.admin.exports import SubscriberExportMixin
from newsletter.models import (
    ConsentProof,
    Delivery,
    Subscriber,
    Subscription,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    can_delete = True  # as before: whoever holds the delete right (no staff role does) may remove rows


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    can_delete = False
    fields = ["topic", "status", "confirmed_at", "unsubscribed_at", "proof"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ConsentProofInline(admin.StackedInline):
    model = ConsentProof
    extra = 0
    can_delete = False
    fields = [
        "origin", "given_at", "confirmed_at", "language", "source", "statement_version", "ip_truncated",
        "consent_version", "consent_text", "controller", "original_location",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        if request.user.has_perm("newsletter.view_proof_ip"):
            return self.fields
        return [name for name in self.fields if name != "ip_truncated"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return self.get_fields(request, obj)


class LeftSinceFilter(admin.SimpleListFilter):
    """People who unsubscribed since a moment and follow no topic any more: the admin index's
    "lost" count links here with its moment (shown only then: it has no fixed choices)."""

    title = gettext_lazy("left")
    parameter_name = "left_since"

    def _since(self) -> datetime.datetime:
        try:
            since = parse_datetime(self.value())
        except ValueError:
            since = None
        if since is None or timezone.is_naive(since):
            raise IncorrectLookupParameters(self.value())
        return since

    def lookups(self, request, model_admin):
        if self.value() is None:
            return []
        since = self._since()
        return [(self.value(), _("Since %(date)s") % {"date": formats.date_format(timezone.localtime(since))})]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(pk__in=selectors.subscribers_left(since=self._since()).values("pk"))


@admin.register(Subscriber)
class SubscriberAdmin(SubscriberExportMixin, ReadOnlyAdmin):
    list_display = ["email", "name", "language", "created_at"]
    list_filter = ["language", "subscriptions__status", "subscriptions__topic", "created_at", LeftSinceFilter]
    search_fields = ["email", "name"]
    fields = ["email", "name", "language", "created_at"]
    readonly_fields = fields
    inlines = [SubscriptionInline, ConsentProofInline, BounceInline]
    change_list_template = "admin/newsletter/subscriber/change_list.html"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    # The model lists the fields it shares with Welcome (LeasedSend) first; the page names the
    # campaign and the subscriber first.
    fields = [
        "campaign", "subscriber", "status", "tries", "next_attempt_at", "lease_expires_at", "claimed_by", "sent_at",
        "message_id", "last_error", "complained_at", "failure",
    ]
    list_display = ["campaign", "subscriber", "status", "tries", "sent_at", "last_error"]
    list_filter = ["status", "campaign"]
    search_fields = ["subscriber__email"]
    list_select_related = ["campaign", "subscriber"]
