"""Admin for cookie consent: the registry (every material change makes a policy revision),
the revisions themselves, the consent records and the daily counts of Global Privacy
Control refusals, read-only, each with a CSV export, and a weekly accept/refuse chart
(records and GPC counts together) for audits.
"""

import csv
import datetime
from collections.abc import Callable, Iterator

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from consent import charts, selectors
from consent.models import Category, ConsentRecord, Cookie, GpcRefusalDay, RegistryRevision
from consent.services import registry_revise
from core.admin import ReadOnlyAdminMixin


def _revise(request: HttpRequest) -> None:
    revision = registry_revise(user=request.user)
    if revision is not None:
        messages.info(request, _("The cookie policy is now at revision %(number)s; visitors will be asked again.")
                      % {"number": revision.number})


class CookieInline(admin.TabularInline):
    model = Cookie
    extra = 0
    fields = ["name", "provider", "domain", "purpose_nl", "purpose_en", "lifetime_nl", "lifetime_en", "position"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["key", "name_nl", "name_en", "necessary", "position", "cookie_count"]
    inlines = [CookieInline]

    @admin.display(description=gettext_lazy("cookies"))
    def cookie_count(self, obj: Category) -> int:
        return obj.cookies.count()

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> list[str]:
        # Records and cookies name categories by key: it never changes once in use.
        return ["key"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        if obj is not None and obj.necessary:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        _revise(request)

    def delete_model(self, request: HttpRequest, obj: Category) -> None:
        super().delete_model(request, obj)
        _revise(request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset.filter(necessary=False))
        _revise(request)


@admin.register(Cookie)
class CookieAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "provider", "domain", "lifetime_en"]
    list_filter = ["category"]
    search_fields = ["name", "provider", "domain"]

    def save_model(self, request: HttpRequest, obj: Cookie, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _revise(request)

    def delete_model(self, request: HttpRequest, obj: Cookie) -> None:
        super().delete_model(request, obj)
        _revise(request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        _revise(request)


@admin.register(RegistryRevision)
class RegistryRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "created_at", "created_by", "public_page"]
    fields = ["number", "created_at", "created_by", "public_page", "contents"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("public page"))
    def public_page(self, obj: RegistryRevision) -> str:
        url = reverse("cookies:revision", args=[obj.number])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description=gettext_lazy("registry as it was"))
    def contents(self, obj: RegistryRevision) -> str:
        state = selectors.registry_revision_state(obj.number)
        language = get_language() or "en"
        rows = [
            (category.name, cookie.name, cookie.provider, cookie.domain or "—", cookie.purpose, cookie.lifetime)
            for category in state.localized(language)
            for cookie in category.cookies
        ]
        body = format_html_join("", "<tr>{}</tr>", (
            (format_html_join("", "<td>{}</td>", ((value,) for value in row)),) for row in rows
        ))
        head = format_html_join("", "<th>{}</th>", ((label,) for label in (
            _("category"), _("cookie"), _("provider"), _("set on domain"), _("purpose"), _("lifetime"),
        )))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


CSV_COLUMNS = [
    "consent_id", "time_utc", "method", "granted", "refused", "cookie_policy_revision",
    "statement_document", "statement_language", "statement_version", "language", "gpc",
    "ip_network", "user_agent_hash",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets run cells starting with these as formulas.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_export(
    model_admin: admin.ModelAdmin, request: HttpRequest, rows: Callable[[QuerySet], Iterator[list[str]]], name: str
) -> HttpResponse:
    """What the change list shows (its filters and search apply), streamed as CSV."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        queryset = model_admin.get_changelist_instance(request).get_queryset(request)
    except IncorrectLookupParameters:
        opts = model_admin.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows(queryset)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at", "consent_id", "method", "granted_list", "refused_list", "registry_revision",
        "statement_version", "language", "gpc", "ip_prefix",
    ]
    list_filter = ["method", "language", "gpc", "registry_revision", "created_at"]
    search_fields = ["=consent_id"]
    date_hierarchy = "created_at"
    list_select_related = ["registry_revision", "statement_version__document"]
    change_list_template = "admin/consent/consentrecord/change_list.html"
    show_full_result_count = False

    @admin.display(description=gettext_lazy("categories granted"))
    def granted_list(self, obj: ConsentRecord) -> str:
        return ", ".join(obj.granted)

    @admin.display(description=gettext_lazy("categories refused"))
    def refused_list(self, obj: ConsentRecord) -> str:
        return ", ".join(obj.refused) or "—"

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("export.csv", wrap(self.export_view), name="consent_consentrecord_export"),
            path("chart/", wrap(self.chart_view), name="consent_consentrecord_chart"),
            *super().get_urls(),
        ]

    def _rows(self, queryset: QuerySet) -> Iterator[list[str]]:
        yield CSV_COLUMNS
        records = queryset.select_related("registry_revision", "statement_version__document").order_by("created_at")
        for r in records.iterator(chunk_size=2000):
            version = r.statement_version
            yield [_cell(value) for value in (
                r.consent_id, r.created_at.astimezone(datetime.UTC).isoformat(), r.method, " ".join(r.granted),
                " ".join(r.refused), r.registry_revision.number, version.document.slug if version else "",
                version.language if version else "", version.number if version else "", r.language,
                int(r.gpc), r.ip_prefix, r.user_agent_hash,
            )]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The records the change list shows (its filters and search apply), as CSV."""
        return _csv_export(self, request, self._rows, "consent-records")

    def chart_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        weeks = 12
        state = selectors.registry_state()
        language = get_language() or "en"
        names = {c.key: c.name for c in state.localized(language)} if state else {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Accepted and refused per category, per week"),
            "panels": charts.panels(selectors.consent_weekly_rates(weeks), names),
            "gridlines": charts.gridlines(),
            "width": charts.FRAME.width,
            "height": charts.FRAME.height,
            "left": charts.FRAME.left,
            "baseline": charts.FRAME.baseline,
            "weeks": weeks,
        }
        return render(request, "admin/consent/consentrecord/chart.html", context)


GPC_CSV_COLUMNS = ["day", "language", "gpc_refusals"]


@admin.register(GpcRefusalDay)
class GpcRefusalDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A GPC signal refuses every optional category; it is counted per day, not recorded per visitor."""

    list_display = ["day", "language", "count"]
    list_filter = ["language"]
    date_hierarchy = "day"
    change_list_template = "admin/consent/gpcrefusalday/change_list.html"

    def get_urls(self) -> list:
        return [
            path("export.csv", self.admin_site.admin_view(self.export_view), name="consent_gpcrefusalday_export"),
            *super().get_urls(),
        ]

    def _rows(self, queryset: QuerySet) -> Iterator[list[str]]:
        yield GPC_CSV_COLUMNS
        for day, language, count in queryset.order_by("day", "language").values_list("day", "language", "count"):
            yield [day.isoformat(), language, str(count)]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        return _csv_export(self, request, self._rows, "gpc-refusals")
