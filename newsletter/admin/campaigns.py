"""Campaigns: the page marketing writes, previews, tests and sends from.

Campaign actions (send, schedule, pause, resume, cancel, test send) are buttons on the
campaign page, each a POST that calls one service; progress is polled as JSON.
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from core.email import email_normalize
from mail.messages import RawMessage
from newsletter import selectors
from newsletter.admin.content import CampaignContentInline, email_preview_response, frames_email
from newsletter.admin.privacy_notice import PrivacyNoticeMixin
from newsletter.messages import (
    Recipient,
    RenderedContent,
    campaign_content_render,
    campaign_message,
    campaign_topic_list,
    content_render,
    topic_list,
)
from newsletter.models import (
    PRIVACY_TOPIC_SLUG,
    Bounce,
    Campaign,
    CampaignContent,
    Topic,
)
from newsletter.services import archive as archive_services
from newsletter.services import campaign_status
from newsletter.services import campaigns as campaign_services
from newsletter.services import images as image_services

SEND_PERMISSION = "newsletter.send_campaign"
# The newest bounces and complaints listed on a campaign's page; the bounce list has them all.
BOUNCES_SHOWN = 100

class TestSendForm(forms.Form):
    addresses = forms.CharField(
        label=gettext_lazy("Addresses"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One or more addresses, separated by commas or new lines (at most 10)."),
    )

    def clean_addresses(self) -> list[str]:
        raw = self.cleaned_data["addresses"].replace(",", "\n").split()
        addresses = [email_normalize(a) for a in raw if a.strip()]
        if not addresses or len(addresses) > 10:
            raise ValidationError(_("Give between 1 and 10 addresses."))
        for address in addresses:
            validate_email(address)
        return addresses


class CampaignForm(forms.ModelForm):
    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("archive_published") and self.instance.kind == Campaign.Kind.PRIVACY_NOTICE:
            self.add_error("archive_published", _("Privacy statement notices are never published in the archive."))
        elif cleaned.get("archive_published"):
            # After sending the topics are read-only (not in the form): the campaign's own then.
            topics = cleaned.get("topics") if "topics" in self.fields else self.instance.topics.all()
            try:
                archive_services.campaign_archive_check(topics=topics or [])
            except ValidationError as error:
                self.add_error("archive_published", error)
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(PrivacyNoticeMixin, admin.ModelAdmin):
    form = CampaignForm
    list_display = ["name", "topic_names", "status", "scheduled_at", "progress_summary", "created_at"]
    list_filter = ["status", "topics"]
    search_fields = ["name"]
    inlines = [CampaignContentInline]
    # The segment: who gets the campaign (selectors.campaign_audience); fixed once sending started.
    SEGMENT = ["topics", "audience_language", "subscribed_since", "subscribed_before"]
    fields = ["name", *SEGMENT, "scheduled_at", "archive_published"]
    change_form_template = "admin/newsletter/campaign/change_form.html"
    actions = ["duplicate_selected"]

    def get_readonly_fields(self, request, obj: Campaign | None = None) -> list[str]:
        # "publish in the archive" stays editable after sending: that is when it matters most.
        if obj is not None and not obj.is_editable:
            return ["name", *self.SEGMENT, "audience", "scheduled_at", "status", "status_note", "started_at",
                    "finished_at", "web_version"]
        return ["audience", "status", "status_note", "web_version"] if obj else []

    def get_fields(self, request, obj: Campaign | None = None) -> list[str]:
        if obj is None:
            return self.fields
        if obj.kind == Campaign.Kind.PRIVACY_NOTICE:  # for every subscriber: no segment, never in the archive
            return ["name", "audience", "scheduled_at", "status", "status_note", "started_at", "finished_at"]
        return ["name", *self.SEGMENT, "audience", "scheduled_at", "archive_published", "web_version", "status",
                "status_note", "started_at", "finished_at"]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "topics":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            # Retired: its subscribers asked for privacy notices only, which reach them as subscribers.
            kwargs["queryset"] = Topic.objects.exclude(slug=PRIVACY_TOPIC_SLUG)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description=gettext_lazy("topics"))
    def topic_names(self, obj: Campaign) -> str:
        return selectors.campaign_topic_names(campaign=obj, language=translation.get_language() or "nl")

    @admin.display(description=gettext_lazy("audience"))
    def audience(self, obj: Campaign) -> str:
        if not obj.is_editable:
            return _("Listed when sending started: see “Recipients” under Progress.")
        count = selectors.campaign_audience(campaign=obj).count()
        return ngettext(
            "%(count)s person, counted from the saved topics, language and dates: everyone once.",
            "%(count)s people, counted from the saved topics, language and dates: everyone once.", count,
        ) % {"count": count}

    @admin.display(description=gettext_lazy("web version"))
    def web_version(self, obj: Campaign) -> str:
        url = selectors.campaign_web_url(campaign=obj, language=settings.LANGUAGE_CODE)
        if url is None:
            return _("None yet: it gets its address when it is marked “publish in the archive” and has a subject.")
        note = _("Shown on the website while the campaign is marked “publish in the archive” and once sending "
                 "has started; listed in the archive once it is sent.")
        return format_html('<a href="{}">{}</a><br>{}', url, url, note)

    @admin.display(description=gettext_lazy("progress"))
    def progress_summary(self, obj: Campaign) -> str:
        if obj.status in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED):
            return "–"
        progress = selectors.campaign_progress(obj.pk)
        return f"{progress.sent}/{progress.total}"

    def save_model(self, request, obj: Campaign, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # After the contents: the web address is made from the subject.
        archive_services.campaign_archive_saved(
            campaign_id=form.instance.pk, published_changed="archive_published" in form.changed_data
        )

    def delete_model(self, request, obj: Campaign) -> None:
        super().delete_model(request, obj)
        if obj.archive_published:
            archive_services.archive_pages_clear()

    def delete_queryset(self, request, queryset) -> None:
        published = queryset.filter(archive_published=True).exists()
        super().delete_queryset(request, queryset)
        if published:
            archive_services.archive_pages_clear()

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/<str:language>/", wrap(self.preview_view), name="newsletter_campaign_preview"),
            path("<int:pk>/preview/<str:language>/html/", wrap(self.preview_html_view),
                 name="newsletter_campaign_preview_html"),
            path("<int:pk>/test-send/", wrap(self.test_send_view), name="newsletter_campaign_test_send"),
            path("<int:pk>/do/<str:action>/", wrap(self.action_view), name="newsletter_campaign_action"),
            path("<int:pk>/progress.json", wrap(self.progress_view), name="newsletter_campaign_progress"),
            path("live-preview/", wrap(require_POST(self.live_preview_view)), name="newsletter_campaign_live_preview"),
            path("<int:pk>/duplicate/", wrap(require_POST(self.duplicate_view)), name="newsletter_campaign_duplicate"),
            path("<int:pk>/retry/", wrap(require_POST(self.retry_view)), name="newsletter_campaign_retry"),
            *super().get_urls(),
        ]

    def _campaign(self, request: HttpRequest, pk: int, *, send: bool = False) -> Campaign:
        campaign = get_object_or_404(Campaign, pk=pk)
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        if send and not request.user.has_perm(SEND_PERMISSION):
            raise PermissionDenied
        return campaign

    def _context(self, request: HttpRequest, campaign: Campaign | None, title: str) -> dict:
        return {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": campaign, "title": title,
        }

    def _sample(self, campaign: Campaign, language: str):
        content = campaign.contents.filter(language=language).first() or campaign.contents.first()
        if content is None:
            return None, None
        rendered = campaign_content_render(content=content)
        recipient = Recipient(email="jane@example.com", name="Jane", language=content.language,
                              uuid=uuid.UUID(int=0))
        message = campaign_message(
            content=rendered, recipient=recipient, topics=campaign_topic_list(campaign),
        )
        return content, message

    def preview_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        campaign = self._campaign(request, pk)
        content, message = self._sample(campaign, language)
        context = self._context(request, campaign, _("Preview"))
        context.update({
            "language": language, "content": content, "fallback": content is not None and content.language != language,
            "text": message.text if message else "", "languages": settings.LANGUAGES,
        })
        return frames_email(render(request, "admin/newsletter/campaign/preview.html", context))

    def preview_html_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        campaign = self._campaign(request, pk)
        _content, message = self._sample(campaign, language)
        html = message.html if message else ""
        return email_preview_response(html)

    def test_send_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, send=True)
        form = TestSendForm(request.POST or None, initial={"addresses": request.user.email})
        if request.method == "POST" and form.is_valid():
            results = campaign_services.campaign_test_send(campaign=campaign, addresses=form.cleaned_data["addresses"])
            failed = [r for r in results if r.error]
            if failed:
                self.message_user(request, "; ".join(f"{r.address} ({r.language}): {r.error}" for r in failed),
                                  messages.ERROR)
            if len(failed) < len(results):
                self.message_user(request, _("Test message sent to %(count)s address(es).")
                                  % {"count": len({r.address for r in results if not r.error})}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:newsletter_campaign_change", args=[pk]))
        context = self._context(request, campaign, _("Send a test"))
        context["form"] = form
        return render(request, "admin/newsletter/campaign/test_send.html", context)

    ACTIONS = {
        "send_now": gettext_lazy("Send now"),
        "schedule": gettext_lazy("Schedule"),
        "pause": gettext_lazy("Pause"),
        "resume": gettext_lazy("Resume"),
        "cancel": gettext_lazy("Cancel the campaign"),
    }

    def action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        campaign = self._campaign(request, pk, send=True)
        if action not in self.ACTIONS:
            raise PermissionDenied
        if request.method != "POST" or "confirm" not in request.POST:
            context = self._context(request, campaign, str(self.ACTIONS[action]))
            context.update({
                "action": action, "action_label": self.ACTIONS[action],
                "missing": campaign_services.missing_languages(campaign) if action in ("send_now", "schedule") else [],
                "recipients": selectors.campaign_audience(campaign=campaign).count(),
                "topic_names": selectors.campaign_topic_names(campaign=campaign, language=translation.get_language()),
            })
            return render(request, "admin/newsletter/campaign/action_confirm.html", context)
        try:
            if action == "send_now":
                done = campaign_status.campaign_schedule(campaign_id=campaign.pk)
                refused = _("Only a draft or a scheduled campaign can be scheduled.")
            elif action == "schedule":
                if not campaign.scheduled_at or campaign.scheduled_at <= timezone.now():
                    raise ValidationError(_("Set a time in the future under “scheduled for” first, and save."))
                done = campaign_status.campaign_schedule(campaign_id=campaign.pk, at=campaign.scheduled_at)
                refused = _("Only a draft or a scheduled campaign can be scheduled.")
            elif action == "pause":
                done = campaign_status.campaign_pause(campaign_id=campaign.pk)
                refused = _("Only a scheduled or sending campaign can be paused.")
            elif action == "resume":
                done = campaign_status.campaign_resume(campaign_id=campaign.pk)
                refused = _("Only a paused campaign can be resumed.")
            else:
                done = campaign_status.campaign_cancel(campaign_id=campaign.pk)
                refused = _("This campaign is already finished.")
            if not done:
                raise ValidationError(refused)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _("Done: %(action)s.") % {"action": self.ACTIONS[action]}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsletter_campaign_change", args=[pk]))

    def retry_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, send=True)
        try:
            queued = campaign_status.deliveries_retry(campaign_id=campaign.pk)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, ngettext(
                "%(count)d failed delivery was queued again.", "%(count)d failed deliveries were queued again.", queued,
            ) % {"count": queued}, messages.SUCCESS if queued else messages.WARNING)
        return HttpResponseRedirect(reverse("admin:newsletter_campaign_change", args=[pk]))

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        self._campaign(request, pk)
        return JsonResponse(selectors.campaign_progress(pk).as_dict())

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        obj = context.get("original")
        context["can_send"] = request.user.has_perm(SEND_PERMISSION)
        if obj is not None:
            context["progress"] = selectors.campaign_progress(obj.pk)
            context["missing"] = campaign_services.missing_languages(obj)
            context["languages"] = settings.LANGUAGES
            if context["can_send"] and obj.status in campaign_status.RETRY_STATUSES:
                context["retryable"] = sum(map(len, selectors.deliveries_retryable_batches(campaign_id=obj.pk)))
            if request.user.has_perm("newsletter.view_bounce"):  # their reasons quote addresses
                context.update(self._bounce_context(obj))
        context["can_duplicate"] = obj is not None and self.has_add_permission(request)
        context["live_preview"] = self.has_change_permission(request)
        return frames_email(super().render_change_form(request, context, *args, **kwargs))

    def _bounce_context(self, campaign: Campaign) -> dict:
        bounces = selectors.campaign_bounces(campaign_id=campaign.pk)
        counts = selectors.bounce_counts(bounces)
        return {
            "bounce_counts": [(Bounce.Kind(kind).label, count) for kind, count in counts.items()],
            "bounce_total": sum(counts.values()),
            "bounces": bounces[:BOUNCES_SHOWN],
        }

    # --- Live preview, and duplicating -----------------------------------------------------

    def live_preview_view(self, request: HttpRequest) -> HttpResponse:
        """The e-mail of the content being typed, not yet saved, through the same render path as
        sending (to a sample reader): its HTML for the preview frame, or as JSON its plain-text
        part and what saving would refuse (`part=text`)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = LivePreviewForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        data = form.cleaned_data
        rendered = content_render(language=data["language"], subject=data["subject"], body=data["body"],
                                  preheader=data["preheader"], text=data["text"])
        topic_ids = [value for value in request.POST.getlist("topic") if value.isdigit()]
        message = _sample_message(rendered, list(Topic.objects.filter(pk__in=topic_ids).order_by("position", "pk")))
        if data["part"] != "text":
            return email_preview_response(message.html)
        try:
            image_services.campaign_body_validate(body=data["body"])
        except ValidationError as error:
            problems = error.messages
        else:
            problems = []
        return JsonResponse({"text": message.text, "problems": problems})

    def duplicate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        copy = campaign_services.campaign_duplicate(campaign_id=campaign.pk, user=request.user)
        self.message_user(request, _("A copy was made as a new draft: “%(name)s”. Nothing of the original's "
                                     "sending came along.") % {"name": copy.name}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:newsletter_campaign_change", args=[copy.pk]))

    @admin.action(description=gettext_lazy("Duplicate the selected campaigns"), permissions=["add"])
    def duplicate_selected(self, request: HttpRequest, queryset) -> None:
        copies = [campaign_services.campaign_duplicate(campaign_id=pk, user=request.user)
                  for pk in queryset.order_by("pk").values_list("pk", flat=True)]
        self.message_user(request, ngettext(
            "%(count)d copy was made as a new draft.", "%(count)d copies were made as new drafts.", len(copies),
        ) % {"count": len(copies)}, messages.SUCCESS)


class LivePreviewForm(forms.Form):
    """One content of the campaign form as it is being typed (the inline's fields, unprefixed)."""

    language = forms.ChoiceField(choices=settings.LANGUAGES)
    subject = forms.CharField(max_length=CampaignContent._meta.get_field("subject").max_length, required=False)
    preheader = forms.CharField(max_length=CampaignContent._meta.get_field("preheader").max_length, required=False)
    body = forms.CharField(required=False, strip=False)
    text = forms.CharField(required=False, strip=False)
    part = forms.ChoiceField(choices=[("html", "html"), ("text", "text")], required=False)


def _sample_message(rendered: RenderedContent, topics: list[Topic]) -> RawMessage:
    """The message a sample reader of these topics would get (the live preview's)."""
    recipient = Recipient(email="jane@example.com", name="Jane", language=rendered.language, uuid=uuid.UUID(int=0))
    # Before any topic is chosen, the footer names the first one.
    listed = topic_list(topics or Topic.objects.order_by("position", "pk")[:1])
    return campaign_message(content=rendered, recipient=recipient, topics=listed)
