"""The access log in the admin: anonymous statistics only, never a row and never an IP address."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accesslog import charts, selectors
from accesslog.models import PageView
from core.admin import ReadOnlyAdminMixin

PERIODS = (7, 30, 90)


def _row(label, counts: dict[str, int], languages: list[str]) -> dict:
    values = [counts.get(language, 0) for language in languages]
    return {"label": label, "values": values, "total": sum(values)}


@admin.register(PageView)
class PageViewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change list is replaced by the statistics page; single rows cannot be opened."""

    def has_view_permission(self, request: HttpRequest, obj: PageView | None = None) -> bool:
        # A row holds an IP address: no screen shows one, whoever asks.
        return obj is None and super().has_view_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            days = int(request.GET.get("days", "30"))
        except ValueError:
            days = 30
        if days not in PERIODS:
            days = 30
        path = request.GET.get("path") or None
        stats = selectors.page_view_stats(days=days, path=path)
        title = (
            _("Page views per day and language: %(path)s") % {"path": path} if path
            else _("Page views per day and language: all pages")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Page statistics"),
            "chart_title": title,
            "chart": charts.stacked_bars_svg(stats, title=title),
            "colours": charts.language_colours(stats.languages),
            "stats": stats,
            "day_rows": [_row(day.day, day.counts, stats.languages) for day in stats.days],
            "page_rows": [_row(page.path, page.counts, stats.languages) for page in stats.pages],
            "days": days,
            "periods": PERIODS,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/accesslog/pageview/stats.html", context)
