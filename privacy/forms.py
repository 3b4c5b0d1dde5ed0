"""Staff forms for statements."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PublishForm(forms.Form):
    """The publisher's one question: a material change is announced to the people it concerns."""

    material = forms.TypedChoiceField(
        label=_("Is this a material change?"),
        help_text=_(
            "Material: it changes what data is collected, why, for how long, or who receives it, "
            "or the rights people have. Corrections and rewording are not."
        ),
        choices=[("yes", _("Yes, a material change")), ("no", _("No, a minor change"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Answer whether this change is material before publishing.")},
    )
