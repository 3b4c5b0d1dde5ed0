"""The subscriber export page: choose a topic and a language, download a CSV file (POST).

Only for staff with `newsletter.export_subscribers`; the proof's IP address only for those who
also have `newsletter.view_proof_ip`. The page warns that a file is out of the site's reach.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter.models import Topic
from newsletter.services.exports import subscribers_export

EXPORT_PERMISSION = "newsletter.export_subscribers"
IP_PERMISSION = "newsletter.view_proof_ip"


class SubscriberExportForm(forms.Form):
    topic = forms.ModelChoiceField(label=gettext_lazy("Topic"), queryset=Topic.objects.all())
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), required=False,
        choices=[("", gettext_lazy("every language")), *settings.LANGUAGES],
    )


class SubscriberExportMixin:
    """Adds the export page to the subscriber admin (`<admin>/newsletter/subscriber/export/`)
    and tells its list whether to link it."""

    def get_urls(self) -> list:
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="newsletter_subscriber_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_export": request.user.has_perm(EXPORT_PERMISSION)}
        return super().changelist_view(request, extra_context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        with_ip = request.user.has_perm(IP_PERMISSION)
        form = SubscriberExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            export = subscribers_export(
                user_id=request.user.pk, topic=form.cleaned_data["topic"], language=form.cleaned_data["language"],
                with_ip=with_ip,
            )
            response = StreamingHttpResponse(export.lines, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            return response
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Export subscribers"),
            "form": form, "with_ip": with_ip,
        }
        return render(request, "admin/newsletter/subscriber/export.html", context)
