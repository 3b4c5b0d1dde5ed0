"""What a campaign and a topic's welcome share: the Markdown content forms and inlines, and the
responses that preview an e-mail."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csp import origin, with_sources
from newsletter.models import (
    CampaignContent,
    TopicWelcome,
)
from newsletter.services import images as image_services


class CampaignContentForm(forms.ModelForm):
    """A campaign's text in one language: its images must be campaign images, each described."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = format_html(
            '{} <a href="{}">{}</a>', _("Markdown; rendered to HTML and plain text."),
            reverse("admin:newsletter_campaignimage_changelist"),
            _("Images: upload one under Campaign images and paste the Markdown its page shows."),
        )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        image_services.campaign_body_validate(body=body)
        return body


class CampaignContentInline(admin.StackedInline):
    model = CampaignContent
    form = CampaignContentForm
    extra = len(settings.LANGUAGES)
    max_num = len(settings.LANGUAGES)
    fields = ["language", "subject", "preheader", "body", "text"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 12, "cols": 80})}}

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and (obj is None or obj.is_editable)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)


class TopicWelcomeForm(CampaignContentForm):
    """A topic's welcome in one language, written like a campaign's text (the same images rule)."""

    class Meta:
        model = TopicWelcome
        fields = ["language", "subject", "body"]


class TopicWelcomeInline(admin.StackedInline):
    model = TopicWelcome
    form = TopicWelcomeForm
    extra = len(settings.LANGUAGES)
    max_num = len(settings.LANGUAGES)
    verbose_name_plural = gettext_lazy(
        "Welcome message (optional): sent once to whoever confirms this topic, in their language"
    )
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 12, "cols": 80})}}


def frames_email(response: HttpResponse) -> HttpResponse:
    """A page that shows an e-mail (its own response, email_preview_response) in a frame: the
    site's policy but with frames of the site itself allowed (frame-src is 'none' everywhere else)."""
    response._csp_config = with_sources(settings.SECURE_CSP, {"frame-src": [CSP.SELF]})
    return response


def email_preview_response(html: str) -> HttpResponse:
    """The e-mail's HTML as a mail client shows it: its own inline styles, no scripts, nothing external
    but the site's own images (written on SITE_URL, which may not be the admin's host)."""
    response = HttpResponse(html)
    response["X-Frame-Options"] = "SAMEORIGIN"  # shown in an iframe on the preview page
    response._csp_config = {
        "default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:", *filter(None, [origin(settings.SITE_URL)])],
        "frame-ancestors": [CSP.SELF],
    }
    return response
