"""Admin for cookie consent: the registry (every material change makes a policy revision),
the revisions themselves, the consent records and the daily counts of Global Privacy
Control refusals, read-only, each with a CSV export, and a weekly accept/refuse chart
(records and GPC counts together) for audits.
"""

import csv
import datetime
from collections.abc import Callable, Iterator

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from consent import charts, integrations, selectors
from consent.audit import findings as audit_findings
from consent.models import (
    UNIT_SECONDS,
    Category,
    ConsentRecord,
    Cookie,
    CookieAudit,
    CookieAuditFinding,
    GpcRefusalDay,
    Integration,
    IntegrationKind,
    LifetimeUnit,
    RegistryRevision,
)
from consent.services import integration_update, registry_revise
from core.admin import ReadOnlyAdminMixin


def _revised(request: HttpRequest, revision: RegistryRevision | None) -> None:
    if revision is None:
        return
    if revision.asks_again:
        message = _("The cookie policy is now at revision %(number)s; visitors will be asked again.")
    else:
        message = _("The cookie policy is now at revision %(number)s. It only takes something away, so the "
                    "choices visitors made still hold.")
    messages.info(request, message % {"number": revision.number})


def _revise(request: HttpRequest) -> None:
    _revised(request, registry_revise(user=request.user))


class CookieInline(admin.TabularInline):
    model = Cookie
    extra = 0
    fields = [
        "name", "provider", "domain", "integration", "purpose_nl", "purpose_en", "lifetime_nl", "lifetime_en",
        "max_lifetime_amount", "max_lifetime_unit", "position",
    ]


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
    list_display = ["name", "category", "provider", "domain", "integration", "lifetime_en"]
    list_filter = ["category", "integration"]
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


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ["kind", "enabled", "category", "measurement_id", "matomo_url", "matomo_site_id"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Checked by the model once tidied below (a pasted trailing slash, lower-case letters).
        for name in ("measurement_id", "matomo_url"):
            if name in self.fields:
                self.fields[name].validators = []

    def clean_measurement_id(self) -> str:
        return self.cleaned_data["measurement_id"].strip().upper()

    def clean_matomo_url(self) -> str:
        return self.cleaned_data["matomo_url"].strip().rstrip("/").lower()


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """Legal switches analytics and the networks' own buttons on and off; each save revises the registry."""

    form = IntegrationForm
    list_display = ["__str__", "in_force", "category", "identifiers"]
    list_display_links = ["__str__"]

    _KIND_FIELDS = {
        IntegrationKind.GA4: ["measurement_id"],
        IntegrationKind.MATOMO: ["matomo_url", "matomo_site_id"],
    }

    @admin.display(description=gettext_lazy("in force"))
    def in_force(self, obj: Integration) -> str:
        setting = integrations.pinned_by(obj.kind)
        if setting:
            return _("On: set by the server's configuration (%(setting)s)") % {"setting": setting}
        return _("On") if obj.enabled else _("Off")

    @admin.display(description=gettext_lazy("identifiers"))
    def identifiers(self, obj: Integration) -> str:
        if obj.kind == IntegrationKind.MATOMO and obj.matomo_url:
            return f"{obj.matomo_url} · {obj.matomo_site_id}"
        return obj.measurement_id or "—"

    @admin.display(description=gettext_lazy("set by the server"))
    def pinned_note(self, obj: Integration) -> str:
        return _(
            "The server's configuration (%(setting)s) switches this on and takes precedence: what is set "
            "here has no effect until that setting is removed."
        ) % {"setting": integrations.pinned_by(obj.kind)}

    def get_fields(self, request: HttpRequest, obj: Integration | None = None) -> list[str]:
        if obj is None:
            return ["kind", "enabled", "category", "measurement_id", "matomo_url", "matomo_site_id"]
        pinned = ["pinned_note"] if integrations.pinned_by(obj.kind) else []
        return [*pinned, "kind", "enabled", "category", *self._KIND_FIELDS.get(obj.kind, [])]

    def get_readonly_fields(self, request: HttpRequest, obj: Integration | None = None) -> list[str]:
        if obj is None:
            return []
        if integrations.pinned_by(obj.kind):
            return self.get_fields(request, obj)
        return ["kind"]

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "kind" and field is not None:
            taken = set(Integration.objects.values_list("kind", flat=True))
            field.choices = [(value, label) for value, label in field.choices if value not in taken]
        return field

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One of each kind, created by the migration; adding is only for one that is missing.
        missing = set(IntegrationKind.values) - set(Integration.objects.values_list("kind", flat=True))
        return bool(missing) and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Integration | None = None) -> bool:
        return False  # switched off instead: the cookie policy's history keeps what was on

    def save_model(self, request: HttpRequest, obj: Integration, form, change: bool) -> None:
        _revised(request, integration_update(integration=obj, user=request.user))


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


