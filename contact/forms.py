from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import PersonNameField, one_line_validate


class ContactForm(forms.Form):
    name = PersonNameField(label=_("Name"))
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[one_line_validate])
    message = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    # A honeypot: hidden from people (and from assistive technology), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"), required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))
