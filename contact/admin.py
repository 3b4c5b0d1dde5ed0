"""Staff read contact messages and mark them handled; the handling time starts retention."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from contact import services
from contact.models import ContactMessage


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    list_display = ["__str__", "subject", "name", "created_at", "forwarded", "handled", "handled_at"]
    list_filter = ["handled", "language"]
    search_fields = ["subject", "name", "email"]
    date_hierarchy = "created_at"
    fields = [
        "name", "email", "subject", "message", "language", "created_at", "forwarded_at",
        "handled", "handled_at", "handled_by",
    ]
    readonly_fields = [
        "name", "email", "subject", "message", "language", "created_at", "forwarded_at",
        "handled_at", "handled_by",
    ]
    actions = ["mark_handled", "mark_unhandled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # messages come from visitors only

    @admin.display(boolean=True, description=_("forwarded"))
    def forwarded(self, obj: ContactMessage) -> bool:
        return obj.forwarded_at is not None

    def save_model(self, request: HttpRequest, obj: ContactMessage, form, change: bool) -> None:
        # Only the flag is editable; the service sets or clears the time and the handler.
        if "handled" in form.changed_data:
            services.messages_mark_handled([obj.pk], user=request.user, handled=obj.handled)
            obj.refresh_from_db()

    @admin.action(description=_("Mark as handled"), permissions=["change"])
    def mark_handled(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.messages_mark_handled(list(queryset.values_list("pk", flat=True)), user=request.user)
        self.message_user(
            request, ngettext("%(count)d message marked as handled.", "%(count)d messages marked as handled.", count)
            % {"count": count}, messages.SUCCESS,
        )

    @admin.action(description=_("Mark as not handled"), permissions=["change"])
    def mark_unhandled(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.messages_mark_handled(
            list(queryset.values_list("pk", flat=True)), user=request.user, handled=False
        )
        self.message_user(
            request,
            ngettext("%(count)d message marked as not handled.", "%(count)d messages marked as not handled.", count)
            % {"count": count}, messages.SUCCESS,
        )
