"""Bounces and spam complaints, read-only: the list for marketing (filter by kind, source, date,
campaign), and the inline on a subscriber's page. A campaign's own are on its page (campaigns.py)."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdminMixin
from newsletter.models import Bounce


def _campaign(bounce: Bounce) -> str:
    return str(bounce.delivery.campaign) if bounce.delivery_id else "–"


@admin.register(Bounce)
class BounceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_at", "address", "kind", "source", "status_code", "reason", "campaign"]
    list_filter = ["kind", "source", "occurred_at", ("delivery__campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["subscriber__email", "reason"]
    date_hierarchy = "occurred_at"
    list_select_related = ["subscriber", "delivery__campaign"]
    fields = ["occurred_at", "recorded_at", "address", "kind", "source", "status_code", "reason", "campaign"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("address"), ordering="subscriber__email")
    def address(self, obj: Bounce) -> str:
        # A report about an address nobody subscribed with names it only in its reason.
        return obj.subscriber.email if obj.subscriber_id else "–"

    @admin.display(description=gettext_lazy("campaign"))
    def campaign(self, obj: Bounce) -> str:
        return _campaign(obj)


class BounceInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The person's bounces and complaints on their subscriber page."""

    model = Bounce
    extra = 0
    fields = ["occurred_at", "kind", "source", "status_code", "reason", "campaign"]
    readonly_fields = fields
    ordering = ["-occurred_at", "-pk"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("delivery__campaign")

    @admin.display(description=gettext_lazy("campaign"))
    def campaign(self, obj: Bounce) -> str:
        return _campaign(obj)
