from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import registry
from core.email import email_normalize
from datarights.models import DataRequest


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class AddressChangeForm(forms.Form):
    email = forms.EmailField(label=_("Your new e-mail address"), max_length=254)

    def __init__(self, current: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_email(self) -> str:
        email = email_normalize(self.cleaned_data["email"])
        if email == email_normalize(self.current):
            raise forms.ValidationError(_("This is already your address."))
        return email


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
        fields = ["kind", "channel", "subject_email", "language", "received_on"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "language" in self.fields:
            self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or settings.LANGUAGE_CODE

    def clean_subject_email(self) -> str:
        email = self.cleaned_data.get("subject_email", "")
        if not email:
            raise forms.ValidationError(_("The person's e-mail address is needed to answer the request."))
        return email_normalize(email)


class DataRequestChangeForm(forms.ModelForm):
    """Closing is a step of its own (with an outcome, and a notice on refusal): the form only moves
    a request between the open statuses."""

    class Meta:
        model = DataRequest
        fields = ["status", "handled_by", "language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            self.fields["status"].choices = [(s.value, s.label) for s in DataRequest.OPEN_STATUSES]


class IdentityForm(forms.Form):
    method = forms.ChoiceField(label=_("Identity verified by"), choices=DataRequest.IdentityMethod.choices)
    note = forms.CharField(
        label=_("How (short)"), max_length=200, required=False,
        help_text=_("For example which details matched. Never copy an ID document or its number."),
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"), coerce=int, choices=[(1, _("1 month")), (2, _("2 months"))],
    )
    reason = forms.CharField(
        label=_("Reason for the delay (sent to the person)"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    message = forms.CharField(
        label=_("Answer (sent to the person in their language)"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    with_export = forms.BooleanField(
        label=_("Include a link to download their data (built when they use it)"), required=False,
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=DataRequest.Outcome.choices)
    reason = forms.CharField(
        label=_("Reason for a refusal (sent to the person)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
