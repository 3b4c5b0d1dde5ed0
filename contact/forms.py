import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.validators import PersonNameField


def _no_control_characters(value: str) -> None:
    """Names and subjects end up in mail headers and admin lists: one line of printable text."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(_("Please use a single line of text."), code="control_characters")


class ContactForm(forms.Form):
    name = PersonNameField(label=_("Name"))
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[_no_control_characters])
    message = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    # A honeypot: hidden from people (and from assistive technology), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))
