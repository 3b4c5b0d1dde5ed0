"""The privacy notice page (`<admin>/newsletter/campaign/privacy-notice/<version id>/`), where the
statement's publish page leads after a material change: the notice prefilled in each language
updated for the change, a warning for a language not yet updated, a preview, and the send button.

For staff with `newsletter.send_privacy_notice` (Legal, who publish the statements).
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from newsletter.messages import Recipient, campaign_message, content_render, notice_list
from newsletter.services.privacy_notice import NoticeText, privacy_notice_draft, privacy_notice_send

NOTICE_PERMISSION = "newsletter.send_privacy_notice"
LANGUAGE_NAMES = dict(settings.LANGUAGES)


class NoticeForm(forms.Form):
    """A subject and a text for each language the notice is written in."""

    def __init__(self, *args, texts: dict[str, NoticeText], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.languages = list(texts)
        for language, text in texts.items():
            name = LANGUAGE_NAMES[language]
            self.fields[f"subject_{language}"] = forms.CharField(
                label=gettext_lazy("Subject (%(language)s)") % {"language": name}, max_length=200,
                initial=text.subject,
            )
            self.fields[f"body_{language}"] = forms.CharField(
                label=gettext_lazy("Text (%(language)s, Markdown)") % {"language": name}, initial=text.body,
                widget=forms.Textarea(attrs={"rows": 12}),
            )

    def texts(self) -> dict[str, NoticeText]:
        return {
            language: NoticeText(self.cleaned_data[f"subject_{language}"], self.cleaned_data[f"body_{language}"])
            for language in self.languages
        }


def _previews(texts: dict[str, NoticeText]) -> list[dict]:
    """Each language's message as a sample reader gets it: subject, the body as HTML, the text part."""
    previews = []
    for language, text in texts.items():
        content = content_render(language=language, subject=text.subject, body=text.body)
        recipient = Recipient(email="jane@example.com", name="Jane", language=language, uuid=uuid.UUID(int=0))
        message = campaign_message(content=content, recipient=recipient, topics=notice_list())
        previews.append({"language": LANGUAGE_NAMES[language], "subject": text.subject, "html": content.html,
                         "text": message.text})
    return previews


class PrivacyNoticeMixin:
    """Adds the privacy notice page to the campaign admin."""

    def get_urls(self) -> list:
        return [
            path("privacy-notice/<int:version_id>/", self.admin_site.admin_view(self.privacy_notice_view),
                 name="newsletter_campaign_privacy_notice"),
            *super().get_urls(),
        ]

    def privacy_notice_view(self, request: HttpRequest, version_id: int) -> HttpResponse:
        if not request.user.has_perm(NOTICE_PERMISSION):
            raise PermissionDenied
        version_page = reverse("admin:privacy_version_change", args=[version_id])
        try:
            draft = privacy_notice_draft(version_id=version_id)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(version_page)
        form = NoticeForm(request.POST if request.method == "POST" else None, texts=draft.texts)
        previews = _previews(draft.texts)
        if request.method == "POST" and form.is_valid():
            if "send" in request.POST:
                try:
                    privacy_notice_send(version_id=version_id, texts=form.texts(), user=request.user)
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, ngettext(
                        "The notice is being sent to %(count)d subscriber.",
                        "The notice is being sent to %(count)d subscribers.", draft.recipients,
                    ) % {"count": draft.recipients}, messages.SUCCESS)
                    return HttpResponseRedirect(version_page)
            previews = _previews(form.texts())
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": _("Announce the change to every subscriber"), "form": form, "draft": draft,
            "previews": previews, "version_page": version_page,
            "not_updated": [(LANGUAGE_NAMES[change.language], change.version) for change in draft.not_updated],
        }
        return render(request, "admin/newsletter/campaign/privacy_notice.html", context)