# --- Cookie audit reports -------------------------------------------------------------------

# The registry's own units and sizes (consent.models.UNIT_SECONDS: a month of 31 days, a year of 366),
# so that a declared "2 years" reads back as 2 years; largest first.
_UNITS = [
    (UNIT_SECONDS[LifetimeUnit.YEARS], lambda n: ngettext("%(count)d year", "%(count)d years", n)),
    (UNIT_SECONDS[LifetimeUnit.MONTHS], lambda n: ngettext("%(count)d month", "%(count)d months", n)),
    (UNIT_SECONDS[LifetimeUnit.WEEKS], lambda n: ngettext("%(count)d week", "%(count)d weeks", n)),
    (UNIT_SECONDS[LifetimeUnit.DAYS], lambda n: ngettext("%(count)d day", "%(count)d days", n)),
    (UNIT_SECONDS[LifetimeUnit.HOURS], lambda n: ngettext("%(count)d hour", "%(count)d hours", n)),
    (UNIT_SECONDS[LifetimeUnit.MINUTES], lambda n: ngettext("%(count)d minute", "%(count)d minutes", n)),
]


def _duration(seconds: int | None) -> str:
    """A lifetime in the largest unit it is a whole number of (give or take the seconds an Expires
    date loses), else in seconds; 0 is a cookie that ends with the browser session."""
    if seconds is None:
        return "—"
    if seconds <= 0:
        return _("until the browser closes")
    for unit, words in _UNITS:
        count = round(seconds / unit)
        if count >= 1 and abs(seconds - count * unit) <= min(60, unit // 100):
            return words(count) % {"count": count}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


def _state_label(key: str, names: dict[str, str]) -> str:
    labels = {
        audit_findings.NO_CHOICE: _("no choice yet"),
        audit_findings.GPC: _("Global Privacy Control"),
        audit_findings.REJECT_ALL: _("reject all"),
        audit_findings.ACCEPT_ALL: _("accept all"),
    }
    if key.startswith(audit_findings.ONLY):
        category = key.removeprefix(audit_findings.ONLY)
        return _("only “%(category)s”") % {"category": names.get(category, category)}
    return labels.get(key, key)


def _finding_text(finding: CookieAuditFinding, names: dict[str, str]) -> str:
    """What was found, in a sentence for Legal."""
    Kind = CookieAuditFinding.Kind
    values = {
        "name": finding.subject, "domain": finding.domain or _("this site"),
        "category": names.get(finding.category, finding.category),
        "observed": _duration(finding.observed_seconds), "declared": _duration(finding.declared_seconds),
    }
    texts = {
        Kind.UNDECLARED_COOKIE: _("The cookie “%(name)s” (set on %(domain)s) is not in the cookie registry."),
        Kind.UNDECLARED_STORAGE: _(
            "The browser storage key “%(name)s” (of %(domain)s) is not in the cookie registry."
        ),
        Kind.NOT_GRANTED: _(
            "“%(name)s” of the category “%(category)s” was stored while that category was not granted."
        ),
        Kind.THIRD_PARTY_REQUEST: _(
            "The browser sent a request to %(name)s without consent for a category that covers it."
        ),
        Kind.LIFETIME_EXCEEDED: _(
            "The cookie “%(name)s” was set to live %(observed)s; the registry declares at most %(declared)s."
        ),
        Kind.NOT_SEEN: _(
            "“%(name)s” is in the registry but was never seen. Some cookies appear only for staff or after a "
            "link from an e-mail; otherwise it may be out of date."
        ),
        Kind.NO_MAX_LIFETIME: _("“%(name)s” has no maximum lifetime in the registry, so its lifetime was not checked."),
    }
    return texts[finding.kind] % values


def _finding_fix(finding: CookieAuditFinding) -> str:
    """The registry change that resolves a finding, one click away: the cookie's add form filled in,
    or its entry's change form. A request without consent is fixed in code or configuration."""
    Kind = CookieAuditFinding.Kind
    if finding.kind in (Kind.UNDECLARED_COOKIE, Kind.UNDECLARED_STORAGE):
        query = urlencode({"name": finding.subject, "domain": finding.domain})
        url = f"{reverse('admin:consent_cookie_add')}?{query}"
        return format_html('<a href="{}">{}</a>', url, _("Add “%(name)s” to the registry") % {"name": finding.subject})
    if finding.cookie_id is not None:
        url = reverse("admin:consent_cookie_change", args=[finding.cookie_id])
        label = {
            Kind.NOT_GRANTED: _("Check the category of “%(name)s”"),
            Kind.LIFETIME_EXCEEDED: _("Correct the lifetime of “%(name)s”"),
            Kind.NO_MAX_LIFETIME: _("Give “%(name)s” a maximum lifetime"),
            Kind.NOT_SEEN: _("Review “%(name)s” in the registry"),
        }.get(finding.kind, _("Open “%(name)s” in the registry"))
        return format_html('<a href="{}">{}</a>', url, label % {"name": finding.cookie.name})
    if finding.kind == Kind.THIRD_PARTY_REQUEST:
        return _("Fixed in the site's code or configuration: nothing may load before consent.")
    return "—"


@admin.register(CookieAudit)
class CookieAuditAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reports of manage.py cookie_audit, for Legal: errors first, each with the registry change that
    resolves it."""

    list_display = ["created_at", "base_url", "registry_revision", "errors", "warnings"]
    list_select_related = ["registry_revision"]
    fields = [
        "created_at", "base_url", "registry_revision", "errors", "warnings", "states_walked", "not_walked",
        "findings_table", "recorded_table",
    ]
    readonly_fields = fields

    def _names(self) -> dict[str, str]:
        state = selectors.registry_state()
        return {c.key: c.name for c in state.localized(get_language() or "en")} if state else {}

    @admin.display(description=gettext_lazy("consent states"))
    def states_walked(self, obj: CookieAudit) -> str:
        names = self._names()
        pages = ngettext("%(count)d page", "%(count)d pages", len(obj.pages)) % {"count": len(obj.pages)}
        states = ", ".join(_state_label(key, names) for key in obj.states)
        return _("%(states)s (each: %(pages)s)") % {"states": states, "pages": pages}

    @admin.display(description=gettext_lazy("pages not walked"))
    def not_walked(self, obj: CookieAudit) -> str:
        failures = [f for observed in obj.observations.values() for f in observed.get("failures", [])]
        if not failures:
            return _("none")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((f,) for f in failures)))

    @admin.display(description=gettext_lazy("findings"))
    def findings_table(self, obj: CookieAudit) -> str:
        names = self._names()
        rows = [
            (
                finding.get_severity_display(), finding.get_kind_display(), _finding_text(finding, names),
                ", ".join(_state_label(key, names) for key in finding.states) or "—",
                finding.page or "—", finding.source or "—", _finding_fix(finding),
            )
            for finding in obj.findings.select_related("cookie")
        ]
        if not rows:
            return _("Nothing found: every cookie, storage key and request matched the registry.")
        head = format_html_join("", '<th scope="col">{}</th>', ((label,) for label in (
            _("severity"), _("finding"), _("what was found"), _("consent states"), _("first seen on"),
            _("set or sent by"), _("registry change"),
        )))
        body = format_html_join("", "<tr>{}</tr>", (
            (format_html_join("", "<td>{}</td>", ((value,) for value in row)),) for row in rows
        ))
        caption = _("Findings, errors first")
        return format_html(
            '<table class="cookie-audit-findings"><caption>{}</caption><thead><tr>{}</tr></thead>'
            "<tbody>{}</tbody></table>", caption, head, body,
        )

    @admin.display(description=gettext_lazy("everything recorded"))
    def recorded_table(self, obj: CookieAudit) -> str:
        names = self._names()
        rows = []
        for key, observed in obj.observations.items():
            state = _state_label(key, names)
            for c in observed.get("cookies", []):
                flags = ", ".join(flag for flag, on in (
                    ("HttpOnly", c.get("http_only")), ("Secure", c.get("secure")),
                    (f"SameSite={c.get('same_site')}", c.get("same_site")),
                ) if on)
                rows.append((state, _("cookie"), c["name"], f"{c['domain']}{c['path']}", _duration(c["lifetime"]),
                             flags or "—", c["page"], c.get("source") or "—"))
            for s in observed.get("storage", []):
                rows.append((state, s["area"], s["key"], s["origin"], "—", "—", s["page"], s.get("source") or "—"))
            for r in observed.get("requests", []):
                rows.append((state, _("request"), r["host"], r["url"], "—", r.get("type") or "—", r["page"], "—"))
        if not rows:
            return "—"
        head = format_html_join("", '<th scope="col">{}</th>', ((label,) for label in (
            _("consent state"), _("kind"), _("name or host"), _("where"), _("lifetime"), _("attributes"),
            _("first seen on"), _("set by"),
        )))
        body = format_html_join("", "<tr>{}</tr>", (
            (format_html_join("", "<td>{}</td>", ((value,) for value in row)),) for row in rows
        ))
        return format_html(
            "<details><summary>{}</summary><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></details>",
            ngettext("%(count)d item", "%(count)d items", len(rows)) % {"count": len(rows)}, head, body,
        )
