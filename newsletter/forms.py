"""Forms for visitors: subscribe (footer and page) and preferences."""

from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.email import email_normalize
from core.validators import PersonNameField
from newsletter.models import Topic
from newsletter.services.subscriptions import ConsentShown
from privacy.selectors import statement_version_in_force_id

# Raise whenever the wording of the consent text changes: proofs record which one was shown.
CONSENT_VERSION = "1"
CONSENT_TEXT = gettext_lazy(
    "I want to receive the e-mails I ticked above. iLumen keeps my e-mail address, name and choices for that "
    "and nothing else. I can unsubscribe at any time with the link in every e-mail."
)


def consent_shown(request_language: str) -> ConsentShown:
    """The consent text exactly as the form shows it, with the privacy statement it links: the
    primary statement in the page's language, whose version in force the proof names."""
    privacy_url = settings.SITE_URL + reverse("privacy:statement")
    label = _("Privacy statement")
    return ConsentShown(
        f"{CONSENT_TEXT} [{label}: {privacy_url}]", f"{CONSENT_VERSION}-{request_language}",
        statement_version_in_force_id(request_language),
    )


class TopicChoiceField(forms.MultipleChoiceField):
    """Topics chosen among the ones the form offers (`offer`): a post is checked against them
    without a query, and cleans to those Topic objects, in the order offered."""

    topics: Sequence[Topic] = ()

    def offer(self, topics: Sequence[Topic]) -> None:
        self.topics = topics
        self.choices = [(str(topic.pk), _topic_label(topic)) for topic in topics]

    def clean(self, value: object) -> list[Topic]:
        chosen = set(super().clean(value))
        return [topic for topic in self.topics if str(topic.pk) in chosen]


def _topic_label(topic: Topic) -> str:
    description = topic.description()
    return f"{topic.name()} – {description}" if description else topic.name()


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address"), max_length=254)
    name = PersonNameField(label=gettext_lazy("Name (optional)"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mails"), choices=settings.LANGUAGES)
    topics = TopicChoiceField(
        label=gettext_lazy("What would you like to receive?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one topic.")},
    )
    consent = forms.BooleanField(
        required=True, error_messages={"required": gettext_lazy("Please tick the box to agree.")}
    )
    # Honeypot: hidden from people, filled in by naive bots.
    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))
    source = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, topics: list[Topic], **kwargs) -> None:
        """`topics`: the ones offered (the public topics, `selectors.public_topics`)."""
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = (get_language() or settings.LANGUAGE_CODE)[:2]
        self.fields["topics"].offer(topics)

    def clean_source(self) -> str:
        source = self.cleaned_data.get("source") or ""
        # Only a path on this site, never a full URL someone made up.
        return source if source.startswith("/") and not source.startswith("//") else ""

    def clean_email(self) -> str:
        return email_normalize(self.cleaned_data["email"])


def consent_label() -> str:
    return format_html(
        '{} <a href="{}">{}</a>', CONSENT_TEXT, reverse("privacy:statement"), _("Read our privacy statement.")
    )


class PreferencesForm(forms.Form):
    name = PersonNameField(label=gettext_lazy("Name"), required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language of the e-mails"), choices=settings.LANGUAGES)
    topics = forms.MultipleChoiceField(
        label=gettext_lazy("Keep receiving"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, subscriptions: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(str(s.topic_id), s.topic.name()) for s in subscriptions]
