"""Subscriber imports: upload a CSV file with consent evidence; a worker imports it and the page shows the report."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter.models import SubscriberImport
from newsletter.services.import_report import ImportFileError, import_report_lines
from newsletter.services.import_runs import subscriber_import_submit
from newsletter.services.imports import HEADER_MAX_BYTES, import_header_check


class SubscriberImportForm(forms.ModelForm):
    upload = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8, with “,” or “;” between the columns, and a first line naming them: email, name, language, "
            "topics, consent_controller, consent_topics, consent_source, consent_date, consent_text, "
            "consent_original. Only rows with complete evidence of consent to iLumen are imported; nobody is "
            "sent any e-mail."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    class Meta:
        model = SubscriberImport
        fields = ["dry_run"]

    def clean_upload(self):
        upload = self.cleaned_data["upload"]
        try:
            import_header_check(head=upload.read(HEADER_MAX_BYTES))
        except ImportFileError as error:
            raise forms.ValidationError(error.message) from None
        upload.seek(0)
        return upload


@admin.register(SubscriberImport)
class SubscriberImportAdmin(admin.ModelAdmin):
    form = SubscriberImportForm
    list_display = ["created_at", "file_name", "dry_run", "status", "created_by"]
    list_filter = ["status", "dry_run"]
    readonly_fields = ["file_name", "dry_run", "status", "outcome", "created_at", "created_by", "started_at",
                       "finished_at"]

    def get_fields(self, request: HttpRequest, obj: SubscriberImport | None = None) -> list[str]:
        return ["upload", "dry_run"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: SubscriberImport | None = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: SubscriberImport | None = None) -> bool:
        return False  # a record of what happened

    @admin.display(description=gettext_lazy("report"))
    def outcome(self, obj: SubscriberImport) -> str:
        if obj.status in (SubscriberImport.Status.PENDING, SubscriberImport.Status.RUNNING):
            return _("The import runs in the background: reload this page to see its report.")
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{}</li>", ((line,) for line in import_report_lines(report=obj.report))
        ))

    def save_model(self, request: HttpRequest, obj: SubscriberImport, form, change: bool) -> None:
        upload = form.cleaned_data["upload"]
        obj.file_name = upload.name[:200]
        obj.created_by = request.user
        subscriber_import_submit(record=obj, chunks=upload.chunks())

    def response_add(self, request: HttpRequest, obj: SubscriberImport, post_url_continue=None) -> HttpResponse:
        self.message_user(request, _("The file was received; it is imported in the background."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsletter_subscriberimport_change", args=[obj.pk]))
