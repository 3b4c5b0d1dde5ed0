from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from staff.processing_record import PERMISSION, processing_record, processing_record_csv


@staff_member_required
def admin_moved(
    request: HttpRequest, app_label: str, model: str, rest: str, new_label: str,
) -> HttpResponsePermanentRedirect:
    """The same admin page under the model's new app (anyone else goes to the admin's sign-in first)."""
    query = request.META.get("QUERY_STRING", "")
    target = f"{reverse('admin:index')}{new_label}/{model}/{rest}"
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


def processing_record_view(request: HttpRequest) -> HttpResponse:
    """The record of processing activities for Legal; with ?lang=nl or ?lang=en, its CSV in that language."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    language = request.GET.get("lang")
    if language is None:
        return render(request, "staff/processing_record.html", {
            **admin.site.each_context(request), "title": _("Record of processing activities"),
            "record": processing_record(), "languages": settings.LANGUAGES,
        })
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language: choose one of %(codes)s.") % {
            "codes": ", ".join(code for code, _name in settings.LANGUAGES)})
    with translation.override(language):
        content = processing_record_csv()
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="processing-record-{language}.csv"'
    return response
