"""Admin for statements: legal staff draft, preview, compare and publish versions."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from privacy import selectors
from privacy.forms import PublishForm
from privacy.models import Document, Version
from privacy.services.statements import (
    PUBLISH_PERMISSION,
    draft_from_version,
    version_publish,
    version_publish_refusal,
    version_save,
)

# The newsletter's right to announce a material change to every subscriber (newsletter/admin/privacy_notice.py).
NOTICE_PERMISSION = "newsletter.send_privacy_notice"


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}


class ReviewFilter(admin.SimpleListFilter):
    """Drafts that wait for the staff member's second pair of eyes (the admin index links here)."""

    title = gettext_lazy("four eyes")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("waiting", gettext_lazy("Waiting for your review"))]

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(pk__in=selectors.versions_awaiting_review(user_id=request.user.pk).values("pk"))
        return queryset


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "document", "language", "number", "status", "last_amended", "published_at", "published_by",
        "material_answer",
    ]
    list_filter = [ReviewFilter, "document", "language", "status"]
    search_fields = ["title", "body", "change_summary"]
    fields = ["document", "language", "title", "body", "last_amended", "change_summary"]
    readonly_fields_published = [
        "document", "language", "number", "title", "rendered_body", "last_amended",
        "change_summary", "status", "created_by", "editors_list", "published_at", "published_by_name",
        "material_answer",
    ]
    change_form_template = "admin/privacy/version/change_form.html"

    def get_fields(self, request: HttpRequest, obj: Version | None = None) -> list[str]:
        if obj is None:
            return self.fields
        return self.readonly_fields_published if obj.is_published else [*self.fields, "editors_list"]

    def get_readonly_fields(self, request: HttpRequest, obj: Version | None = None) -> list[str]:
        if obj is None:
            return []
        return self.readonly_fields_published if obj.is_published else ["editors_list"]

    @admin.display(description=gettext_lazy("material change"))
    def material_answer(self, obj: Version) -> str:
        # Words rather than the admin's boolean icon, whose alternative text is an untranslated True/False.
        return {True: _("Yes"), False: _("No")}.get(obj.material, "–")

    @admin.display(description=gettext_lazy("edited by"))
    def editors_list(self, obj: Version) -> str:
        if obj.is_published:
            names = [editor["username"] for editor in obj.editors]
        else:
            names = selectors.version_editor_names(obj)
        return ", ".join(names) or "–"

    def has_change_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        # A published version is shown read-only to everyone, superusers included: posting its
        # change form is refused (403) instead of "saving" nothing and reporting success.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Version | None = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("text"))
    def rendered_body(self, obj: Version) -> str:
        # Rendered and sanitised (nh3) exactly as on the visitor page, so safe to show as HTML.
        html = mark_safe(selectors.draft_preview(obj).html)  # noqa: S308
        return format_html('<div class="statement-body">{}</div>', html)

    def save_model(self, request: HttpRequest, obj: Version, form, change: bool) -> None:
        version_save(version=obj, user=request.user)

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", wrap(self.preview_view), name="privacy_version_preview"),
            path("<int:pk>/compare/", wrap(self.compare_view), name="privacy_version_compare"),
            path("<int:pk>/publish/", wrap(self.publish_view), name="privacy_version_publish"),
            path("<int:pk>/new-draft/", wrap(self.new_draft_view), name="privacy_version_new_draft"),
            *super().get_urls(),
        ]

    def _version(self, request: HttpRequest, pk: int) -> Version:
        version = get_object_or_404(Version.objects.select_related("document"), pk=pk)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        return version

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk)
        context = {"statement": selectors.draft_preview(version), "preview": True}
        return render(request, "privacy/statement.html", context)

    def _diff_context(self, request: HttpRequest, version: Version, title: str) -> dict:
        current, diff = selectors.version_diff_with_in_force(version)
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": version,
            "current": current,
            "diff": diff,
            "title": title,
        }

    def compare_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk)
        context = self._diff_context(request, version, _("Compare with the current version"))
        return render(request, "admin/privacy/version/compare.html", context)

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk)
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        form = PublishForm(request.POST if request.method == "POST" else None)
        refusal = "" if version.is_published else version_publish_refusal(version=version, user=request.user)
        if form.is_valid() and not refusal:
            try:
                published = version_publish(version=version, user=request.user, material=form.cleaned_data["material"])
            except ValidationError as error:
                refusal = " ".join(error.messages)
            else:
                self.message_user(request, _("Published %(version)s.") % {"version": published}, messages.SUCCESS)
                notice = self._notice_url(request, published)
                if notice:  # a material change of the newsletter's statement: offer to tell every subscriber
                    return HttpResponseRedirect(notice)
                return HttpResponseRedirect(reverse("admin:privacy_version_change", args=[version.pk]))
        context = {
            **self._diff_context(request, version, _("Publish this version?")),
            "form": form,
            "refusal": refusal,
            "editors": selectors.version_editor_names(version),
            "governs_newsletter": version.document.slug == settings.PRIVACY_PRIMARY_DOCUMENT,
        }
        return render(request, "admin/privacy/version/publish_confirm.html", context)

    def _notice_url(self, request: HttpRequest, version: Version) -> str:
        """The newsletter's page that announces this change to every subscriber, when there is one to
        make and the staff member may (privacy sits below the newsletter: linked by URL name only)."""
        if not selectors.version_announceable(version) or not request.user.has_perm(NOTICE_PERMISSION):
            return ""
        return reverse("admin:newsletter_campaign_privacy_notice", args=[version.pk])

    def new_draft_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        version = self._version(request, pk)
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        draft = draft_from_version(version=version, user=request.user)
        self.message_user(request, _("A new draft was started from this version."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:privacy_version_change", args=[draft.pk]))

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        context["can_publish"] = request.user.has_perm(PUBLISH_PERMISSION)
        original = context.get("original")
        context["notice_url"] = self._notice_url(request, original) if original is not None else ""
        return super().render_change_form(request, context, *args, **kwargs)

