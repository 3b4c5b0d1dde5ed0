"""Staff register requests that arrive by e-mail or post, and answer them from here.

Overdue requests stand out in the list (and have a filter of their own). From a request,
staff with the permission download the same export a visitor gets, or erase everything
for the address after a confirmation page that shows what goes and what stays. Staff who
may change a request take its steps (identity, notes, extension, answer, closing) with a
form each on its page, each a POST to one service. Every step lands in the request's audit
trail, shown on the page, which holds counts and names of fields, never the data.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ReadOnlyAdminMixin
from datarights import selectors, services
from datarights.forms import (
    AnswerForm,
    CloseForm,
    DataRequestAddForm,
    DataRequestChangeForm,
    ExtendForm,
    IdentityForm,
    NoteForm,
)
from datarights.models import DataRequest, ErasureRecord
from datarights.services import workflow

EXPORT_PERMISSION = "datarights.export_personal_data"
ERASE_PERMISSION = "datarights.erase_personal_data"


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", gettext_lazy("Overdue")),
            ("soon", _("Due within %(days)d days") % {"days": DataRequest.DUE_SOON_DAYS}),
            ("open", gettext_lazy("Open, in time")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "soon":
            return queryset.due_soon()
        if self.value() == "open":
            return queryset.open().filter(due_on__gte=timezone.localdate())
        return queryset


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "channel", "status", "received_on", "deadline", "handled_by"]
    list_filter = [OverdueFilter, "status", "kind", "channel"]
    list_select_related = ["handled_by"]
    date_hierarchy = "received_on"
    change_form_template = "admin/datarights/datarequest/change_form.html"

    class Media:
        css = {"all": ["datarights/admin.css"]}

    def get_queryset(self, request: HttpRequest):
        # Open requests first, the most urgent at the top.
        from django.db.models import Case, IntegerField, Value, When

        return super().get_queryset(request).annotate(
            closed_rank=Case(When(status__in=DataRequest.OPEN_STATUSES, then=Value(0)), default=Value(1),
                             output_field=IntegerField())
        ).order_by("closed_rank", "due_on", "pk")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = DataRequestAddForm if obj is None else DataRequestChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: DataRequest | None = None) -> list[str]:
        if obj is None:
            return ["kind", "channel", "subject_email", "language", "received_on"]
        return ["kind", "channel", "subject_email", "subject_hash", "language", "received_on", "due_on",
                "extended_months", "extension_reason", "identity_method", "identity_note", "identity_verified_at",
                "status", "outcome", "handled_by", "closed_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: DataRequest | None = None) -> list[str]:
        if obj is None:
            return []
        readonly = ["kind", "channel", "subject_email", "subject_hash", "received_on", "due_on", "extended_months",
                    "extension_reason", "identity_method", "identity_note", "identity_verified_at", "outcome",
                    "closed_at"]
        # A closed request is the proof of what was done: nothing on it changes any more.
        return readonly if obj.is_open else [*readonly, "status", "handled_by", "language"]

    def has_delete_permission(self, request: HttpRequest, obj: DataRequest | None = None) -> bool:
        return False  # the record is the proof; retention deletes it

    @admin.display(description=gettext_lazy("answer due by"), ordering="due_on")
    def deadline(self, obj: DataRequest) -> str:
        if obj.is_overdue:
            days = (timezone.localdate() - obj.due_on).days
            return format_html(
                '<span class="datarights-overdue">{} · {}</span>', obj.due_on.isoformat(),
                _("%(days)d days overdue") % {"days": days},
            )
        return obj.due_on.isoformat()

    def save_model(self, request: HttpRequest, obj: DataRequest, form, change: bool) -> None:
        if not change:
            registered = services.request_register(
                kind=obj.kind, email=obj.subject_email, channel=obj.channel, received_on=obj.received_on,
                actor=request.user, language=obj.language,
            )
            obj.pk = registered.pk
            obj.refresh_from_db()
            return
        stored = DataRequest.objects.get(pk=obj.pk)
        changed = {name: getattr(obj, name) for name in ("handled_by", "language") if name in form.changed_data}
        if changed:
            DataRequest.objects.filter(pk=obj.pk).update(**changed)
            stored.handled_by, stored.language = obj.handled_by, obj.language
        if "status" in form.changed_data:
            services.request_set_status(stored, obj.status, actor=request.user)
        obj.refresh_from_db()

    # --- Export and erasure -----------------------------------------------------------

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/export/", wrap(self.export_view), name="datarights_datarequest_export"),
            path("<int:pk>/erase/", wrap(self.erase_view), name="datarights_datarequest_erase"),
            *(
                path(f"<int:pk>/{step}/", wrap(self.step_view), {"step": step}, name=f"datarights_datarequest_{step}")
                for step in STEPS
            ),
            *super().get_urls(),
        ]

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        """One step of the workflow: a POSTed form, one service call, a message, back to the request."""
        data_request = get_object_or_404(DataRequest, pk=pk)
        if not self.has_change_permission(request, data_request):
            raise PermissionDenied
        if request.method != "POST":
            return self._back(data_request)
        form_class, run, done = STEPS[step]
        form = form_class(request.POST)
        if not form.is_valid():
            problems = [f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()]
            self.message_user(request, "; ".join(problems), messages.ERROR)
            return self._back(data_request)
        try:
            run(data_request, form.cleaned_data, request.user)
        except workflow.StepRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
        else:
            self.message_user(request, str(done), messages.SUCCESS)
        return self._back(data_request)

    def _request(self, request: HttpRequest, pk: int, permission: str) -> DataRequest:
        data_request = get_object_or_404(DataRequest, pk=pk)
        if not (self.has_view_permission(request, data_request) and request.user.has_perm(permission)):
            raise PermissionDenied
        return data_request

    def _back(self, data_request: DataRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:datarights_datarequest_change", args=[data_request.pk]))

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        data_request = self._request(request, pk, EXPORT_PERMISSION)
        if not data_request.subject_email:
            self.message_user(request, _("This request no longer holds an address."), messages.ERROR)
            return self._back(data_request)
        export = services.request_export(data_request, actor=request.user)
        response = HttpResponse(json.dumps(export, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="data-request-{data_request.pk}.json"'
        response["Cache-Control"] = "no-store"
        return response

    def erase_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        data_request = self._request(request, pk, ERASE_PERMISSION)
        if not data_request.subject_email:
            self.message_user(request, _("This request no longer holds an address."), messages.ERROR)
            return self._back(data_request)
        if request.method == "POST":
            counts = services.request_erase(data_request, actor=request.user)
            removed = sum(n for kinds in counts.values() for n in kinds.values())
            self.message_user(
                request, _("Erased: %(count)d records removed or anonymised. The request is closed.")
                % {"count": removed}, messages.SUCCESS,
            )
            return self._back(data_request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": data_request,
            "preview": selectors.erasure_preview(data_request.subject_email),
            "title": _("Erase everything for this address?"),
        }
        return render(request, "admin/datarights/datarequest/erase_confirm.html", context)

    def render_change_form(self, request: HttpRequest, context: dict, *args, obj=None, **kwargs) -> HttpResponse:
        context["can_export"] = request.user.has_perm(EXPORT_PERMISSION)
        context["can_erase"] = request.user.has_perm(ERASE_PERMISSION)
        if obj is not None:
            context["trail"] = selectors.request_trail(obj)
            context["notes"] = selectors.request_notes(obj)
            if obj.is_open and self.has_change_permission(request, obj):
                initial = {"identity": {"method": obj.identity_method, "note": obj.identity_note}}
                # Ids of their own (names stay plain): the forms share a page, and a label must find its field.
                context["steps"] = {
                    step: form_class(initial=initial.get(step), auto_id=f"step_{step}_%s")
                    for step, (form_class, _run, _done) in STEPS.items()
                }
                context["can_extend"] = obj.extended_months < DataRequest.MAX_EXTENSION_MONTHS and (
                    timezone.localdate() <= obj.first_month_ends_on
                )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


# step: (form, call of the service with the request, the form's data and the user, message on success)
STEPS = {
    "identity": (IdentityForm, lambda r, data, user: workflow.identity_record(
        data_request=r, method=data["method"], note=data["note"], actor=user), gettext_lazy("Identity recorded.")),
    "note": (NoteForm, lambda r, data, user: workflow.request_note_add(data_request=r, text=data["text"], actor=user),
             gettext_lazy("Note added.")),
    "extend": (ExtendForm, lambda r, data, user: workflow.request_extend(
        data_request=r, months=data["months"], reason=data["reason"], actor=user),
        gettext_lazy("Deadline extended; the person is told, with the reason.")),
    "answer": (AnswerForm, lambda r, data, user: workflow.request_answer(
        data_request=r, message=data["message"], with_export=data["with_export"], actor=user),
        gettext_lazy("Answer sent.")),
    "close": (CloseForm, lambda r, data, user: workflow.request_close(
        data_request=r, outcome=data["outcome"], reason=data["reason"], actor=user),
        gettext_lazy("Request closed; its address and notes are deleted.")),
}


@admin.register(ErasureRecord)
class ErasureRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The erasure log: keyed hashes and counts only."""

    list_display = ["__str__", "erased_at", "request", "summary"]
    readonly_fields = ["address_hash", "erased_at", "request", "summary"]
