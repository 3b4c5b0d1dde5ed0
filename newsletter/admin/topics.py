"""Topics, each with its welcome message per language."""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _

from newsletter import selectors
from newsletter.admin.content import TopicWelcomeInline, email_preview_response, frames_email
from newsletter.models import Topic
from newsletter.services import archive as archive_services
from newsletter.services import welcome as welcome_services


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_nl", "name_en", "is_public", "archive_public", "position"]
    list_editable = ["is_public", "archive_public", "position"]
    prepopulated_fields = {"slug": ["name_en"]}
    change_form_template = "admin/newsletter/topic/change_form.html"

    def get_inlines(self, request: HttpRequest, obj: Topic | None) -> list:
        return [TopicWelcomeInline]  # with the campaign content form it shares

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/welcome/<str:language>/", wrap(self.welcome_preview_view),
                 name="newsletter_topic_welcome_preview"),
            path("<int:pk>/welcome/<str:language>/html/", wrap(self.welcome_preview_html_view),
                 name="newsletter_topic_welcome_preview_html"),
            *super().get_urls(),
        ]

    def render_change_form(self, request: HttpRequest, context: dict, *args, **kwargs) -> HttpResponse:
        context["languages"] = settings.LANGUAGES  # the welcome's preview links
        return super().render_change_form(request, context, *args, **kwargs)

    def _welcome_sample(self, request: HttpRequest, pk: int, language: str):
        topic = get_object_or_404(Topic, pk=pk)
        if not self.has_view_permission(request, topic):
            raise PermissionDenied
        if language not in dict(settings.LANGUAGES):
            raise Http404
        return topic, welcome_services.welcome_sample(topic=topic, language=language)

    def welcome_preview_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        """The topic's welcome as a sample reader of this language gets it when confirming it alone."""
        topic, message = self._welcome_sample(request, pk, language)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": topic,
            "title": _("Welcome message"), "language": language, "languages": settings.LANGUAGES, "message": message,
        }
        return frames_email(render(request, "admin/newsletter/topic/welcome_preview.html", context))

    def welcome_preview_html_view(self, request: HttpRequest, pk: int, language: str) -> HttpResponse:
        _topic, message = self._welcome_sample(request, pk, language)
        return email_preview_response(message.html if message else "")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        selectors.topics_cache_clear()
        if "archive_public" in form.changed_data:
            archive_services.archive_pages_clear()
