from django import forms
from django.utils.translation import gettext_lazy as _

from core import registry
from core.email import email_normalize
from datarights.models import DataRequest


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class CorrectionForm(forms.Form):
    """The correctable fields of every registry source, each prefixed with its source key."""

    def __init__(self, address: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[str, list[str]]] = []
        for source in registry.sources():
            if source.correction is None:
                continue
            names = []
            for name, field in source.correction.fields(address).items():
                self.fields[f"{source.key}__{name}"] = field
                names.append(f"{source.key}__{name}")
            if names:
                self.groups.append((str(source.title), names))

    def grouped(self) -> list[tuple[str, list]]:
        return [(title, [self[name] for name in names]) for title, names in self.groups]


class DataRequestAddForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["kind", "channel", "subject_email", "received_on"]

    def clean_subject_email(self) -> str:
        email = self.cleaned_data.get("subject_email", "")
        if not email:
            raise forms.ValidationError(_("The person's e-mail address is needed to answer the request."))
        return email_normalize(email)
